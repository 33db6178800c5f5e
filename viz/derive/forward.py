"""The forward pass, output by output: the filter (or pooling window) over its window.

conv2d:  O[o, a, b] = sum over c in o's group, u, v of  Xpad[c, a*s + u*d, b*s + v*d] * W[o, c', u, v]
pool:    O[c, a, b] = max (or mean) of Xpad[c, a*s + u*d, b*s + v*d] over the window

One frame per output cell: the window marked on the (padded) input, the previous window's
cells left behind in orange so the stride's hop shows, the products and their sum filling
in the output. The sums are computed here from the recorded inputs and checked against
the engine's output (checks named "output").
"""

from __future__ import annotations

import numpy as np

from autograd.ops.pool import MAX_POOL2D

from .maps import cells, dilated, filled, pad_or_crop, rows
from .model import Frame, Panel, filter_name, products_row
from .taps import Geometry


def border(shape, p):
    """Marks for the zero border of a map padded by p = (ph, pw); shape is the padded (H, W)."""
    return {(r, c): "pad" for r, c in cells(*shape)
            if not (p[0] <= r < shape[0] - p[0] and p[1] <= c < shape[1] - p[1])}


def _hop(geo, a, b):
    """(the previous output in scan order, the sentence that says how the window moved)."""
    s = geo.stride
    if b > 0:
        return (a, b - 1), f"the window hops {s[1]} column{'s' * (s[1] != 1)} to the right"
    if a > 0:
        return (a - 1, 0), f"back to the left edge, {s[0]} row{'s' * (s[0] != 1)} down"
    return None, "the window starts at the top left"


def _window_cells(geo, a, b):
    """The padded-map cells of output (a, b)'s window."""
    p = geo.padding
    return [(t.i + p[0], t.j + p[1]) for t in geo.window(a, b)]


def _marks(geo, pad, a, b):
    """The border, and the previous window's cells (orange) under the current one (yellow)."""
    marks = dict(pad)
    before, _ = _hop(geo, a, b)
    if before is not None:
        for cell in _window_cells(geo, *before):
            marks[cell] = "zone"
    return marks


def conv_scan_frames(node, engine, number):
    """conv2d forward: an overview, then one frame per output cell."""
    x, w = node.parents
    X = np.asarray(x.data[0], dtype=np.float64)
    W = np.asarray(w.data, dtype=np.float64)
    name = filter_name(w)
    geo = Geometry.of(node)
    p, d = geo.padding, geo.dilation
    groups = node.params["groups"]
    C = X.shape[0]
    Co, Cg = W.shape[:2]
    Og = Co // groups
    Xp = pad_or_crop(X, p)
    pad = border(Xp.shape[-2:], p)
    out = engine["output"][0]
    padded = " padded" if p != (0, 0) else ""
    span = tuple((k - 1) * dd + 1 for k, dd in zip(geo.kernel, d))
    sizes = ", ".join(f"{what} ({n} + 2*{q} - {e}) / {st} + 1 = {m}" for what, n, q, e, st, m in
                      zip(("rows", "columns"), geo.size, p, span, geo.stride, geo.out))
    frames = [Frame(
        f"conv2d forward: slide the filter over X{padded}, one output pixel at a time",
        [[Panel(f"X[{c}]{padded}", rows(Xp[c]), pad) for c in range(C)],
         [Panel(f"{name}[{o}][{cl}]", *dilated(W[o, cl], d)) for o in range(Co) for cl in range(Cg)]],
        f"Each output pixel is the sum of the products of the filter and the window under it.\n"
        f"Output size (input + 2*padding - span) / stride + 1: {sizes}.",
        kind="forward")]
    order = [(o, a, b) for o in range(Co) for a, b in cells(*geo.out)]
    for k, (o, a, b) in enumerate(order):
        g = o // Og
        picture, groups_of_pairs = [], []
        marks = _marks(geo, pad, a, b)
        for cl in range(Cg):
            c = g * Cg + cl
            pairs = []
            products_row(picture, pairs, Xp[c], f"X[{c}]{padded}", marks, W[o, cl],
                         Panel(f"{name}[{o}][{cl}]", *dilated(W[o, cl], d)),
                         (a * geo.stride[0], b * geo.stride[1]), d)
            groups_of_pairs.append(pairs)
        text, total = number.channel_sum_text(groups_of_pairs)
        done = [(aa, bb) for (oo, aa, bb) in order[:k] if oo == o]
        values, fmarks = filled(out[o], done, len(done), (a, b))
        picture.append(["sum ->" if Cg == 1 else f"sum of {Cg} channels ->",
                        Panel(f"O[{o}]", values, fmarks)])
        _, how = _hop(geo, a, b)
        rows_, cols_ = zip(*_window_cells(geo, a, b))
        frames.append(Frame(
            f"O[{o}][{a},{b}]: the filter over its window ({how})",
            picture,
            f"O[{o}][{a},{b}] = {text}\nwindow: rows {min(rows_) - p[0]} to {max(rows_) - p[0]}, "
            f"columns {min(cols_) - p[1]} to {max(cols_) - p[1]} of X"
            + (" (negative or past the edge: the zero padding)" if _outside(geo, a, b) else ""),
            [("output", (0, o, a, b), total)], kind="forward"))
    return frames


