"""Network drawings at slide scale: one box per module, parameters named as the model names them.

A whole LeNet-5 is 37 graph nodes; drawn node by node it is thousands of points wide. Here the
parameters of a module and the gates that apply them (conv2d and its bias add, matmul and its
bias add, the weight's transpose) become one box named after the module (`conv1`), and runs
of parameter-free gates between modules (relu > max_pool2d) become one small box each.
Only the public node surface is used: op, parents, is_leaf, data, grad, label.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Pattern
from autograd.teaching.display import format_number

from . import style as S
from .fonts import FONT
from .render import Drawing

COLLAPSE_ABOVE = 30  # nodes: a larger network graph is drawn one box per module by default


def parameter_names(names):
    """{id(parameter): 'conv1.weight'} from a model (named_parameters()) or a {name: tensor} dict."""
    if names is None:
        return {}
    if hasattr(names, "named_parameters"):
        pairs = names.named_parameters()
    elif isinstance(names, dict):
        pairs = names.items()
    else:
        raise TypeError(f"draw: names must be a model with named_parameters() or a dict "
                        f"{{name: tensor}}, got {type(names).__name__}")
    return {id(t): str(n) for n, t in pairs}


def _trainable(n):
    return n.is_leaf and bool(getattr(n, "requires_grad", False))


def groups(root, pnames):
    """[(key, kind, members)] in graph order; kind is 'module', 'ops' or 'leaf'."""
    order = autograd.topological_order(root)
    consumers = {id(n): 0 for n in order}
    for n in order:
        for p in n.parents:
            consumers[id(p)] += 1
    module_of, weight_side = {}, set()
    for n in order:
        if _trainable(n):
            name = pnames.get(id(n)) or n.label or f"param{len(module_of)}"
            module_of[id(n)] = name.rsplit(".", 1)[0]
            weight_side.add(id(n))
        elif not n.is_leaf and n.parents and all(id(p) in weight_side for p in n.parents):
            weight_side.add(id(n))                    # e.g. W.T, a reshaped bias
            module_of[id(n)] = module_of[id(n.parents[0])]
    group_of, out, index = {}, [], {}

    def add(n, key, kind):
        if key not in index:
            index[key] = len(out)
            out.append((key, kind, []))
        out[index[key]][2].append(n)
        group_of[id(n)] = key

    for n in order:
        if id(n) in module_of:
            add(n, ("module", module_of[id(n)]), "module")
        elif n.is_leaf:
            add(n, ("leaf", id(n)), "leaf")
        else:
            applied = [module_of[id(p)] for p in n.parents if id(p) in weight_side]
            if applied:
                module_of[id(n)] = applied[0]
                add(n, ("module", applied[0]), "module")
                continue
            inputs = [p for p in n.parents if not (p.is_leaf and not _trainable(p) and p.data.size == 1)]
            prev = inputs[0] if len(inputs) == 1 else None
            if (prev is not None and not prev.is_leaf and id(prev) not in module_of
                    and consumers[id(prev)] == 1):
                add(n, group_of[id(prev)], "ops")        # a run of parameter-free gates
            else:
                add(n, ("ops", id(n)), "ops")
    at = {id(n): k for k, n in enumerate(order)}
    out.sort(key=lambda g: at[id(g[2][-1])])  # in the order the data flows: by each box's output
    return out, group_of


def _norm(t):
    g = getattr(t, "grad", None)
    if g is None:
        return None
    return float(np.linalg.norm(np.asarray(getattr(g, "data", g), dtype=np.float64)))


def _stats(t):
    """(mean, std) of a node's values (float64)."""
    a = np.asarray(t.data, dtype=np.float64)
    return float(a.mean()), float(a.std())


def _param_numbers(p, num):
    w = float(np.linalg.norm(np.asarray(p.data, dtype=np.float64)))
    g = _norm(p)
    parts = [(f"  |w| {num(w)}", S.VALUE_COLOR, 10)]
    if g is not None:
        parts.append((f"  |dw| {num(g)}", S.GRAD_COLOR, 10))
    return S.spans(*parts)[0]          # the blanks in front kept: the numbers never touch the shape


