"""Scalar expansion: run a tensor computation on tiny inputs as a graph of Values.

It shows that a vectorized backward is nothing but the four gate patterns applied element
by element: the gradients the scalar graph finds are the tensor op's, number for number.

    fn = lambda x, w: (x @ w).relu().sum()
    result = compare(fn, [x, w])          # x: (2, 3), w: (3, 2)
    result.gates                          # Counter({'mul': 12, 'add': 9, 'relu': 4, ...})
    result.tensor_grads, result.scalar_grads   # equal, element by element

The same ``fn`` runs on Tensors and on ``ValueArray``s (object arrays of Values that also
carry the ops' declared methods: exp, log, tanh, sigmoid, relu, max, min, ...), so
nothing is written twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from ..core import registry, topological_order
from ..nodes import Tensor, Value


class ValueArray(np.ndarray):
    """An object array of Values. numpy's + - * / ** @ sum mean reshape transpose and
    indexing call the Values' own gates; the Value methods declared by the ops (exp, relu,
    max, ...) are applied element by element (registry.carry below)."""


def _elementwise(op, name, parse):
    """ValueArray method ``name``: the Values' own method on every element (for an op of
    two inputs, element by element against the other array, broadcasting)."""
    if op.arity == 2:
        each = np.frompyfunc(lambda a, b: getattr(_value(a), name)(b), 2, 1)
        return lambda self, other: np.asarray(each(self, other), dtype=object).view(ValueArray)

    def method(self, *args, **kwargs):
        out = np.empty(self.shape, dtype=object)
        for idx in np.ndindex(self.shape):
            out[idx] = getattr(self[idx], name)(*args, **kwargs)
        return out.view(ValueArray)
    return method


def _value(v):
    return v if isinstance(v, Value) else Value(float(v))


# numpy's object arrays already apply the operators (+, -, ...) element by element
registry.carry(ValueArray, _elementwise, accepts=lambda op: op.scalar, operators=False)


def to_values(array, name="x"):
    """A ValueArray of leaf Values labelled like x[0,1]."""
    array = np.asarray(array, dtype=np.float64)
    out = np.empty(array.shape, dtype=object)
    for idx in np.ndindex(array.shape):
        label = f"{name}[{','.join(map(str, idx))}]" if idx else name
        out[idx] = Value(float(array[idx]), label=label)
    return out.view(ValueArray)


def data_of(values):
    number = np.vectorize(lambda v: v.data if isinstance(v, Value) else float(v), otypes=[float])
    return number(np.asarray(values))


def grad_of(values):
    return np.vectorize(lambda v: v.grad, otypes=[float])(np.asarray(values))


def gate_counts(outputs):
    """How many gates of each kind the scalar graph ending at ``outputs`` holds (leaves excluded)."""
    seen, counts = set(), Counter()
    for o in np.asarray(outputs, dtype=object).reshape(-1):
        if not isinstance(o, Value):
            continue
        for node in topological_order(o):
            if node not in seen:
                seen.add(node)
                if node.op:
                    counts[node.op] += 1
    return counts


def scalar_backward(fn, arrays, upstream=None, names=None):
    """Backprop through fn on Values element by element.

    fn works on ValueArrays (numpy's +, *, @ on object arrays call Value ops).
    Returns (output as floats, [gradient array per input], root Value of the graph).
    ``upstream`` is dL/d(output); ones when omitted. The root is sum(output * upstream),
    whose gradient with respect to the output is exactly ``upstream``.
    """
    out, leaves, root = _scalar_run(fn, arrays, upstream, names)
    return data_of(out), [grad_of(leaf) for leaf in leaves], root


def _scalar_run(fn, arrays, upstream, names):
    """(fn's output Values, the input ValueArrays, the root) after one backward pass."""
    names = names or [f"x{i}" for i in range(len(arrays))]
    leaves = [to_values(a, n) for a, n in zip(arrays, names)]
    out = np.asarray(fn(*leaves), dtype=object)
    up = np.ones(out.shape) if upstream is None else np.asarray(upstream, dtype=np.float64)
    if up.shape != out.shape:
        raise ValueError(f"scalar_backward: upstream {up.shape} does not match output {out.shape}")
    terms = [o * float(u) for o, u in zip(out.reshape(-1), up.reshape(-1))]
    root = terms[0]
    for t in terms[1:]:
        root = root + t
    root.backward()
    return out, leaves, root


@dataclass
class Comparison:
    """One function run both ways: as Tensor ops and as a graph of scalar gates."""

    tensor_output: np.ndarray
    scalar_output: np.ndarray
    tensor_grads: list
    scalar_grads: list
    gates: Counter            # gates of fn's scalar graph, by op name

    def max_difference(self) -> float:
        pairs = [(self.tensor_output, self.scalar_output),
                 *zip(self.tensor_grads, self.scalar_grads)]
        return max(float(np.max(np.abs(a - b), initial=0.0)) for a, b in pairs)


MAX_ELEMENTS = 4096


def compare(fn, arrays, upstream=None, names=None):
    """Run fn on float64 Tensors (vectorized backward) and on Values (scalar gates).

    Inputs are tiny by design: each element becomes a Value, each product a gate.
    """
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    total = sum(a.size for a in arrays)
    if total > MAX_ELEMENTS:
        raise ValueError(f"compare: inputs have {total} elements; scalar expansion is for tiny "
                         f"inputs (at most {MAX_ELEMENTS})")
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*xs)
    seed = np.ones(out.shape) if upstream is None else np.asarray(upstream, dtype=np.float64)
    out.backward(seed)
    tensor_grads = [np.zeros(x.shape) if x.grad is None else np.asarray(x.grad.data) for x in xs]

    values, leaves, _ = _scalar_run(fn, arrays, upstream, names)     # fn runs once on Values
    return Comparison(np.asarray(out.data, dtype=np.float64), data_of(values), tensor_grads,
                      [grad_of(leaf) for leaf in leaves], gate_counts(values))
