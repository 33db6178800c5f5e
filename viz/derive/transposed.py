"""conv_transpose2d: each input pixel stamps the filter, scaled by its value, into the
output (the expanding layer), overlaps adding; its backward is a conv2d of the upstream
with the same filter, so the loop closes.

forward:  canvas[co, i*s + u*d, j*s + v*d] += x[ci, i, j] * W[ci, co', u, v];  out = crop(canvas, p)
backward: dX[ci, i, j] = sum over co', u, v of  pad(dO, p)[co, i*s + u*d, j*s + v*d] * W[ci, co', u, v]
"""

from __future__ import annotations

import numpy as np

from .maps import dilated, pad_or_crop, rows
from .model import Frame, Panel, filter_name, input_pixel_frame, products_row, products_sum


def _geometry(node):
    prm = node.params
    return prm["stride"], prm["padding"], prm["dilation"], prm["groups"]


def _border(shape, p):
    return {(r, c): "pad" for r in range(shape[0]) for c in range(shape[1])
            if not (p[0] <= r < shape[0] - p[0] and p[1] <= c < shape[1] - p[1])}


def stamp_frames(node, up, engine, number):
    """The forward, pixel by pixel: stamps adding up on the canvas, then the crop."""
    x, w = node.parents
    X, W = np.asarray(x.data[0], dtype=np.float64), np.asarray(w.data, dtype=np.float64)
    name = filter_name(w)
    s, p, d, groups = _geometry(node)
    Cin, H, Wd = X.shape
    _, Cg_out, kh, kw = W.shape
    Cg_in = Cin // groups
    Ho, Wo = node.data.shape[-2:]
    canvas = np.zeros((Cg_out * groups, Ho + 2 * p[0], Wo + 2 * p[1]))
    border = _border(canvas.shape[1:], p)
    parts = {}
    frames = []
    for ci in range(Cin):
        g = ci // Cg_in
        for i in range(H):
            for j in range(Wd):
                v = X[ci, i, j]
                picture = []
                for col in range(Cg_out):
                    co = g * Cg_out + col
                    marks = dict(border)
                    for a in range(kh):
                        for b in range(kw):
                            cell = (i * s[0] + a * d[0], j * s[1] + b * d[1])
                            canvas[co][cell] += v * W[ci, col, a, b]
                            parts.setdefault((co, *cell), []).append((v, W[ci, col, a, b]))
                            marks[cell] = "window"
                    picture.append([Panel(f"x[{ci}]", rows(X[ci]), {(i, j): "current"}), "x",
                                    Panel(f"{name}[{ci}][{col}]", *dilated(W[ci, col], d)), "+=",
                                    Panel(f"canvas[{co}]", rows(canvas[co]), marks)])
                frames.append(Frame(
                    f"conv_transpose2d forward: x[{ci}][{i},{j}] stamps its scaled filter",
                    picture,
                    f"x[{ci}][{i},{j}] = {number(v)}: {number(v)} * W added at row {i * s[0]}, "
                    f"col {j * s[1]} of the canvas (stride {s[0]}x{s[1]}); overlapping stamps add"))
    checks, lines = [], []
    for co in range(canvas.shape[0]):
        for r in range(Ho):
            for c in range(Wo):
                got = parts.get((co, r + p[0], c + p[1]), [])
                total = products_sum(got)
                checks.append(("output", (0, co, r, c), total))
                if len(got) > 1 and len(lines) < 6:
                    lines.append(f"out[{co}][{r},{c}] = {number.sum_text(got, total)}")
    frames.append(Frame(
        "the canvas" + (f" cropped by the padding {p[0]}x{p[1]}" if p != (0, 0) else "") +
        " is the output",
        [[Panel(f"canvas[{co}]", rows(canvas[co]), border), "->",
          Panel(f"out[{co}] (the engine)", rows(node.data[0, co]))] for co in range(canvas.shape[0])],
        "\n".join(["where stamps overlap, their parts add:", *lines]) if lines else
        "no two stamps overlap here", checks))
    return frames


def backward_frames(node, up, engine, number):
    """dE/dX of the transposed conv: a plain conv2d (correlation) of the upstream with W."""
    x, w = node.parents
    W = np.asarray(w.data, dtype=np.float64)
    s, p, d, groups = _geometry(node)
    name = filter_name(w)
    Cin, H, Wd = x.data.shape[1:]
    Cg_out = W.shape[1]
    Cg_in = Cin // groups
    D = pad_or_crop(up[0], p)
    border = _border(D.shape[1:], p)
    dX = engine["input"][0]
    frames = [Frame("conv_transpose2d backward: a conv2d of the upstream with the same filter",
                    [[Panel(f"dE/dO[{co}]" + (" padded" if p != (0, 0) else ""), rows(D[co]), border)
                      for co in range(D.shape[0])]],
                    "Each x pixel stamped W into the output, so its gradient reads the same cells "
                    "back through W:\nno rotation this time; the transposed conv's backward is "
                    "the conv, and the conv's is the transposed conv.")]
    order = [(ci, i, j) for ci in range(Cin) for i in range(H) for j in range(Wd)]
    for k, (ci, i, j) in enumerate(order):
        g = ci // Cg_in
        picture, pairs = [], []
        for col in range(Cg_out):
            co = g * Cg_out + col
            products_row(picture, pairs, D[co], f"dE/dO[{co}]", border, W[ci, col],
                         Panel(f"{name}[{ci}][{col}]", *dilated(W[ci, col], d)),
                         (i * s[0], j * s[1]), d)
        frames.append(input_pixel_frame(ci, i, j, "the filter over the upstream it stamped",
                                        picture, pairs, dX, order[:k], number))
    return frames
