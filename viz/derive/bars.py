"""1-D convolution (a time-delay network) and the 1-D transposed conv, drawn as the lectures
draw them: each time step a vertical bar (its channels stacked), layers of bars, and the
weights between them.

conv1d (shrinking):      each output bar takes the same pattern of incoming weights:
                         O[:, t] = sum over taps u of  W[:, :, u] X[:, t*s + u*d]
conv_transpose1d (expanding): each input bar sends the same pattern of outgoing weights:
                         canvas[:, i*s + u*d] += W[:, :, u]^T X[:, i];  out = canvas cropped

conv1d runs as conv2d on (N, C, 1, L) maps (so does its transposed twin), so these frames
belong to a conv2d / conv_transpose2d node whose maps are one row high. The TDNN frames put
channels in rows and time in columns: the window is k whole columns.
"""

from __future__ import annotations

import numpy as np

from autograd.ops.conv import CONV2D, CONV_TRANSPOSE2D

from ..render import Drawing
from ..style import esc
from .maps import rows
from .model import Frame, Panel, filter_name

TAP_COLORS = ("#c0262d", "#1f6feb", "#1b7a2e", "#b8860b", "#8a3fa8", "#17807a", "#d2691e", "#555555")
QUIET = "#d0d0d0"


def is_one_d(node):
    """A conv2d / conv_transpose2d node that a conv1d / conv_transpose1d recorded: one row in,
    one filter row, one row out, and no padding along the rows (a 1-row map padded above
    and below is a 2-D convolution, whose windows can lie in that padding)."""
    x, w = node.parents
    return node.gate in (CONV2D, CONV_TRANSPOSE2D) and x.data.shape[2] == 1 and w.data.shape[2] == 1 \
        and node.data.shape[2] == 1 and node.params["padding"][0] == 0


def _params(node):
    p = node.params
    return p["stride"][1], p["padding"][1], p["dilation"][1], p["groups"]


def tdnn_frames(node, engine, number):
    """conv1d forward: for each output time, the k input bars under the filter, every output
    channel's products and sum."""
    x, w = node.parents
    X = np.asarray(x.data[0, :, 0], dtype=np.float64)           # (C, T)
    W = np.asarray(w.data[:, :, 0], dtype=np.float64)           # (O, C/g, k)
    name = filter_name(w)
    s, p, d, groups = _params(node)
    C, T = X.shape
    Co, Cg, k = W.shape
    Og = Co // groups
    Xp = np.pad(X, [(0, 0), (p, p)])
    pad = {(c, t): "pad" for c in range(C) for t in range(Xp.shape[1]) if not p <= t < p + T}
    out = engine["output"][0, :, 0]
    To = out.shape[1]
    frames = [_bars_frame(node, X, out, W, s, p, d, groups, name, number, shrinking=True)]
    for t in range(To):
        marks = dict(pad)
        cols = [t * s + u * d for u in range(k)]
        for c in range(C):
            for col in cols:
                marks[(c, col)] = "window"
        title = "X padded (rows: channels, columns: time)" if p else "X (rows: channels, columns: time)"
        picture = [[Panel(title, rows(Xp), marks)]]
        lines, checks = [], []
        for o in range(Co):
            g = o // Og
            window = Xp[g * Cg:(g + 1) * Cg][:, cols]
            prods = window * W[o]
            pairs = list(zip(window.ravel(), W[o].ravel()))
            text, total = number.channel_sum_text([pairs])
            picture.append([Panel(f"window of channels {g * Cg}..{(g + 1) * Cg - 1}" if groups > 1 else
                                  "the window", rows(window)), "x", Panel(f"{name}[{o}]", rows(W[o])),
                            "=", Panel("products", rows(prods)), f"sum = {number(total)}"])
            lines.append(f"O[{o}][{t}] = {text}")
            checks.append(("output", (0, o, 0, t), total))
        done = {(o, tt): "done" for o in range(Co) for tt in range(t)}
        done.update({(o, t): "current" for o in range(Co)})
        shown = [[float(out[o, tt]) if tt <= t else None for tt in range(To)] for o in range(Co)]
        picture.append(["->", Panel("O (rows: channels, columns: time)", shown, done)])
        hop = f"the window hops {s} step{'s' * (s != 1)} in time" if t else "the window starts at time 0"
        frames.append(Frame(f"TDNN: output time {t} reads input times {cols[0] - p} to {cols[-1] - p} "
                            f"({hop})", picture, "\n".join(lines), checks, kind="forward"))
    return frames


def stamp_bar_frames(node, engine, number):
    """conv_transpose1d forward: each input bar stamps its weights into the output bars."""
    x, w = node.parents
    X = np.asarray(x.data[0, :, 0], dtype=np.float64)           # (C_in, T)
    W = np.asarray(w.data[:, :, 0], dtype=np.float64)           # (C_in, C_out/g, k)
    name = filter_name(w)
    s, p, d, groups = _params(node)
    out = engine["output"][0, :, 0]
    Cin, T = X.shape
    Cg_out, k = W.shape[1:]
    Cg_in = Cin // groups
    canvas = np.zeros((Cg_out * groups, out.shape[1] + 2 * p))
    frames = [_bars_frame(node, X, canvas, W, s, p, d, groups, name, number, shrinking=False)]
    for i in range(T):
        for ci in range(Cin):
            g = ci // Cg_in
            for col in range(Cg_out):
                for u in range(k):
                    canvas[g * Cg_out + col, i * s + u * d] += X[ci, i] * W[ci, col, u]
        if W.shape[:2] == (1, 1):
            sends = ", ".join(f"{number(X[0, i])}*{number(W[0, 0, u])} to time {i * s + u * d}"
                              for u in range(k))
            text = f"x at time {i} = {number(X[0, i])} sends {sends}"
        else:
            text = (f"the bar at input time {i} sends W[c_in, c_out, u] x its channels to output "
                    f"times {i * s} to {i * s + (k - 1) * d}")
        frames.append(_bars_frame(node, X, canvas.copy(), W, s, p, d, groups, name, number,
                                  shrinking=False, current=i,
                                  text=text + f" (the next bar starts {s} step{'s' * (s != 1)} later; "
                                              "overlaps add)"))
    return frames


