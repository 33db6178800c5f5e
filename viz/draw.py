"""viz.draw: a graph of Values or Tensors as a lecture-style Graphviz drawing.

Value graphs are circuits: a node per gate (its op symbol, coloured by gate pattern), leaves
by name, and on every wire the forward value (green, above) and the gradient (red, below).
Tensor graphs are boxes: op, hyper-parameters, shape, and small arrays drawn as grids of
cells, the value (green) left of the gradient (red). In both, a node used several times
flows through a copy point (a dot: the adder), as in the lecture.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field

import numpy as np

from autograd import Pattern, backprop_steps
from autograd.core import COPY
from autograd.teaching.display import DIGITS

from . import style as S
from .arrays import array_html
from .collapse import COLLAPSE_ABOVE, draw_modules, parameter_names
from .fonts import FONT
from .render import Drawing
from .roles import constant_roles
from .scene import Scene

WIRE_PT = 13   # values and gradients on a circuit's wires: the numbers the lesson is about
CAPTION_PT = 11
WRAP = 100     # characters per caption line: a tensor step's arrays must not widen a slide
GUTTER_PT = 14  # between a tensor box's value and grad columns
MARKED = {"penwidth": "3", "color": S.MARK, "peripheries": "2"}   # State.marked: a double outline


@dataclass
class State:
    """What one drawing shows. ``grads``: wire index (Value graphs) or id(node) (Tensor
    graphs) -> gradient. The other fields are used by step frames."""

    grads: dict = field(default_factory=dict)
    grey: set = field(default_factory=set)          # Graphviz node names drawn greyed out
    grey_wires: set = field(default_factory=set)    # wire indices drawn greyed out
    current: set = field(default_factory=set)       # Graphviz node names highlighted
    hot_wires: set = field(default_factory=set)     # wire indices highlighted
    notes: dict = field(default_factory=dict)       # wire index -> text replacing the gradient
    caption: list = field(default_factory=list)     # lines under the drawing
    marked: set = field(default_factory=set)        # Graphviz node names drawn with a double
                                                    # outline (viz.mistake: the first difference)
    cells: dict = field(default_factory=dict)       # id(node) -> boolean mask of the gradient's
                                                    # entries drawn bold on yellow


def draw(root, *, rankdir="LR", values=True, grads=None, fmt=None, digits=DIGITS, forward=None,
         legend=True, title=None, names=None, collapse="auto", defaults=False):
    """Draw the graph ending at ``root`` (a Value or a Tensor) -> graphviz.Digraph.

    rankdir: "LR" (left to right, default) or "TB" (top to bottom).
    values: show forward values. grads: True / False / None (auto: shown once backward has
        run, i.e. when some node has a non-zero Value.grad or a Tensor.grad that is set;
        before that they are left out rather than drawn as 0).
    digits: significant digits of every number (autograd.display's policy: 3.35e-4, never 0).
    fmt: instead of digits, a number format spec (".2f", ".3g", ...) or a callable float -> str.
    forward: draw a gradient graph (made with create_graph=True): nodes of the graph of
        ``forward`` are drawn as forward nodes, the others as backward nodes (dashed, lilac).
    names: a model (its named_parameters()) or {name: tensor}: parameters drawn as conv1.weight.
    defaults: also list hyper-parameters at their default value (stride=1, padding=0, ...).
    collapse: "modules" draws one box per module (viz.collapse); False the full graph; "auto"
        (default) collapses tensor networks of more than 30 nodes with parameters, so they fit a slide.
    """
    if collapse not in ("auto", "modules", False):
        raise ValueError(f"draw: collapse must be 'auto', 'modules' or False, got {collapse!r}")
    scene = Scene(root)
    if not scene.scalar and forward is None and (collapse == "modules" or (
            collapse == "auto" and len(scene.nodes) > COLLAPSE_ABOVE
            and sum(n.is_leaf and n.requires_grad for n in scene.nodes) >= 2)):
        return draw_modules(root, names, rankdir=rankdir, digits=digits, title=title)
    if grads is None:
        grads = _backward_ran(scene)
    state = State(grads=_recorded_grads(scene) if grads else {})
    return build(scene, state, rankdir=rankdir, values=values, fmt=S.NumberFormat(fmt, digits),
                 forward=forward, legend=legend, title=title, names=names, defaults=defaults)


def _backward_ran(scene):
    if scene.scalar:
        return any(n.grad != 0.0 for n in scene.nodes)
    return any(n.grad is not None for n in scene.nodes)


def _recorded_grads(scene):
    """The gradients autograd stored in .grad; per-branch parts of a copy come from the steps."""
    if not scene.scalar:
        return {id(n): n.grad.data for n in scene.nodes if n.grad is not None}
    grads = {}
    for k, w in enumerate(scene.wires):
        if w.kind != "branch":
            grads[k] = w.node.grad
    if scene.copies:
        parts = _branch_parts(scene)
        if parts is not None:
            grads.update(parts)
    return grads


def _branch_parts(scene):
    """Each consumer's part of a fanned-out node's gradient, if .grad equals their sum."""
    try:
        steps = backprop_steps(scene.root)
    except (ArithmeticError, ValueError):
        return None
    part = {}
    for s in steps:
        if s.gate is not COPY:
            for i, d in enumerate(s.downstream):
                part[(id(s.output), i)] = d
    out, sums = {}, {}
    for k, w in enumerate(scene.wires):
        if w.kind == "branch" and (id(w.consumer), w.index) in part:
            out[k] = part[(id(w.consumer), w.index)]
            sums[id(w.node)] = sums.get(id(w.node), 0.0) + out[k]
    for n in scene.nodes:
        if id(n) in scene.copies and not math.isclose(sums.get(id(n), 0.0), n.grad,
                                                      rel_tol=1e-9, abs_tol=1e-12):
            return None  # .grad holds something else (backward ran twice, or from elsewhere)
    return out


# ---------------------------------------------------------------- building the DOT

def build(scene, state, *, rankdir="LR", values=True, fmt=None, forward=None, legend=True,
          title=None, names=None, defaults=False):
    if rankdir not in ("LR", "TB"):
        raise ValueError(f"draw: rankdir must be 'LR' or 'TB', got {rankdir!r}")
    fmt = fmt if isinstance(fmt, S.NumberFormat) else S.NumberFormat(fmt)
    backward = _backward_nodes(scene, forward)
    dot = Drawing("chainrule", graph_attr={"rankdir": rankdir, "fontname": FONT,
                                           "nodesep": "0.35", "ranksep": "0.3"},
                  node_attr={"fontname": FONT}, edge_attr={"fontname": FONT})
    roles = constant_roles(scene.root, forward)
    if scene.scalar:
        _circuit(dot, scene, state, values, fmt, backward, roles)
    else:
        _boxes(dot, scene, state, values, fmt, backward, parameter_names(names), defaults, roles)
    lines = [S.spans((text, None, CAPTION_PT)) for text in _wrapped([title] if title else [])]
    lines += [S.spans((text, None, CAPTION_PT)) for text in _wrapped(state.caption)]
    if legend:  # in the graph label, under the drawing: it never disturbs the layout
        table, width = _legend(scene, backward, state.grads or state.notes, values)
        lines.append((table, width))
    if lines:
        dot.attr(label=f"<{S.lines_table(lines)}>", labelloc="b", labeljust="l")
    return dot


def _wrapped(lines, width=WRAP):
    """Caption lines of at most ``width`` characters, broken at spaces; continuations indented."""
    out = []
    for line in lines:
        out += textwrap.wrap(line, width, subsequent_indent="    ", break_long_words=False,
                             break_on_hyphens=False) or [line]
    return out


def _backward_nodes(scene, forward):
    if forward is None:
        return set()
    inside = {id(n) for n in Scene(forward).nodes}
    return {id(n) for n in scene.nodes if id(n) not in inside}


def _gate_attrs(node, name, state, backward):
    outline, fill = S.pattern_style(node.pattern)
    attrs = {"style": "filled", "color": outline, "fillcolor": fill, "penwidth": "1.5"}
    if id(node) in backward:
        attrs.update(style="filled,dashed", fillcolor=S.BACKWARD_FILL)
    if name in state.grey:
        attrs.update(color=S.GREY, fillcolor="#f4f4f4", fontcolor=S.GREY)
    if name in state.current:
        attrs.update(penwidth="3.5", color=S.HIGHLIGHT)
    if name in state.marked:
        attrs.update(MARKED)
    return attrs


def _circuit(dot, scene, state, values, fmt, backward, roles=None):
    for n in scene.nodes:
        name = scene.name(n)
        grey = {"fontcolor": S.GREY} if name in state.grey else {}
        if n.is_leaf:
            text = n.label or (roles or {}).get(id(n)) or fmt(n.data)
            attrs = {"shape": "plaintext", **grey}
            if id(n) in backward:
                attrs["fontcolor"] = S.BACKWARD_EDGE
            if name in state.marked:   # a name needs a frame to carry the double outline
                attrs.update(MARKED, shape="box", style="rounded", margin="0.1,0.04")
            dot.node(name, f"<{S.font(text, bold=True)}>", **attrs)
            continue
        sym = S.symbol(n)
        dot.node(name, f"<{S.font(sym, size=16 if len(sym) <= 2 else 12, bold=True)}>",
                 shape="circle" if len(sym) <= 2 else "ellipse", margin="0.04",
                 **_gate_attrs(n, name, state, backward))
    _copy_points(dot, scene, state)
    root_text = scene.root.label or "out"
    dot.node("out", f"<{S.font(root_text, bold=True)}>", shape="plaintext")
    for k, w in enumerate(scene.wires):
        rows = []
        if w.node.label and not w.node.is_leaf and w.kind != "branch" and w.kind != "out":
            rows.append(S.font(w.node.label, "#555555", WIRE_PT - 3, italic=True))
        grey = k in state.grey_wires
        if values:
            rows.append(S.font(fmt(w.node.data), S.GREY if grey else S.VALUE_COLOR, WIRE_PT))
        if k in state.notes:
            rows.append(S.font(state.notes[k], S.GRAD_COLOR, WIRE_PT, bold=True))
        elif k in state.grads:
            rows.append(S.font(fmt(state.grads[k]), S.GRAD_COLOR, WIRE_PT))
        attrs = {"arrowsize": "0.6"}
        if grey:
            attrs["color"] = S.GREY
        if k in state.hot_wires:
            attrs["penwidth"] = "2.5"
        if w.kind in ("trunk", "branch"):
            attrs["arrowhead"] = "none" if w.kind == "trunk" else "normal"
        if id(w.consumer) in backward or (w.kind == "trunk" and id(w.node) in backward):
            attrs.update(style="dashed", color=S.GREY if grey else S.BACKWARD_EDGE)
        label = _stack(rows) if rows else None
        dot.edge(w.src, w.dst, label=label, **attrs)


def _copy_points(dot, scene, state):
    """A dot for every node used several times: the copy gate, whose backward is the adder."""
    outline, _ = S.pattern_style(Pattern.ADDER)
    for n in scene.nodes:
        copy = scene.copies.get(id(n))
        if copy is None:
            continue
        color = S.GREY if copy in state.grey else outline
        if copy in state.marked:
            dot.node(copy, "", shape="point", width="0.24", fillcolor=color, style="filled", **MARKED)
        elif copy in state.current:  # the current gate: a dot must grow to be seen as one
            dot.node(copy, "", shape="point", width="0.24", color=S.HIGHLIGHT, fillcolor=color,
                     style="filled", penwidth="3.5")
        else:
            dot.node(copy, "", shape="point", width="0.14", color=color, penwidth="1")


def _stack(rows):
    body = "".join(f"<TR><TD>{r}</TD></TR>" for r in rows)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">{body}</TABLE>>'


DEFAULTS = {"stride": 1, "dilation": 1, "groups": 1, "padding": 0, "output_padding": 0}


def _shown_params(params, defaults):
    """Hyper-parameters to list: those at their default value say nothing, unless asked for."""
    if defaults:
        return params
    def is_default(k, v):
        d = DEFAULTS.get(k)
        return d is not None and all(x == d for x in (v if isinstance(v, tuple) else (v,)))
    return {k: v for k, v in params.items() if not is_default(k, v)}


def _boxes(dot, scene, state, values, fmt, backward, pnames=None, defaults=False, roles=None):
    for n in scene.nodes:
        name = scene.name(n)
        grey = name in state.grey
        if n.is_leaf:
            head = S.font((pnames or {}).get(id(n)) or n.label or (roles or {}).get(id(n))
                          or ("leaf" if n.requires_grad else "constant"), bold=True)
            attrs = {"style": "rounded", "color": "#555555"}
            if id(n) in backward:
                attrs.update(style="rounded,dashed", color=S.BACKWARD_EDGE)
            if grey:
                attrs.update(color=S.GREY, fontcolor=S.GREY)
        else:
            head = S.font(S.symbol(n), bold=True)
            if n.label:
                head = S.font(n.label + ": ", italic=True) + head
            attrs = _gate_attrs(n, name, state, backward)
            attrs["style"] += ",rounded"
        rows = [head]
        params = S.params_list(_shown_params(n.params, defaults)) if not n.is_leaf else []
        if params:  # one per line, so wide hyper-parameters do not stretch the box
            rows.append("<BR/>".join(S.font(p, size=10) for p in params))
        rows.append(S.font(str(tuple(n.data.shape)) + ("" if n.data.dtype == np.float64
                                                       else f" {n.data.dtype}"), "#555555", 10))
        blocks = []
        if values:
            blocks.append(array_html(n.data, S.GREY if grey else S.VALUE_COLOR, fmt, "value"))
        g = state.grads.get(id(n))
        if g is not None and not (n.is_leaf and not n.requires_grad):  # constants draw no gradient
            blocks.append(array_html(g, S.GRAD_COLOR, fmt, "grad", state.cells.get(id(n))))
        # a gutter between the value and grad columns: their numbers never read as one row
        cells = f'<TD WIDTH="{GUTTER_PT}"></TD>'.join(f'<TD ALIGN="LEFT" VALIGN="TOP">{b}</TD>'
                                                       for b in blocks)
        body = "".join(f'<TR><TD COLSPAN="{max(2 * len(blocks) - 1, 1)}">{r}</TD></TR>' for r in rows)
        if cells:
            body += f"<TR>{cells}</TR>"
        label = f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">{body}</TABLE>>'
        if name in state.current:
            attrs.update(penwidth="3.5", color=S.HIGHLIGHT)
        if name in state.marked:
            attrs.update(MARKED)
        dot.node(name, label, shape="box", margin="0.05", **attrs)
    _copy_points(dot, scene, state)
    for k, w in enumerate(scene.wires):
        attrs = {"arrowsize": "0.6"}
        if k in state.grey_wires:
            attrs["color"] = S.GREY
        if k in state.hot_wires:
            attrs["penwidth"] = "2.5"
        if w.kind == "trunk":
            attrs["arrowhead"] = "none"
        if id(w.consumer) in backward or (w.kind == "trunk" and id(w.node) in backward):
            attrs.update(style="dashed", color=S.BACKWARD_EDGE)
        if w.kind != "trunk" and len(w.consumer.parents) > 1:
            attrs["label"] = f"<{S.font(str(w.index), '#777777', 10)}>"
        dot.edge(w.src, w.dst, **attrs)


# patterns outside the four, explained where they appear
# (named, so the "sub (signed distributor)" of a step line can be looked up here)
OTHER_PATTERNS = {Pattern.SIGNED_DISTRIBUTOR:
                  "signed distributor (sub): upstream to the first input, -upstream to the second"}


def _legend(scene, backward, have_grads, values):
    """The patterns this drawing shows (exactly those), its marks, and where its numbers are
    -> (a bordered table, its width in points)."""
    present = {n.pattern for n in scene.nodes if not n.is_leaf}
    if scene.copies:
        present.add(Pattern.ADDER)
    rows = [(outline, str(p), text)
            for p, (outline, _, text) in S.PATTERNS.items() if p in present]
    others = sorted((p for p in present if p not in S.PATTERNS), key=str)
    if others:
        ops = {p: sorted({n.op for n in scene.nodes if not n.is_leaf and n.pattern == p}) for p in others}
        text = "; ".join(OTHER_PATTERNS.get(p, f"{p}: {', '.join(ops[p])}")
                         for p in others)
        rows.append((S.OTHER[0], "other", text))
    if backward:
        rows.append((S.BACKWARD_EDGE, "backward", "nodes derived by create_graph=True (dashed)"))
    lines = [S.spans((S.SWATCH + " ", outline, 10), (name, None, 10, True), ("   " + text, "#444444", 9))
             for outline, name, text in rows]
    if not scene.scalar and any(len(n.parents) > 1 for n in scene.nodes):
        lines.append(S.spans(("0, 1 on an edge: which input of the gate it feeds (first, second)",
                              "#444444", 9)))
    if scene.copies:
        lines.append(S.spans(("dot: a copy point, where a value used several times sums its gradients",
                              "#444444", 9)))
    lines.append(_key(scene.scalar, have_grads, values))
    table = S.lines_table(lines, 'BORDER="1" COLOR="#dddddd" CELLBORDER="0" CELLSPACING="1" CELLPADDING="2"')
    return table, max(w for _, w in lines) * (1 + S.SLACK) + 12


def _key(scalar, have_grads, values):
    """Where the numbers are: on a wire (value above, gradient below) or in a box (value left,
    gradient right; only the shape when values are not drawn) -> (HTML-like fragment, width
    in points)."""
    value = ("value", S.VALUE_COLOR, 10, True)
    grad = ("gradient", S.GRAD_COLOR, 10, True)
    if not values and not scalar:
        if have_grads:
            return S.spans(("shape", None, 10, True), (" and ", None, 10), grad,
                           (" in each box (values not drawn)", None, 10))
        return S.spans(("shape", None, 10, True), (" in each box (values not drawn)", None, 10))
    if not have_grads:
        where = " on each wire" if scalar else " in each box"
        return S.spans(value, (where + " (gradients appear once backward has run)", None, 10))
    if scalar:
        return S.spans(value, (" above,  ", None, 10), grad, (" below the wire", None, 10))
    return S.spans(value, (" left,  ", None, 10), grad, (" right, in each box", None, 10))
