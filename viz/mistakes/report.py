"""The mistakes lab as text: both engines' gradients in backprop order, the first node where
they differ, what it received, and gradcheck's verdict on each engine."""

from __future__ import annotations

import re

import numpy as np

from autograd import Value
from autograd.teaching.display import format_number, format_value

MAX_GRID = 8    # a gradient is printed as a grid up to 8 x 8 (the conv/pool command's limit)


def derivative(output, name):
    """'df/dx', or 'df/d(x*x)' for a name that is not a plain identifier."""
    plain = re.fullmatch(r"[A-Za-z_]\w*", name) or (name.startswith("(") and name.endswith(")"))
    return f"d{output}/d{name}" if plain else f"d{output}/d({name})"


def as_grid(a):
    """``a`` without its leading axes of size 1, if what is left is at most MAX_GRID x MAX_GRID."""
    a = np.asarray(a, dtype=float)
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 1:
        a = a[None]
    return a if a.ndim == 2 and max(a.shape) <= MAX_GRID else None


def grid_lines(a, number):
    cells = [[number(v) for v in row] for row in a]
    width = max(len(c) for row in cells for c in row)
    return ["  ".join(c.rjust(width) for c in row) for row in cells]


def beside(left, right, titles, gap=6):
    """Two blocks of lines side by side under their titles."""
    width = max(len(line) for line in [*left, titles[0]])
    rows = [f"{titles[0].ljust(width)}{' ' * gap}{titles[1]}"]
    for k in range(max(len(left), len(right))):
        a = left[k] if k < len(left) else ""
        b = right[k] if k < len(right) else ""
        rows.append(f"{a.ljust(width)}{' ' * gap}{b}".rstrip())
    return rows