def _bar(values, number, color, title, current=False):
    """A bar: one column of cells (the channels), its title under it."""
    cells = "".join(f'<TR><TD WIDTH="44" HEIGHT="26" BGCOLOR="{"#f9c9c9" if current else "#ffffff"}" '
                    f'COLOR="{color}"><FONT POINT-SIZE="14">{esc(number(v) if v is not None else " ")}'
                    "</FONT></TD></TR>" for v in values)
    return (f'<<TABLE BORDER="0" CELLBORDER="2" CELLSPACING="0" CELLPADDING="2">{cells}'
            f'<TR><TD BORDER="0"><FONT POINT-SIZE="13">{esc(title)}</FONT></TD></TR></TABLE>>')


def _bars_frame(node, X, top, W, s, p, d, groups, name, number, shrinking, current=None, text=""):
    """One picture of two layers of bars. shrinking: top[:, t] reads k bars below it;
    expanding: bottom bar i writes into k bars above it. ``current`` highlights one bar's
    edges (an output bar's incoming ones, or an input bar's outgoing ones)."""
    k = W.shape[2]
    T, To = X.shape[1], top.shape[1]
    edges = []          # (bottom bar, top bar, tap)
    if shrinking:
        for t in range(To):
            for u in range(k):
                b = t * s + u * d - p
                if 0 <= b < T:
                    edges.append((b, t, u))
    else:
        for i in range(T):
            for u in range(k):
                edges.append((i, i * s + u * d, u))
    one = W.shape[0] == 1 and W.shape[1] == 1
    legend = "   ".join(f"tap {u}" + (f": {name} = {number(W[0, 0, u])}" if one else "")
                       for u in range(k))
    if shrinking:
        title = (f"conv1d as bars: every output bar takes the same {k} weights from the bars below "
                 f"(stride {s}" + (f", dilation {d}" if d != 1 else "") + ")")
        text = text or ("The same pattern of incoming weights at every output time: a shared-"
                        "parameter layer that shrinks the sequence.")
    else:
        title = (f"conv_transpose1d as bars: every input bar sends the same {k} weights up "
                 f"(stride {s}: the output grows)")
        text = text or ("The same pattern of outgoing weights from every input time: an expanding "
                        "layer; where two bars' weights land on one output they add.")
        if p:
            text += f"\nThe outer {p} output bar{'s' * (p != 1)} on each side are cropped by the padding."

    heading = title if current is None else (
        f"output time {current}: its {k} incoming weights, the same as every other output's"
        if shrinking else f"input time {current}: its {k} outgoing weights, added into the output bars")
    touched = {t for b, t, _ in edges if current is not None and b <= current}

    def draw(number_, with_text):
        dot = Drawing("bars", graph_attr={"rankdir": "BT", "nodesep": "0.25", "ranksep": "1.3",
                                           "fontname": "Helvetica", "bgcolor": "white", "margin": "0.2",
                                           "labelloc": "t", "labeljust": "l",
                                           "label": _label(heading, legend, text if with_text else "")},
                      node_attr={"shape": "plaintext", "fontname": "Helvetica", "margin": "0"},
                      edge_attr={"arrowsize": "0.6"})
        with dot.subgraph() as low:
            low.attr(rank="same")
            for b in range(T):
                hot = not shrinking and current == b
                low.node(f"x{b}", _bar(X[:, b], number_, "#222222", f"x t={b}", hot))
        with dot.subgraph() as high:
            high.attr(rank="same")
            for t in range(To):
                label = f"out t={t - (0 if shrinking else p)}"
                cropped = not shrinking and not p <= t < To - p
                values = [None if (not shrinking and t not in touched) else v for v in top[:, t]]
                hot = shrinking and current == t
                high.node(f"o{t}", _bar(values, number_, "#bbbbbb" if cropped else "#222222",
                                        label + (" (cropped)" if cropped else ""), hot))
        for row, n in (("x", T), ("o", To)):       # keep each layer in time order
            for a in range(n - 1):
                dot.edge(f"{row}{a}", f"{row}{a + 1}", style="invis")
        for b, t, u in edges:
            lit = current is None or (t == current if shrinking else b == current)
            dot.edge(f"x{b}", f"o{t}", color=TAP_COLORS[u % len(TAP_COLORS)] if lit else QUIET,
                     penwidth="2.5" if lit else "1")
        return dot

    return Frame(heading, [], text, kind="forward", draw=draw)


def _label(title, legend, text):
    keys = "".join(f'<TD><FONT COLOR="{TAP_COLORS[u % len(TAP_COLORS)]}" POINT-SIZE="14"><B>'
                   f'&#9644; {esc(part)}</B></FONT></TD>' for u, part in enumerate(legend.split("   ")))
    lines = "".join(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="13">{esc(line)}</FONT></TD></TR>'
                    for line in text.splitlines())
    return (f'<<TABLE BORDER="0" CELLSPACING="4"><TR><TD ALIGN="LEFT"><FONT POINT-SIZE="16">'
            f"<B>{esc(title)}</B></FONT></TD></TR>"
            f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="10"><TR>{keys}</TR></TABLE></TD></TR>'
            f"{lines}</TABLE>>")
