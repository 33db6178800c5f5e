"""Step records: what each gate did during backprop, in the order backprop visits gates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .display import DIGITS, format_product, format_sum, format_value
from .graph import ADDER, run_backward


@dataclass(frozen=True, eq=False)
class Step:
    """One gate visited by backprop: downstream[i] = upstream x local[i].

    For the implicit copy gate of a node with several consumers, op is "copy", pattern
    "adder", upstream the tuple of incoming parts and downstream (their sum,).
    For tensor ops, local holds a short description of the implicit Jacobian.
    """

    op: str
    pattern: str
    upstream: Any
    local: tuple
    downstream: tuple
    inputs: tuple
    output: Any

    def lines(self, digits=DIGITS):
        """The lecture's lines; the printed numbers multiply (or add) out at their precision."""
        head = f"{self.op} ({self.pattern}): "
        if self.op == "copy":
            parts, total = format_sum(self.upstream, self.downstream[0], digits)
            return [f"{head}[upstream {' + '.join(parts)}] = [downstream {total}]"
                    + _target(self.output, digits)]
        out = []
        for loc, down, x in zip(self.local, self.downstream, self.inputs):
            u, lt, d = format_product(self.upstream, loc, down, digits)
            out.append(f"{head}[upstream {u}] x [local {lt}] = [downstream {d}]" + _target(x, digits))
        return out

    def __str__(self):
        return "\n".join(self.lines())


def _target(node, digits=DIGITS):
    """Where a downstream gradient goes: the input's label, a constant's value, or its op."""
    if node.label:
        return f"  -> {node.label}"
    if node._op is not None:
        return f"  -> ({node._op.name})"
    if node.data.__class__ is float:
        return f"  -> {fmt(node.data, digits)}"
    return f"  -> {node.data.shape} input" if node.data.ndim else f"  -> {fmt(node.data, digits)}"


def fmt(v, digits=DIGITS):
    """Numbers as the lecture writes them (autograd.display's policy: significant digits);
    small arrays inline, large ones summarised."""
    return format_value(v, digits)


def _local(node):
    op = node._op
    if node.data.__class__ is float:        # Values: numbers (the rules at upstream 1)
        return op.local_grads(node.data, *(p.data for p in node._parents), **node.params)
    if isinstance(op.jacobian, str):        # one text for every input (variadic einsum)
        return (op.jacobian,) * len(node._parents)
    if op.jacobian is not None:
        return tuple(op.jacobian)
    return ("slice of upstream",) * len(node._parents)


def backprop_steps(output, grad=None):
    """Run backprop from ``output`` recording a Step per gate; ``.grad`` is left untouched."""
    steps = []

    def on_step(node, parts, g, contributions):
        if len(parts) >= 2:
            local = (1.0,) if node.data.__class__ is float else ("I",)
            steps.append(Step("copy", ADDER, tuple(parts), local, (g,), (node,), node))
        if node._op is not None and g is not None:
            steps.append(Step(node._op.name, node._op.pattern, g, _local(node),
                              tuple(contributions), tuple(node._parents), node))

    run_backward(output, output._seed(grad, False), accumulate=False, on_step=on_step)
    return steps
