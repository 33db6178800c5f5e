"""Gradient-flow diagrams: one node per layer with its output shape and the norm of the
gradient that reached it in the last backward pass; panels for comparisons
(e.g. vanishing gradients in a deep sigmoid MLP against a ReLU one), stacked.

Rows are (layer name, output shape, grad norm) and optionally a fourth item, the norm of
the layer's parameter gradients. Node fill encodes log10 of the gradient norm: pale means
little gradient got there. Given ``patterns`` (layer name -> gate pattern), the outline takes
the pattern's colour, as in every other drawing.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np

from autograd import Pattern
from autograd.teaching.display import format_number

from .fonts import FONT, text_width
from .render import Drawing, RenderError, render
from .style import PATTERNS, SWATCH, lines_table, spans, stack_rows

GRAD_RED = (192, 38, 45)
TITLE_PT = 14


def layer_flow(trace):
    """[(name, output Tensor)] recorded during forward (e.g. Sequential.forward_trace), read
    after backward -> rows (name, shape, ||d loss / d output||). Tensors without .grad give nan."""
    rows = []
    for name, t in trace:
        g = getattr(t, "grad", None)
        norm = float(np.linalg.norm(np.asarray(g.data, dtype=np.float64))) if g is not None else math.nan
        rows.append((name, tuple(t.shape), norm))
    return rows


def _fmt(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "none"
    return format_number(x)


def _fill(norm, lo, hi):
    """White (no gradient) to red (the largest norm), on a log scale between lo and hi."""
    if norm is None or not norm > 0 or not math.isfinite(norm):
        return "#ffffff"
    t = 1.0 if hi <= lo else (math.log10(norm) - lo) / (hi - lo)
    t = 0.12 + 0.88 * min(max(t, 0.0), 1.0)
    r, g, b = (round(255 + (c - 255) * t) for c in GRAD_RED)
    return f"#{r:02x}{g:02x}{b:02x}"


def _log_range(rows):
    norms = [r[2] for r in rows if r[2] is not None and r[2] > 0 and math.isfinite(r[2])]
    if not norms:
        return 0.0, 0.0
    return math.log10(min(norms)), math.log10(max(norms))


def _label(row):
    name, shape, norm = row[0], row[1], row[2]
    lines = [str(name), "(" + ", ".join(str(d) for d in shape) + ")", f"out grad {_fmt(norm)}"]
    if len(row) > 3 and row[3] is not None:
        lines.append(f"param grad {_fmt(row[3])}")
    return "\n".join(lines)


def _outline(pattern):
    return PATTERNS[pattern][0] if pattern in PATTERNS else "#555555"


def _chain(g, rows, prefix, lo, hi, patterns=None, wrap=None):
    """One node per row, arrows in order; wrap=K (top-to-bottom graphs) puts K per line."""
    previous = None
    for i, row in enumerate(rows):
        node = f"{prefix}{i}"
        fill = _fill(row[2], lo, hi)
        light = fill == "#ffffff" or int(fill[3:5], 16) > 120
        style = {}
        if patterns and patterns.get(row[0]):
            style = {"color": _outline(patterns[row[0]]), "penwidth": "2.5"}
        g.node(node, _label(row), fillcolor=fill, fontcolor="black" if light else "white", **style)
        if previous is not None:
            g.edge(previous, node, **({"constraint": "false"} if wrap else {}))
        previous = node
    if not wrap:
        return
    stack_rows(g, [[f"{prefix}{i}" for i in range(s, min(s + wrap, len(rows)))]
                   for s in range(0, len(rows), wrap)])


BAR_CELL, BAR_PT, BAR_TITLE = 48, 10, "gradient norm (log scale)"
LEGEND_PT = 11


def colour_bar(lo, hi, cells=5):
    """An HTML-like label row: the fill scale from 10^lo (pale) to 10^hi (red), labelled."""
    if hi <= lo:
        return ""
    row = ""
    for k in range(cells):
        e = lo + (hi - lo) * k / (cells - 1)
        row += (f'<TD BGCOLOR="{_fill(10 ** e, lo, hi)}" WIDTH="{BAR_CELL}">'
                f'<FONT POINT-SIZE="{BAR_PT}" COLOR="{"black" if k < cells - 2 else "white"}">'
                f"{_fmt(10 ** e)}</FONT></TD>")
    return (f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2"><TR>'
            f'<TD BORDER="0"><FONT POINT-SIZE="{BAR_PT}">{BAR_TITLE}</FONT></TD>{row}</TR></TABLE>')


def _new(title, rankdir, patterns=None, scale=None):
    g = Drawing("flow")
    g.attr(rankdir=rankdir, fontname=FONT, labelloc="t")
    used = [p for p in dict.fromkeys((patterns or {}).values()) if p]
    bar = colour_bar(*scale) if scale else ""
    lines = [spans((t, None, TITLE_PT)) for t in title.split("\n")] if title else []
    if bar:
        lines.append((bar, text_width(BAR_TITLE, BAR_PT) + 5 * (BAR_CELL + 1) + 8))
    if used:  # a legend of the outline colours: a line of its own, one name after the other
        lines.append(spans(("fill: gradient norm, log scale (pale = little)", None, LEGEND_PT)))
        names = [part for p in used for part in ((SWATCH + " ", _outline(p), LEGEND_PT),
                                                 (str(p), _outline(p), LEGEND_PT),
                                                 ("    ", None, LEGEND_PT))]
        lines.append(spans(("outline: gate pattern:    ", None, LEGEND_PT), *names))
    if lines:
        g.attr(label=f"<{lines_table(lines)}>")
    g.attr("node", shape="box", style="rounded,filled", fontname=FONT, fontsize="11")
    g.attr("edge", color="#888888", arrowsize="0.7", fontname=FONT)
    return g


def _check(rows, where):
    rows = list(rows)
    for r in rows:
        if len(r) not in (3, 4):
            raise ValueError(f"{where}: rows must be (name, shape, grad_norm[, param_grad_norm]), got {r!r}")
    return rows


def draw_flow(rows, title=None, rankdir="LR", patterns=None, per_row=6):
    """A graphviz.Digraph with one node per layer, forward arrows between them (left to right,
    like the network diagrams of the lectures), with a colour bar for the fill's log scale.

    rows: [(name, output shape, grad norm[, param grad norm])], input side first.
    patterns: optional {layer name: gate pattern} ("swap multiplier", "router", ...).
    per_row: left to right, at most this many layers a line, the lines stacked and read like
        text, so a deep network (LeNet-5 has 12 layers) keeps a slide's shape instead of one
        strip ten times as wide as it is tall; None: one line.
    """
    if per_row is not None and (isinstance(per_row, bool) or not isinstance(per_row, int) or per_row < 1):
        raise ValueError(f"draw_flow: per_row must be a positive integer or None, got {per_row!r}")
    rows = _check(rows, "draw_flow")
    scale = _log_range(rows)
    wrap = per_row if rankdir == "LR" and per_row is not None and len(rows) > per_row else None
    g = _new(title or "gradient flow: |d loss / d layer output| at the last step",
             "TB" if wrap else rankdir, patterns, scale)
    _chain(g, rows, "n", *scale, patterns=patterns, wrap=wrap)
    return g


def draw_flow_comparison(panels, title=None, patterns=None, skips=None, per_row=5):
    """Several networks, one panel each, coloured on one shared log scale.

    panels: {panel title: rows} (insertion order is top to bottom). Each panel reads like
    text, ``per_row`` layers to a row, so a deep network keeps a slide's 16:9 shape instead
    of one column taller than the screen.
    patterns: optional {panel title: {layer name: gate pattern}}, outlines as in draw_flow.
    skips: optional {panel title: [(i, j, label)]}: a dashed shortcut from row i to row j,
        e.g. a residual block's identity path around its convolutions.
    """
    if isinstance(per_row, bool) or not isinstance(per_row, int) or per_row < 1:
        raise ValueError(f"draw_flow_comparison: per_row must be a positive integer, got {per_row!r}")
    panels = {k: _check(v, "draw_flow_comparison") for k, v in dict(panels).items()}
    lo, hi = _log_range([r for rows in panels.values() for r in rows])
    patterns = patterns or {}
    shown = {f"{k}/{n}": p for k, d in patterns.items() for n, p in d.items()}
    g = _new(title or "gradient norms per layer (shared colour scale)", "TB", shown, scale=(lo, hi))
    ends = []   # (first node, first node of the last line) of each panel
    for k, (name, rows) in enumerate(panels.items()):
        with g.subgraph(name=f"cluster_{k}") as c:
            c.attr(label=str(name), style="rounded", color="#bbbbbb")
            _chain(c, rows, f"p{k}_", lo, hi, patterns=patterns.get(name), wrap=per_row)
            for i, j, label in (skips or {}).get(name, ()):
                if not (0 <= i < len(rows) and 0 <= j < len(rows)):
                    raise ValueError(f"draw_flow_comparison: skip ({i}, {j}) outside the "
                                     f"{len(rows)} rows of panel {name!r}")
                c.edge(f"p{k}_{i}", f"p{k}_{j}", label=str(label), style="dashed",
                       color=_outline(Pattern.DISTRIBUTOR), fontcolor=_outline(Pattern.DISTRIBUTOR),
                       fontsize="9", constraint="false")
        if rows:
            ends.append((f"p{k}_0", f"p{k}_{(len(rows) - 1) // per_row * per_row}"))
    for (_, above), (below, _) in itertools.pairwise(ends):
        g.edge(above, below, style="invis")   # panels stacked, in the order given
    return g


def save_flow(digraph, path, format="svg"):
    """Render with viz.render; without a renderer only the .gv is written, and the message says so.

    Returns a one-line message naming the file(s) written.
    """
    path = Path(path).with_suffix("")
    try:
        return f"wrote {render(digraph, path, format)} (DOT: {path}.gv)"
    except RenderError as e:
        return f"wrote {path}.gv only: {e}"
