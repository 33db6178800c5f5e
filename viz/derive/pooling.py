"""max_pool2d and avg_pool2d backward, window by window.

max: the upstream of each window travels to its winner (the arg-max the forward saved);
     the other cells get 0; where windows overlap the parts add (+=).   router
avg: each window spreads upstream / (kh*kw) over its cells, overlaps adding.  distributor
"""

from __future__ import annotations

import numpy as np

from autograd.ops.pool import MAX_POOL2D

from .maps import rows
from .model import Frame, Panel


def _windows(node):
    p = node.params
    kh, kw = p["kernel_size"]
    d = p.get("dilation", (1, 1))
    return (kh, kw), p["stride"], p["padding"], d


def _padded(X, p, fill):
    Xp = np.pad(X, [(0, 0), (p[0], p[0]), (p[1], p[1])], constant_values=fill)
    pad = {(r, c): "pad" for r in range(Xp.shape[1]) for c in range(Xp.shape[2])
           if not (p[0] <= r < p[0] + X.shape[1] and p[1] <= c < p[1] + X.shape[2])}
    return Xp, pad


def pool_frames(node, up, engine, number):
    mode = "max" if node.gate is MAX_POOL2D else "avg"
    X = np.asarray(node.parents[0].data[0], dtype=np.float64)
    C, _H, _W = X.shape
    (kh, kw), s, p, d = _windows(node)
    G = up[0]
    Ho, Wo = G.shape[-2:]
    Xp, pad = _padded(X, p, -np.inf if mode == "max" else 0.0)
    index = node.saved[0] if mode == "max" else None
    area = kh * kw
    frames = []
    winners = {}
    for c in range(C):
        for a in range(Ho):
            for b in range(Wo):
                if mode == "max":
                    u, v = divmod(int(index[c, a, b]), kw)
                    winners[(c, a, b)] = (a * s[0] + u * d[0], b * s[1] + v * d[1])
    pattern = node.pattern
    overview = []
    tiled = all(st >= (k - 1) * dd + 1 for st, k, dd in zip(s, (kh, kw), d))
    for c in range(C):
        marks = dict(pad)
        for a in range(Ho if tiled else 0):     # windows that do not overlap: outlined by colour
            for b in range(Wo):
                for u in range(kh):
                    for v in range(kw):
                        cell = (a * s[0] + u * d[0], b * s[1] + v * d[1])
                        if cell not in pad:
                            marks[cell] = "window" if (a + b) % 2 == 0 else "zone"
        for (cc, _a, _b), cell in winners.items():
            if cc == c:
                marks[cell] = "winner"
        overview.append([Panel(f"x[{c}]" + (" padded" if p != (0, 0) else ""), rows(Xp[c]), marks),
                         f"{mode} ->", Panel(f"out[{c}]", rows(node.data[0, c])),
                         Panel(f"dE/dout[{c}]", rows(G[c]))])
    frames.append(Frame(
        f"{node.op} {kh}x{kw}, stride {s[0]}x{s[1]}: the {pattern}",
        overview,
        ("Each window's winner (purple) is the arg-max the forward saved: the upstream goes "
         "there, every other cell gets 0." if mode == "max" else
         f"Each window's mean: the upstream is shared equally, 1/{area} to each of its cells.")))
    acc = np.zeros_like(Xp)
    parts, last = {}, {}
    touched = set()
    for c in range(C):
        for a in range(Ho):
            for b in range(Wo):
                g = float(G[c, a, b])
                window = [(a * s[0] + u * d[0], b * s[1] + v * d[1]) for u in range(kh) for v in range(kw)]
                marks = dict(pad)
                for cell in window:
                    marks[cell] = "window"
                if mode == "max":
                    targets = [(winners[(c, a, b)], g)]
                    marks[winners[(c, a, b)]] = "winner"
                else:
                    targets = [(cell, g / area) for cell in window]
                lines = []
                for cell, share in targets:
                    before = acc[c][cell]
                    acc[c][cell] = before + share
                    parts.setdefault((c, *cell), []).append(share)
                    touched.add((c, *cell))
                    if mode == "max" or len(targets) == 1:
                        overlap = " (+=: windows overlap)" if len(parts[(c, *cell)]) > 1 else ""
                        lines.append(f"dE/dx[{c}][{cell[0] - p[0]},{cell[1] - p[1]}] += "
                                     f"{number(share)} -> {number(acc[c][cell])}{overlap}")
                amarks = dict(pad)
                amarks.update({(r, q): "done" for (c2, r, q) in touched
                               if c2 == c and (r, q) not in pad})
                for cell, _ in targets:
                    amarks[cell] = "current"
                smarks = {(a, b): "source"}
                if mode == "max":
                    r, cc = winners[(c, a, b)]
                    head = (f"window ({a},{b}) of channel {c}: max {number(Xp[c, r, cc])} at "
                            f"({r - p[0]},{cc - p[1]}) receives the upstream {number(g)}; "
                            f"the other {area - 1} cells get 0")
                else:
                    head = (f"window ({a},{b}) of channel {c}: upstream {number(g)} / {area} = "
                            f"{number(g / area)} to each of its {area} cells (overlaps add)")
                frames.append(Frame(
                    f"window ({a},{b}) of channel {c}",
                    [[Panel(f"x[{c}]", rows(Xp[c]), marks), "",
                      Panel(f"dE/dout[{c}]", rows(G[c]), smarks), "->",
                      Panel(f"dE/dx[{c}] so far", rows(acc[c]), amarks)]],
                    "\n".join([head, *lines])))
                for cell, _ in targets:     # the running total this frame shows, per cell
                    last[(c, *cell)] = (frames[-1], float(acc[c][cell]))
    for (c, r, q), (frame, total) in sorted(last.items(), key=lambda kv: kv[0]):
        if (r, q) not in pad:           # a cell's last window shows its finished gradient
            frame.checks.append(("input", (0, c, r - p[0], q - p[1]), total))
    frames.append(_final(X, G, p, parts, engine, number, mode))
    return frames


def _final(X, G, p, parts, engine, number, mode):
    C, H, W = X.shape
    dX = engine["input"][0]
    checks, lines, picture = [], [], []
    for c in range(C):
        marks = {}
        for i in range(H):
            for j in range(W):
                got = parts.get((c, i + p[0], j + p[1]), [])
                total = float(np.sum(got)) if got else 0.0
                checks.append(("input", (0, c, i, j), total))
                if got:
                    marks[(i, j)] = "done"
                    if len(got) > 1:
                        lines.append(f"dE/dx[{c}][{i},{j}] = " + " + ".join(number(v) for v in got)
                                     + f" = {number(total)} ({len(got)} windows)")
                    elif mode == "max":
                        lines.append(f"dE/dx[{c}][{i},{j}] = {number(total)} (one window)")
        picture.append([Panel(f"dE/dx[{c}] (the engine)", rows(dX[c]), marks)])
    rest = ("every other cell: 0 (never a winner)" if mode == "max" else
            "cells in one window only hold that window's share")
    return Frame("dE/dx: the parts added up", picture, "\n".join([*lines[:10], rest]), checks)
