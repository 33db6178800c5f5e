"""Scalar expansion: run a tensor computation on tiny inputs as a graph of Values.

It shows that a vectorized backward is nothing but the four gate patterns applied element
by element: the gradients the scalar graph finds are the tensor op's, number for number.
"""

from __future__ import annotations

import numpy as np

from .scalar import Value


def to_values(array, name="x"):
    """An object array of leaf Values labelled like x[0,1]."""
    array = np.asarray(array, dtype=np.float64)
    out = np.empty(array.shape, dtype=object)
    for idx in np.ndindex(array.shape):
        label = f"{name}[{','.join(map(str, idx))}]" if idx else name
        out[idx] = Value(float(array[idx]), label=label)
    return out


def data_of(values):
    return np.vectorize(lambda v: v.data if isinstance(v, Value) else float(v), otypes=[float])(values)


def grad_of(values):
    return np.vectorize(lambda v: v.grad, otypes=[float])(values)


def apply_elementwise(method, values):
    """Apply a Value method ("relu", "exp", ...) to every element of an object array."""
    return np.vectorize(lambda v: getattr(v, method)(), otypes=[object])(values)


def scalar_backward(fn, arrays, upstream=None, names=None):
    """Backprop through fn on Values element by element.

    fn works on object arrays of Values (numpy's +, *, @ on object arrays call Value ops).
    Returns (output as floats, [gradient array per input], root Value of the graph).
    ``upstream`` is dL/d(output); ones when omitted.
    """
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
    return data_of(out), [grad_of(leaf) for leaf in leaves], root