def draw_modules(root, names=None, *, rankdir="LR", digits=3, title=None, per_row=4, fmt=None,
                 details=False):
    """One box per module (parameters inside, named), one per run of gates between modules.

    rankdir "LR" lays the boxes out in rows of ``per_row``, read like text, so that a whole
    network keeps a slide's 16:9 shape; "TB" draws one column.
    fmt: a function float -> str for every number (default: ``digits`` significant digits).
    details: also the norm of each parameter and of its gradient (|w|, |dw|) and the mean and
    spread of each box's output (its activations), as a training playback shows them.
    """
    pnames = parameter_names(names)
    parts, group_of = groups(root, pnames)
    dot = Drawing("chainrule", graph_attr={"rankdir": "TB", "fontname": FONT,
                                           "nodesep": "0.3", "ranksep": "0.3"},
                  node_attr={"fontname": FONT, "shape": "box", "style": "rounded,filled",
                             "margin": "0.14,0.05"},   # room to spare: see style.SLACK
                  edge_attr={"arrowsize": "0.6"})
    ids = {key: f"m{k}" for k, (key, _, _) in enumerate(parts)}
    num = fmt or (lambda v: format_number(v, digits))
    for key, kind, members in parts:
        last = members[-1]
        shape = str(tuple(last.data.shape))
        if kind == "module":
            params = [m for m in members if _trainable(m)]
            rows = [S.font(key[1], bold=True, size=14)]
            rows += [S.font(f"{(pnames.get(id(p)) or p.label or 'param').rsplit('.', 1)[-1]} "
                            f"{tuple(p.data.shape)}", "#444444", 10)
                     + (_param_numbers(p, num) if details else "") for p in params]
            gates = [m for m in members if not m.is_leaf and id(m) not in {id(p) for p in params}]
            main = next((g for g in gates if g.pattern not in (Pattern.DISTRIBUTOR, Pattern.RESHAPE)),
                        gates[-1] if gates else last)
            outline, fill = S.pattern_style(main.pattern if not main.is_leaf else "")
            rows.append(S.font(f"{main.op if not main.is_leaf else 'parameters'} -> {shape}", size=10))
            node = last if gates else params[-1]
        elif kind == "leaf":
            text = last.label or ("input" if not _trainable(last) and last.data.size > 1 else "constant")
            rows, outline, fill = [S.font(text, bold=True, size=12), S.font(shape, "#444444", 10)], \
                "#555555", "#ffffff"
            node = None                            # inputs and constants draw no gradient
        else:
            ops = " > ".join(m.op for m in members)
            rows = [S.font(ops, size=11), S.font(shape, "#444444", 10)]
            if last.label:
                rows.insert(0, S.font(last.label, bold=True, size=12))
            outline, fill = S.pattern_style(members[0].pattern)
            node = last
        if details and node is not None:
            mean, std = _stats(node)
            rows.append(S.font(f"out mean {num(mean)}  std {num(std)}", S.VALUE_COLOR, 10))
        norm = _norm(node) if node is not None else None
        if norm is not None:
            rows.append(S.font(f"|grad| {num(norm)}", S.GRAD_COLOR, 10))
        label = "<" + "<BR/>".join(rows) + ">"
        dot.node(ids[key], label, color=outline, fillcolor=fill)
    rows = ([[ids[key] for key, _, _ in parts[i:i + per_row]] for i in range(0, len(parts), per_row)]
            if rankdir == "LR" else [])
    S.stack_rows(dot, rows)  # boxes in graph order, rows stacked
    seen = set()
    for key, _, members in parts:
        for m in members:
            for p in m.parents:
                src = group_of[id(p)]
                if src != key and (src, key) not in seen:
                    seen.add((src, key))
                    dot.edge(ids[src], ids[key], **({"constraint": "false"} if rows else {}))
    legend = ["one box per module: its parameters (named as the model names them) and the gates",
              "that apply them; other boxes: gates between modules (a > b: b applied to a's output)",
              "fill: the gate pattern of the main gate; |grad|: norm of the gradient of the box's output",
              "(viz.draw(..., collapse=False) draws every node)"]
    if details:
        legend[-1:-1] = ["|w|, |dw|: norm of a parameter and of its gradient; out mean, std: the box's "
                         "output (activations)"]
    lines = ([title] if title else []) + legend
    table = S.lines_table([S.spans((t, "#444444", 10)) for t in lines], 'BORDER="0" CELLSPACING="0"')
    dot.attr(label=f"<{table}>", labelloc="b", labeljust="l")
    return dot
