"""Error types of the engine's public interface."""

from __future__ import annotations

import numpy as np


class AxisError(np.exceptions.AxisError):
    """An axis out of range for a tensor's dimensions: both an IndexError and a ValueError,
    like numpy's AxisError (which it subclasses, so ``except np.exceptions.AxisError`` works)."""

    def __init__(self, message):
        super().__init__(message)


def check_axis(axis, ndim, name, shape=None):
    """``axis`` as a non-negative int; a 0-d tensor accepts 0 and -1 like torch."""
    limit = max(ndim, 1)
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"{name}: axis must be an int, got {type(axis).__name__}")
    if not -limit <= axis < limit:
        where = f"shape {tuple(shape)}" if shape is not None else f"a {ndim}-d tensor"
        raise AxisError(f"{name}: axis {axis} is out of range for {where}")
    return int(axis) % limit
