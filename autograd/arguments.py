"""Argument checks shared by the functional primitives and the nn layers.

Each normalizes one argument the way torch does (an int or a pair, a strict bool, ...) or
raises one clear ValueError naming the op, the argument and the value it got.
"""

from __future__ import annotations

import numbers

import numpy as np

from .graph import Node


def pair(value, name, op, minimum=1):
    """(a, b) from an int or a pair of ints, each at least ``minimum``."""
    def ok(v):
        return isinstance(v, numbers.Integral) and not isinstance(v, bool)
    if ok(value):
        out = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(ok(v) for v in value):
        out = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(out) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    return out


def flag(value, name, op):
    """value as a bool; True/False only (numpy's included), never a truthy stand-in."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{op}: {name} must be True or False, got {value!r}")
    return bool(value)


def positive_int(value, name, op):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def check_ndim(op, name, shape, ndim, layout):
    if len(shape) != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-d {layout}, got shape {shape}")


def shape_of(a):
    return tuple(a.shape) if hasattr(a, "shape") else np.shape(a)


def as_node(x):
    """Nodes stay; raw data (arrays, lists, numbers) becomes a constant Tensor, so a
    function's result is always a Tensor."""
    if isinstance(x, Node):
        return x
    from .tensor import Tensor
    return Tensor(x)