def _outside(geo, a, b):
    return any(not geo.inside(t.i, t.j) for t in geo.window(a, b))


def pool_scan_frames(node, engine, number):
    """max_pool2d / avg_pool2d forward: one frame per window, its max (marked) or mean."""
    mode = "max" if node.gate is MAX_POOL2D else "avg"
    X = np.asarray(node.parents[0].data[0], dtype=np.float64)
    geo = Geometry.of(node)
    p = geo.padding
    C = X.shape[0]
    fill = -np.inf if mode == "max" else 0.0
    Xp = pad_or_crop(X, p, fill)
    pad = border(Xp.shape[-2:], p)
    out = engine["output"][0]
    area = geo.kernel[0] * geo.kernel[1]
    frames = []
    order = [(c, a, b) for c in range(C) for a, b in cells(*geo.out)]
    for k, (c, a, b) in enumerate(order):
        marks = _marks(geo, pad, a, b)
        window = _window_cells(geo, a, b)
        for cell in window:
            marks[cell] = "window"
        values = [float(Xp[c][cell]) for cell in window]
        if mode == "max":
            real = [v for cell, v in zip(window, values) if cell not in pad] or values
            total = float(np.max(real))
            marks[window[values.index(total)]] = "winner"   # the first arg-max, as the engine
            text = f"max({', '.join(number(v) for v in real)}) = {number(total)}"
        else:
            total = float(np.sum(values)) / area
            text = (f"({' + '.join(number(v) for v in values)}) / {area} = {number(total)}"
                    .replace("+ -", "- "))
        done = [(aa, bb) for (cc, aa, bb) in order[:k] if cc == c]
        fvalues, fmarks = filled(out[c], done, len(done), (a, b))
        _, how = _hop(geo, a, b)
        what = "its largest value (purple)" if mode == "max" else f"the mean of its {area} cells"
        rows_, cols_ = zip(*window)
        frames.append(Frame(
            f"O[{c}][{a},{b}]: {node.op} window ({how})",
            [[Panel(f"x[{c}]" + (" padded" if p != (0, 0) else ""), rows(Xp[c]), marks),
              "max ->" if mode == "max" else "mean ->", Panel(f"O[{c}]", fvalues, fmarks)]],
            f"O[{c}][{a},{b}] = {text}\nwindow: rows {min(rows_) - p[0]} to {max(rows_) - p[0]}, "
            f"columns {min(cols_) - p[1]} to {max(cols_) - p[1]} of X; O is {what}"
            + ("\n(the padding is -inf for max: it never wins)" if mode == "max" and p != (0, 0)
               else ""),
            [("output", (0, c, a, b), total)], kind="forward"))
    return frames
