"""Step records: what each gate did during backprop, in the order backprop visits gates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core import COPY, Pattern, run_backward
from .display import DIGITS, format_product, format_sum, format_value


@dataclass(frozen=True, eq=False)
class Step:
    """One gate visited by backprop: downstream[i] = upstream x local[i].

    For the implicit copy gate of a node with several consumers, op is "copy", pattern
    "adder", upstream the tuple of incoming parts and downstream (their sum,).
    For tensor ops, local holds a short description of the implicit Jacobian.
    """

    op: str
    pattern: Any
    upstream: Any
    local: tuple
    downstream: tuple
    inputs: tuple
    output: Any
    gate: Any = None        # the Op (COPY for the copy gate)

    def lines(self, digits=DIGITS):
        """The lecture's lines; the printed numbers multiply (or add) out at their precision."""
        head = f"{self.op} ({self.pattern}): "
        if self.gate is COPY:
            if not self.adds_up():      # a wrong engine's (the mistakes lab): no false sum
                parts = " + ".join(format_value(p, digits) for p in self.upstream)
                return [f"{head}[upstream {parts}] -> [downstream {format_value(self.downstream[0], digits)}]"
                        " (not their sum)" + _target(self.output, digits)]
            parts, total = format_sum(self.upstream, self.downstream[0], digits)
            return [f"{head}[upstream {' + '.join(parts)}] = [downstream {total}]"
                    + _target(self.output, digits)]
        out = []
        for loc, down, x in zip(self.local, self.downstream, self.inputs):
            u, lt, d = format_product(self.upstream, loc, down, digits)
            out.append(f"{head}[upstream {u}] x [local {lt}] = [downstream {d}]" + _target(x, digits))
        return out

    def adds_up(self):
        """For a copy gate: whether its downstream is the sum of its parts (to rounding). The
        engine's always is; a wrong engine's may not be (the mistakes lab)."""
        parts = [np.asarray(p, dtype=float) for p in self.upstream]
        total = np.asarray(self.downstream[0], dtype=float)
        scale = max(float(np.max(np.abs(p), initial=0.0)) for p in parts)
        with np.errstate(invalid="ignore", over="ignore"):
            return bool(np.allclose(total, sum(parts[1:], parts[0]), rtol=1e-9, atol=1e-12 * scale,
                                    equal_nan=True))

    def __str__(self):
        return "\n".join(self.lines())


def _target(node, digits=DIGITS):
    """Where a downstream gradient goes: the input's label, a constant's value, or its op."""
    if node.label:
        return f"  -> {node.label}"
    if not node.is_leaf:
        return f"  -> ({node.op})"
    if node.data.__class__ is float:
        return f"  -> {fmt(node.data, digits)}"
    return f"  -> {node.data.shape} input" if node.data.ndim else f"  -> {fmt(node.data, digits)}"


def fmt(v, digits=DIGITS):
    """Numbers as the lecture writes them (autograd.display's policy: significant digits);
    small arrays inline, large ones summarised."""
    return format_value(v, digits)


def _local(node):
    op = node.gate
    if node.data.__class__ is float:        # Values: numbers (the rules at upstream 1)
        return op.local_grads(node.data, *(x.data for x in node.inputs), **node.params)
    if isinstance(op.jacobian, str):        # one text for every input (variadic einsum)
        return (op.jacobian,) * len(node.inputs)
    if op.jacobian is not None:
        return tuple(op.jacobian)
    return ("slice of upstream",) * len(node.inputs)


class _Recorder:
    """The observer that writes a Step per gate (and per copy gate) as the driver goes."""

    def __init__(self):
        self.steps = []
        self.parts = {}         # node -> [what one consumer sent, ...], consumers in visit order

    def arrived(self, node, g, create_graph):
        # consumers were visited in reverse forward order: reversed, the parts follow the uses
        parts = [c for chunk in reversed(self.parts.pop(node, ())) for c in chunk]
        if len(parts) >= 2:
            local = (1.0,) if node.data.__class__ is float else ("I",)
            self.steps.append(Step(COPY.name, Pattern.ADDER, tuple(parts), local, (g,), (node,),
                                   node, COPY))
        return g

    def sent(self, node, g, parts):
        mine = {}
        for x, c in zip(node.inputs, parts):
            if c is not None:
                mine.setdefault(x, []).append(c)
        for x, cs in mine.items():
            self.parts.setdefault(x, []).append(cs)
        self.steps.append(Step(node.op, node.pattern, g, _local(node), tuple(parts),
                               tuple(node.inputs), node, node.gate))


def backprop_steps(output, grad=None):
    """Run backprop from ``output`` recording a Step per gate; ``.grad`` is left untouched."""
    recorder = _Recorder()
    run_backward(output, output._seed(grad, False), accumulate=False, observers=(recorder,))
    return recorder.steps
