"""Step records: what each gate did during backprop, in the order backprop visits gates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

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

    def lines(self):
        head = f"{self.op} ({self.pattern}): "
        if self.op == "copy":
            parts = " + ".join(fmt(p) for p in self.upstream)
            return [f"{head}[upstream {parts}] = [downstream {fmt(self.downstream[0])}]"
                    + _target(self.output)]
        return [f"{head}[upstream {fmt(self.upstream)}] x [local {fmt(loc)}] = "
                f"[downstream {fmt(down)}]" + _target(x)
                for loc, down, x in zip(self.local, self.downstream, self.inputs)]

    def __str__(self):
        return "\n".join(self.lines())


def _target(node):
    """Where a downstream gradient goes: the input's label, a constant's value, or its op."""
    if node.label:
        return f"  -> {node.label}"
    if node._op is not None:
        return f"  -> ({node._op.name})"
    if node.data.__class__ is float:
        return f"  -> {fmt(node.data)}"
    return f"  -> {node.data.shape} input" if node.data.ndim else f"  -> {fmt(node.data)}"


def fmt(v, precision=2):
    """Numbers as the lecture writes them; small arrays inline; large ones summarised."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    if isinstance(v, (float, int, np.floating, np.integer)):
        return f"{float(v) + 0.0:.{precision}f}"
    arr = np.asarray(v) + 0.0  # no '-0.00'
    if arr.size <= 16:  # one line, even for a matrix
        return np.array2string(arr, precision=precision, separator=", ", floatmode="fixed",
                               max_line_width=10_000).replace("\n", "")
    return (f"<{arr.shape} min {arr.min():.{precision}f} max {arr.max():.{precision}f} "
            f"mean {arr.mean():.{precision}f}>")


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
