"""conv2d, dE/dX: the upstream, zero-inserted by the stride and zero-padded by the filter's
span - 1, correlated with the filter rotated by 180 degrees (channel-transposed).

dX[c, i, j] = sum over o in c's group, u, v of  P[o, i + u*d, j + v*d] * rot180(W)[o, c, u, v]
where P is the padded (and, for a stride, upsampled) upstream.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd import functional as F

from .maps import cells, dilated, pad_or_crop, rows
from .model import Frame, Panel, filter_name, input_pixel_frame, products_row


def geometry(node):
    """(stride, padding, dilation, groups, effective kernel span) from the node's params."""
    p = node.params
    kh, kw = node.parents[1].data.shape[-2:]
    d = p["dilation"]
    span = ((kh - 1) * d[0] + 1, (kw - 1) * d[1] + 1)
    return p["stride"], p["padding"], d, p["groups"], span


def upsampled(node, up):
    """The upstream (O, Ho, Wo) on the stride-1 output grid, by the engine's upsample2d."""
    s, p, _, _, span = geometry(node)
    size = tuple(n + 2 * q - e + 1 for n, q, e in zip(node.parents[0].data.shape[-2:], p, span))
    if s == (1, 1):
        return up[0], size
    return F.upsample2d(Tensor(up), s, size=size).data[0], size


def padded_marks(shape, q, stride):
    """Marks for the padded upstream: the zero border and the zeros the stride inserted."""
    marks = {}
    for r, c in cells(*shape):
        a, b = r - q[0], c - q[1]
        if a < 0 or b < 0 or a >= shape[0] - 2 * q[0] or b >= shape[1] - 2 * q[1]:
            marks[(r, c)] = "pad"
        elif a % stride[0] or b % stride[1]:
            marks[(r, c)] = "inserted"
    return marks


def input_frames(node, up, engine, number):
    x, w = node.parents
    W = np.asarray(w.data, dtype=np.float64)
    name = filter_name(w)
    s, p, d, groups, span = geometry(node)
    C = x.data.shape[1]
    Co, Cg, kh, kw = W.shape
    Og = Co // groups
    G = up[0]
    frames = [Frame("conv2d backward, dE/dX: start from the upstream dE/dO",
                    [[Panel(f"dE/dO[{o}]", rows(G[o])) for o in range(Co)]],
                    "dE/dX is a full convolution of dE/dO with the filter: pad dE/dO, rotate "
                    "the filter by 180 degrees, slide it.")]
    U, _ = upsampled(node, up)
    if s != (1, 1):
        marks = padded_marks(U.shape[-2:], (0, 0), s)
        zeros = f"{s[0] - 1} zero{'' if s[0] == 2 else 's'}" if s[0] == s[1] else \
            f"{s[0] - 1}x{s[1] - 1} zeros"
        frames.append(Frame(f"stride {s[0]}x{s[1]}: upsample dE/dO first ({zeros} "
                            "between neighbours)",
                            [[Panel(f"upsample2d(dE/dO[{o}])", rows(U[o]), marks) for o in range(Co)]],
                            "A strided conv is a stride-1 conv followed by downsampling, so its "
                            "backward upsamples the upstream\nand then takes the stride-1 rule "
                            "(blue cells: inserted zeros)."))
    q = (span[0] - 1 - p[0], span[1] - 1 - p[1])
    P = pad_or_crop(U, q)
    pmarks = padded_marks(P.shape[-2:], q, s)
    how = (f"zero-pad dE/dO by {q[0]}x{q[1]} on every side" if min(q) >= 0 else
           f"crop dE/dO by {-q[0]}x{-q[1]} on every side")
    frames.append(Frame(f"{how}: filter span - 1 - padding",
                        [[Panel(f"padded dE/dO[{o}]", rows(P[o]), pmarks) for o in range(Co)]],
                        f"span {span[0]}x{span[1]} (kernel {kh}x{kw}, dilation {d[0]}x{d[1]}), "
                        f"padding {p[0]}x{p[1]}: grey cells are the zero border."))
    bank = []
    for c in range(C):
        g, cl = divmod(c, Cg)
        row = []
        for o in range(g * Og, (g + 1) * Og):
            row += [Panel(f"{name}[{o}][{cl}]", rows(W[o, cl])), "->",
                    Panel(f"rot180 {name}[{o}][{cl}]", *dilated(W[o, cl, ::-1, ::-1], d))]
        bank.append([*row, f"for dE/dX[{c}]"])
    frames.append(Frame("the filter rotated by 180 degrees (the bank channel-transposed: "
                        "one row per input channel)", bank,
                        "Input channel c collects from every output channel o of its group, "
                        f"through {name}[o][c] rotated."
                        + (" Dots are the dilation's holes." if d != (1, 1) else "")))
    dX = engine["input"][0]
    order = [(c, i, j) for c in range(C) for i in range(dX.shape[1]) for j in range(dX.shape[2])]
    for k, (c, i, j) in enumerate(order):
        g, cl = divmod(c, Cg)
        picture, pairs = [], []
        for o in range(g * Og, (g + 1) * Og):
            rot = W[o, cl, ::-1, ::-1]
            products_row(picture, pairs, P[o], f"padded dE/dO[{o}]", pmarks, rot,
                         Panel(f"rot180 {name}[{o}][{cl}]", *dilated(rot, d)), (i, j), d)
        frames.append(input_pixel_frame(c, i, j, "rotated filter over the padded upstream",
                                        picture, pairs, dX, order[:k], number))
    return frames
