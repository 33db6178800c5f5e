"""Argument checks shared by the ops' declarations, the functional layer and nn.

Each normalizes one argument the way torch does (an int or a pair, a strict bool, an axis)
or raises one clear error naming the op, the argument and the value it got.

The size budget lives here too: check_size is the one place that decides whether an array
an op's arguments ask for (a padded input, a broadcast, an output size) is one this engine
will make. It runs before any work, so a refusal costs nothing.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

# The most numbers one array may hold: 2 GiB of float64. Larger arrays are not a teaching
# engine's work, and a few of them fill a shared machine; a broadcast view of (10**6, 10**6)
# costs no memory but 10**12 numbers of work for the sum that follows.
MAX_ELEMENTS = 2**28


def check_size(op, shape, what="output"):
    """Refuse, before anything is computed, an array of more than MAX_ELEMENTS numbers."""
    count = math.prod(int(n) for n in shape)
    if count > MAX_ELEMENTS:
        raise ValueError(f"{op}: the {what} would be {tuple(int(n) for n in shape)}: {count:,} numbers, "
                         f"more than the {MAX_ELEMENTS:,} (2 GiB of float64) one array may hold; "
                         "refused before computing")
    return shape


class AxisError(np.exceptions.AxisError):
    """An axis out of range for a tensor's dimensions: both an IndexError and a ValueError,
    like numpy's AxisError (which it subclasses, so ``except np.exceptions.AxisError`` works)."""

    def __init__(self, message):
        super().__init__(message)


def is_int(v) -> bool:
    """An integer that is not a bool."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def check_axis(axis, ndim, op, shape=None):
    """``axis`` as a non-negative int; a 0-d tensor accepts 0 and -1 like torch."""
    limit = max(ndim, 1)
    if not is_int(axis):
        raise TypeError(f"{op}: axis must be an int, got {type(axis).__name__}")
    if not -limit <= axis < limit:
        where = f"shape {tuple(shape)}" if shape is not None else f"a {ndim}-d tensor"
        raise AxisError(f"{op}: axis {axis} is out of range for {where}")
    return int(axis) % limit


def axes(axis, ndim, op, shape=None):
    """A reduction's ``axis`` (None, an int or a sequence of ints) as a sorted tuple of
    distinct non-negative axes, or None for all of them."""
    if axis is None:
        return None
    given = (axis,) if is_int(axis) else tuple(axis)
    out = [check_axis(a, ndim, op, shape) for a in given]
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out)) if ndim else None


def pair(value, name, op, minimum=1):
    """(a, b) from an int or a pair of ints, each at least ``minimum``."""
    if is_int(value):
        out = (int(value), int(value))
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        out = (int(value[0]), int(value[1]))
    else:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(out) < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    if max(out) > MAX_ELEMENTS:         # no array here is that long: numpy could not even slice
        raise ValueError(f"{op}: {name} {value!r} is larger than any size here "
                         f"(at most {MAX_ELEMENTS:,})")
    return out


def flag(value, name, op):
    """value as a bool; True/False only (numpy's included), never a truthy stand-in."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{op}: {name} must be True or False, got {value!r}")
    return bool(value)


def positive_int(value, name, op):
    if not is_int(value) or value < 1:
        raise ValueError(f"{op}: {name} must be a positive int, got {value!r}")
    return int(value)


def number(value, name, op):
    """A real number (not a bool) as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def finite_number(value, name, op, minimum=-math.inf, above=False):
    """A finite real number (not a bool) as a float, at least ``minimum`` (or above it)."""
    v = number(value, name, op)
    if not math.isfinite(v) or v < minimum or (above and v == minimum):
        bound = "" if minimum == -math.inf else f" {'>' if above else '>='} {minimum:g}"
        raise ValueError(f"{op}: {name} must be a finite number{bound}, got {value!r}")
    return v


def ints(values, name, op, minimum=0):
    """A tuple of ints, each at least ``minimum``: sizes, repeats, dims."""
    values = tuple(values)
    if not all(is_int(v) and v >= minimum for v in values):
        kind = "non-negative ints" if minimum == 0 else f"ints >= {minimum}"
        raise ValueError(f"{op}: {name} must be {kind}, got {values}")
    return tuple(int(v) for v in values)


def spread(args):
    """``f(2, 3)`` and ``f((2, 3))`` both as (2, 3): torch's way of taking sizes and dims."""
    return tuple(args[0]) if len(args) == 1 and isinstance(args[0], (tuple, list)) else tuple(args)


def check_ndim(op, name, shape, ndim, layout):
    if len(shape) != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-d {layout}, got shape {shape}")


def shape_of(a):
    return tuple(a.shape) if hasattr(a, "shape") else np.shape(a)


def check_broadcastable(a, b, **_):
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise ValueError(f"cannot broadcast shapes {np.shape(a)} and {np.shape(b)}") from None