def where(a, b, name, number):
    """'8 of 9 entries differ; the first, X[0, 0]: right 1, wrong 4' (a and b: one shape)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    lead = 0
    while a.ndim - lead > 2 and a.shape[lead] == 1:
        lead += 1
    differ = ~np.isclose(a, b, rtol=1e-9, atol=1e-12 * max(1.0, float(np.abs(a).max(initial=0.0))))
    at = tuple(int(i) for i in np.argwhere(differ)[0])
    index = ", ".join(str(i) for i in at[lead:])
    return (f"{int(differ.sum())} of {a.size} entries differ; the first, {name}[{index}]: "
            f"right {number(a[at])}, wrong {number(b[at])}")


def report(lab, digits=3):
    number = lambda v: format_number(v, digits)
    m = lab.mistake
    lines = [f"mistake: {m.name}", f"  {m.summary}", f"  the real rule: {m.real}", ""]
    if lab.wrong.error is not None:
        lines += [f"the wrong engine failed: {lab.wrong.error}", ""]
    elif isinstance(lab.root, Value):
        lines += scalar_table(lab, number)
    else:
        lines += tensor_sections(lab, number, digits)
    lines += first_difference(lab, number, digits)
    lines += verdicts(lab)
    return "\n".join(lines).rstrip("\n")


def _shown(lab, node):
    """Rows worth a line: every gate and every input; a constant only where it differs."""
    return not node.is_leaf or any(node is x for x in lab.inputs) or node is lab.first or node is lab.root


def scalar_table(lab, number):
    rows = []
    for n in lab.order:
        if not _shown(lab, n):
            continue
        right, wrong = lab.gradients(n)
        name = lab.output if n is lab.root else lab.names[id(n)]
        mark = "   <- first difference" if n is lab.first else ""
        shown = ["-" if g is None else number(g) for g in (right, wrong)]
        rows.append((derivative(lab.output, name), *shown, mark))
    head = ("gradients, in backprop order", "right", f"wrong ({lab.mistake.name})")
    w0 = max(len(head[0]) - 2, *(len(r[0]) for r in rows))
    w1 = max(len(head[1]), *(len(r[1]) for r in rows))
    w2 = max(len(r[2]) for r in rows)
    lines = [f"{head[0].ljust(w0 + 2)}   {head[1].rjust(w1)}   {head[2]}"]
    lines += [f"  {d.ljust(w0)}   {r.rjust(w1)}   {w.rjust(w2)}{mk}" for d, r, w, mk in rows]
    lines.append("")
    inputs = lab.inputs
    for which, run in (("right", lab.right), ("wrong", lab.wrong)):
        given = ", ".join(f"{derivative(lab.output, lab.names[id(n)])} = {number(run.grads[id(n)])}"
                          for n in inputs)
        if given:
            lines.append(f"{which} engine: {given}")
    return [*lines, ""] if inputs else lines


def tensor_sections(lab, number, digits):
    lines = [f"gradients, in backprop order (right, then wrong: {lab.mistake.name})"]
    before_first = True
    for n in lab.order:
        before_first = before_first and n is not lab.first
        right, wrong = lab.gradients(n)
        name = lab.names[id(n)]
        d = derivative(lab.output, name)
        mark = "   <- first difference" if n is lab.first else ""
        if before_first:
            lines.append(f"  {d}: the same{mark}")
            continue
        grids = [as_grid(g) if g is not None and np.shape(g) else None for g in (right, wrong)]
        if all(g is not None for g in grids) and grids[0].shape == grids[1].shape:
            lines.append(f"  {d}{mark}")
            block = beside(grid_lines(grids[0], number), grid_lines(grids[1], number),
                           ("right", f"wrong ({lab.mistake.name})"))
            lines += ["    " + row for row in block]
        else:
            lines.append(f"  {d}{mark}")
            lines.append(f"    right {format_value(right, digits)}")
            lines.append(f"    wrong {format_value(wrong, digits)}")
    return [*lines, ""]


def first_difference(lab, number, digits):
    m, n = lab.mistake, lab.first
    if lab.wrong.error is not None:
        return []
    if n is None:
        return [f"the engines agree on this graph: {m.name} changes a gradient only with {m.shows}", ""]
    name = lab.output if n is lab.root else lab.names[id(n)]
    right, wrong = lab.gradients(n)
    lines = [f"first difference, in backprop order: {name}"]
    if isinstance(lab.root, Value):
        d = derivative(lab.output, name)
        lines[0] += f" (right {d} = {number(right)}, wrong {d} = {number(wrong)})"
    elif right is not None and wrong is not None and np.shape(right) == np.shape(wrong):
        lines.append("  " + where(right, wrong, name, number))
    else:
        shape = lambda g: "nothing" if g is None else f"shape {np.shape(g)}"
        lines.append(f"  right: {shape(right)}, wrong: {shape(wrong)}")
    parts = lab.parts(n)
    if parts is not None:
        got, total = parts
        lines.append(f"  {name} is used {len(got)} times; the right engine adds the parts it receives: "
                     f"{' + '.join(format_value(p, digits) for p in got)} = {format_value(total, digits)}")
        before, after = lab.wrong.arrivals(n)
        if after:
            lines.append(late_line(name, before, after, len(got), digits))
        wrong_parts = lab.parts(n, lab.wrong)
        if wrong_parts is not None and not _same_text(wrong_parts, parts, digits):
            w_got, w_total = wrong_parts
            which = "the same parts" if len(w_got) == len(got) else f"{len(w_got)} of them"
            shown = " + ".join(format_value(p, digits) for p in w_got)
            kept = format_value(w_total, digits)
            lines.append(f"  the wrong engine received {which} ({shown}) but kept {kept}")
    if m.calls > 1:
        lines.append(f"  backward() ran {m.calls} times and .grad was never zeroed: each pass added its "
                     "gradients to the last")
    return [*lines, ""]


def late_line(name, before, after, total, digits):
    """'the wrong engine visited x when 1 of its 3 parts had arrived (1); 3 + 3 came later...'"""
    shown = lambda parts: " + ".join(format_value(p, digits) for p in parts) or "nothing"
    return (f"  the wrong engine visited {name} when {len(before)} of its {total} parts had arrived "
            f"({shown(before)}); {shown(after)} came later and {'was' if len(after) == 1 else 'were'} "
            "never passed on")


def _same_text(a, b, digits):
    return [format_value(p, digits) for p in a[0]] == [format_value(p, digits) for p in b[0]] and \
        format_value(a[1], digits) == format_value(b[1], digits)


def verdicts(lab):
    if lab.checks is None:
        return []
    right, wrong = lab.checks["right"], lab.checks["wrong"]
    lines = ["gradcheck (central differences in float64, the same graph recomputed):"]
    if not isinstance(lab.root, Value) and lab.root.data.size != 1:
        lines.append("  (the output's entries weighted by fixed random numbers)")
    lines += [f"  right engine: {right.text}", f"  wrong engine: {wrong.text}"]
    if right.passed and wrong.passed is False:
        lines.append("  so gradcheck says the right engine is the right one")
    elif right.passed and wrong.passed:
        lines.append("  both pass: on this graph the mistake does not change a gradient")
    return lines
