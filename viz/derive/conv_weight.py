"""conv2d, dE/dW and dE/db: the input X correlated with the upstream, which slides over X
as a weight map (one frame per filter element); the bias gradient is the upstream's sum.

dW[o, c, u, v] = sum over a, b of  Xpad[c', a*s + u*d, b*s + v*d] * dO[o, a, b]
(c' = c plus the first input channel of o's group); dB[o] = sum of dO[o] (a distributor).
"""

from __future__ import annotations

import numpy as np

from .conv_input import geometry
from .maps import filled, pad_or_crop, rows
from .model import Frame, Panel, filter_name, products_sum


def weight_frames(node, up, engine, number):
    x, w = node.parents
    X = np.asarray(x.data[0], dtype=np.float64)
    name = filter_name(w)
    s, p, d, groups, _ = geometry(node)
    Co, Cg, kh, kw = w.data.shape
    Og = Co // groups
    G = up[0]
    Ho, Wo = G.shape[-2:]
    Xp = pad_or_crop(X, p)
    pad = {(r, c): "pad" for r in range(Xp.shape[1]) for c in range(Xp.shape[2])
           if not (p[0] <= r < p[0] + X.shape[1] and p[1] <= c < p[1] + X.shape[2])}
    frames = []
    dW = engine["weight"]
    order = [(o, cl, u, v) for o in range(Co) for cl in range(Cg) for u in range(kh) for v in range(kw)]
    for k, (o, cl, u, v) in enumerate(order):
        c = (o // Og) * Cg + cl
        marks = dict(pad)
        pairs, prods = [], np.zeros((Ho, Wo))
        for a in range(Ho):
            for b in range(Wo):
                r, cc = a * s[0] + u * d[0], b * s[1] + v * d[1]
                marks[(r, cc)] = "window"
                pairs.append((Xp[c, r, cc], G[o, a, b]))
                prods[a, b] = Xp[c, r, cc] * G[o, a, b]
        total = products_sum(pairs)
        done = [(a, b) for (oo, cc_, a, b) in order[:k] if (oo, cc_) == (o, cl)]
        values, fmarks = filled(dW[o, cl], done, len(done), (u, v))
        title = "X padded" if p != (0, 0) else "X"
        frames.append(Frame(
            f"dE/d{name}[{o}][{cl}][{u},{v}]: the upstream slides over X as a weight map",
            [[Panel(f"{title}[{c}]", rows(Xp[c]), marks), "x", Panel(f"dE/dO[{o}]", rows(G[o])),
              "=", Panel("products", rows(prods))],
             ["sum ->", Panel(f"dE/d{name}[{o}][{cl}]", values, fmarks)]],
            f"dE/d{name}[{o}][{cl}][{u},{v}] = {number.sum_text(pairs, total)}",
            [("weight", (o, cl, u, v), total)]))
    sums = []
    picture = []
    for o in range(Co):
        terms = [float(v) for v in G[o].ravel()]
        total = float(np.sum(terms))
        sums.append(("bias", (o,), total))
        picture.append([Panel(f"dE/dO[{o}]", rows(G[o])), f"sum = {number(total)}"])
    text = "\n".join(f"dE/db[{o}] = " + " + ".join(number(v) for v in G[o].ravel()).replace("+ -", "- ")
                     + f" = {number(t)}" for (_, (o,), t) in sums)
    frames.append(Frame("dE/db: a bias is added to every output pixel (a distributor), so its "
                        "gradient is the upstream's sum", picture, text, sums))
    return frames
