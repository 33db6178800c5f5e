"""conv2d, dE/dX the scatter way: follow one input pixel to every output it fed.

In the forward, X[c, i, j] met filter entry W[o, c', u, v] at output O[o, a, b] whenever
(i, j) = (a*s - p + u*d, b*s - p + v*d). Backward reverses each of those arrows:

    dE/dX[c, i, j] = sum over those (o, a, b, u, v) of  dE/dO[o, a, b] * W[o, c', u, v]

Laid out on the output grid, the entries a pixel met are the filter rotated by 180
degrees: that is why the gather view (the rotated filter over the padded upstream) gives the
same numbers. The last frame puts both grids side by side.
"""

from __future__ import annotations

import numpy as np

from .maps import cells, rows
from .model import Frame, Panel, filter_name, products_sum
from .taps import Geometry


def feeds_text(c, i, j, o_taps, name):
    """'X[0][1,1] feeds O[0][0,0] (x F[0][0][1,1]), ...' from (o, cl, taps) groups."""
    parts = [f"O[{o}][{t.a},{t.b}] (x {name}[{o}][{cl}][{t.u},{t.v}])"
             for o, cl, taps in o_taps for t in taps]
    return f"X[{c}][{i},{j}] feeds " + (", ".join(parts) if parts else
                                         "no output: every window steps over it (stride, dilation)")


def scatter_frames(node, up, engine, number):
    """An introduction, then one frame per input pixel; returns (frames, scatter sums)."""
    x, w = node.parents
    X = np.asarray(x.data[0], dtype=np.float64)
    W = np.asarray(w.data, dtype=np.float64)
    name = filter_name(w)
    geo = Geometry.of(node)
    groups = node.params["groups"]
    C, H, Wd = X.shape
    Co, Cg = W.shape[:2]
    Og = Co // groups
    G = up[0]
    Ho, Wo = geo.out
    frames = [Frame(
        "conv2d backward, dE/dX, the scatter view: follow each X pixel to the outputs it fed",
        [[Panel(f"X[{c}]", rows(X[c])) for c in range(C)],
         [Panel(f"dE/dO[{o}]", rows(G[o])) for o in range(Co)]],
        "In the forward, one X pixel met a different filter entry at each output it fed. Its "
        "gradient collects dE/dO from each of those\noutputs, times that entry (a swap "
        "multiplier per product, an adder over the outputs). Laid out on the outputs, the\n"
        "entries it met are the filter rotated by 180 degrees: the gather view after this "
        "slides exactly that over the padded upstream.", kind="scatter view")]
    sums = np.zeros_like(X)
    texts = {}
    order = [(c, i, j) for c in range(C) for i, j in cells(H, Wd)]
    for k, (c, i, j) in enumerate(order):
        g, cl = divmod(c, Cg)
        taps = geo.feeds(i, j)
        picture, pairs, symbols, o_taps = [], [], [], []
        for n, o in enumerate(range(g * Og, (g + 1) * Og)):
            used, prods = _blank(Ho, Wo), _blank(Ho, Wo)
            marks = {}
            for t in taps:
                weight = W[o, cl, t.u, t.v]
                used[t.a][t.b] = float(weight)
                prods[t.a][t.b] = float(G[o, t.a, t.b] * weight)
                marks[(t.a, t.b)] = "source"
                pairs.append((G[o, t.a, t.b], weight))
                symbols.append(f"dE/dO[{o}][{t.a},{t.b}]*{name}[{o}][{cl}][{t.u},{t.v}]")
            o_taps.append((o, cl, taps))
            head = [Panel(f"X[{c}]", rows(X[c]), {(i, j): "current"}), "fed ->"] if n == 0 else \
                [" ", " "]
            picture.append([*head, Panel(f"dE/dO[{o}]", rows(G[o]), marks), "x",
                            Panel(f"{name}[{o}][{cl}]: the entry each met", used,
                                  dict.fromkeys(marks, "window")),
                            "=", Panel("products", prods, dict(marks))])
        total = products_sum(pairs)
        sums[c, i, j] = total
        done = [(a, b) for (cc, a, b) in order[:k] if cc == c]
        values = [[None] * Wd for _ in range(H)]
        fmarks = {}
        for cell in done:
            values[cell[0]][cell[1]] = float(sums[c][cell])
            fmarks[cell] = "done"
        values[i][j], fmarks[(i, j)] = total, "current"
        picture.append(["sum ->", Panel(f"dE/dX[{c}] (scatter)", values, fmarks)])
        line = feeds_text(c, i, j, o_taps, name)
        formula = " + ".join(symbols) or "0"
        text = (f"{line}\ndE/dX[{c}][{i},{j}] = {formula}\n    = {number.sum_text(pairs, total)}"
                if pairs else f"{line}\ndE/dX[{c}][{i},{j}] = 0: nothing comes back")
        texts[(c, i, j)] = number.sum_text(pairs, total)
        frames.append(Frame(f"X[{c}][{i},{j}]: the outputs it fed send their gradients back",
                            picture, text, [("input", (0, c, i, j), total)], kind="scatter view"))
    return frames, sums, texts


def _blank(h, w):
    return [[None] * w for _ in range(h)]


def both_ways_frame(node, engine, scatter_sums, scatter_texts, gather_frames, number):
    """dE/dX by the scatter view beside dE/dX by the gather view (and the engine's)."""
    gathered = {}
    gather_texts = {}
    for f in gather_frames:
        for name, index, value in f.checks:
            if name == "input":
                gathered[index[1:]] = value
                gather_texts[index[1:]] = f.text.split(" = ", 1)[1]
    C = scatter_sums.shape[0]
    G = np.zeros_like(scatter_sums)
    for index, value in gathered.items():
        G[index] = value
    checks = []
    for (c, i, j), _ in np.ndenumerate(scatter_sums):
        checks += [("input", (0, c, i, j), float(scatter_sums[c, i, j])),
                   ("input", (0, c, i, j), float(G[c, i, j]))]
    geo = Geometry.of(node)
    busiest = max(np.ndindex(*scatter_sums.shape), key=lambda idx: len(geo.feeds(*idx[1:])))
    c, i, j = busiest
    mark = {(i, j): "current"}
    picture = [[Panel(f"dE/dX[{k}] by scatter", rows(scatter_sums[k]), mark if k == c else {}), "=",
                Panel(f"dE/dX[{k}] by gather", rows(G[k]), mark if k == c else {}), "=",
                Panel(f"dE/dX[{k}] (the engine)", rows(engine["input"][0, k]))] for k in range(C)]
    text = (f"dE/dX[{c}][{i},{j}] both ways:\n  scatter: {scatter_texts[busiest]}\n"
            f"  gather:  {gather_texts[busiest]}\n"
            "The gather view also multiplies the zeros of the padding (and of the stride); "
            "the scatter view never visits them.")
    return Frame("dE/dX both ways: scatter (each pixel's outputs) = gather (rotated filter, "
                 "padded upstream)", picture, text, checks, kind="both")
