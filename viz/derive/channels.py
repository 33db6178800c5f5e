"""conv2d over several channels: convolve each input channel with its own filter slice, then
collapse the convolved maps into one output map per filter.

    conventional (groups=1):  O[o] = sum over every c of  X[c] (correlate) W[o][c]
    grouped (groups=g):       O[o] sums only the channels of o's group
    depthwise (groups=C):     O[c] = X[c] (correlate) W[c][0]   (convolve, no collapse)
    pointwise (1x1 filter):   O[o] = sum over c of  W[o][c] * X[c]  (collapse with weights)

Each convolved map is the engine's conv2d of one recorded channel with one recorded filter
slice; the collapse is added here and checked against the node's output.
"""

from __future__ import annotations

import numpy as np

from autograd import Tensor
from autograd import functional as F

from .maps import cells, rows
from .model import Frame, Panel, filter_name


def kind_of(node):
    """'depthwise', 'pointwise', 'grouped', 'conventional', or '' (one channel: nothing to show)."""
    C = node.parents[0].data.shape[1]
    Co, Cg, kh, kw = node.parents[1].data.shape
    groups = node.params["groups"]
    if C == 1 and Co == 1:
        return ""
    if groups == C and Cg == 1 and C > 1:
        return "depthwise"
    if groups > 1:
        return "grouped"
    if (kh, kw) == (1, 1) and C > 1:
        return "pointwise"
    return "conventional" if C > 1 else ""


def convolved(node, c, o, cl):
    """X[c] (correlate) W[o][cl]: the engine's conv2d of one channel with one filter slice."""
    x, w = node.parents
    prm = {k: v for k, v in node.params.items() if k != "groups"}
    one = Tensor(np.asarray(x.data[:, c:c + 1], dtype=np.float64))
    filt = Tensor(np.asarray(w.data[o:o + 1, cl:cl + 1], dtype=np.float64))
    return np.asarray(F.conv2d(one, filt, **prm).data[0, 0])


HEADLINES = {
    "conventional": "convolve each input channel, then collapse: the sum over channels is the output",
    "grouped": "grouped: each output channel convolves and collapses only its group's channels",
    "depthwise": "depthwise: each channel convolved with its own filter, nothing collapsed",
    "pointwise": "1x1 (pointwise): collapse the channels with weights, pixel by pixel",
}


def channel_frames(node, engine, number):
    kind = kind_of(node)
    if not kind:
        return []
    x, w = node.parents
    name = filter_name(w)
    W = np.asarray(w.data, dtype=np.float64)
    C = x.data.shape[1]
    Co, Cg = W.shape[:2]
    groups = node.params["groups"]
    Og = Co // groups
    out = engine["output"][0]
    frames = []
    if kind in ("grouped", "depthwise"):
        table = [[f"{name}[{o}][{c - (o // Og) * Cg}]" if c // Cg == o // Og else "."
                  for c in range(C)] for o in range(Co)]
        marks = {(o, c): ("window" if table[o][c] != "." else "hole") for o, c in cells(Co, C)}
        frames.append(Frame(
            f"groups = {groups}: which input channels (columns) each output channel (rows) reads",
            [[Panel("output channel o reads input channel c through", table, marks)]],
            f"{C} input channels in {groups} groups of {Cg}; each output channel reads its group "
            f"only, so a filter has {Cg} channel slice{'s' * (Cg != 1)}, not {C}.\n"
            f"Parameters: {Co} x {Cg} x {W.shape[2]} x {W.shape[3]} = {W.size} "
            f"(groups = 1 would need {Co * C * W.shape[2] * W.shape[3]}).", kind="channels"))
    picture, lines, checks = [], [], []
    for o in range(Co):
        g = o // Og
        maps = [(g * Cg + cl, cl, convolved(node, g * Cg + cl, o, cl)) for cl in range(Cg)]
        total = np.sum([m for _, _, m in maps], axis=0)
        checks += [("output", (0, o, a, b), float(total[a, b])) for a, b in cells(*total.shape)]
        if kind == "depthwise":      # one map, one filter: show what was convolved
            (c, cl, _), = maps
            picture.append([Panel(f"X[{c}]", rows(x.data[0, c])), "*",
                            Panel(f"{name}[{o}][{cl}]", rows(W[o, cl])), "=",
                            Panel(f"O[{o}]", rows(out[o]))])
            lines.append(f"O[{o}] = X[{c}] * {name}[{o}][{cl}]")
            continue
        row = []
        for c, cl, m in maps:
            row += [Panel(f"X[{c}] * {name}[{o}][{cl}]" if kind != "pointwise"
                          else f"{number(W[o, cl, 0, 0])} x X[{c}]", rows(m)), "+"]
        row[-1] = "=" if Cg > 1 else "->"
        picture.append([*row, Panel(f"O[{o}]", rows(out[o]))])
        first = " + ".join(number(m[0, 0]) for _, _, m in maps).replace("+ -", "- ")
        if kind == "pointwise":
            first = " + ".join(f"{number(W[o, cl, 0, 0])}*{number(x.data[0, c, 0, 0])}"
                               for c, cl, _ in maps).replace("+ -", "- ")
        lines.append(f"O[{o}][0,0] = {first} = {number(total[0, 0])}")
    why = {"conventional": f"every output channel sums the {Cg} convolved channels",
           "grouped": f"each output channel sums the {Cg} convolved channels of its group",
           "depthwise": "one channel in, one channel out, no sum over channels: a 1x1 conv "
                        "after it collapses them, with weights",
           "pointwise": "a weighted sum of the channels at each pixel (1x1 filters)"}[kind]
    star = "" if kind == "pointwise" else "; * is the forward scan's correlation"
    frames.append(Frame(HEADLINES[kind], picture, "\n".join([*lines, f"({why}{star})"]),
                        checks, kind="channels"))
    return frames
