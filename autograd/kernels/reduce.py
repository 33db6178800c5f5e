"""Serves sum, mean and sum_to (autograd/ops/reductions.py, shape.py): a sum over several axes that
include the last one, such as (0, 2, 3) of an (N, C, H, W) batch (batch norm's statistics,
a per-channel gradient). numpy's reduce runs its inner loop once per short row there;
einsum walks the array once, 3x faster. Same float type, same result up to rounding.

Also serves div's rule for a broadcast divisor (kernels/broadcast.py): the sum of a
product, (g * out) summed over those axes, as one einsum over both arrays, without writing
the full-size product to memory first (on a batch larger than the cache, the product's
write and read back cost more than the sum)."""

from __future__ import annotations

import math

import numpy as np

from ..ops.reductions import MEAN, SUM
from ..ops.shape import SUM_TO, broadcast_axes
from .attach import Attachments

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_RUN = 8192  # einsum adds a contiguous run in one accumulator: keep runs short (rounding)
_MIN_SIZE = 2**15  # smaller arrays gain nothing: numpy's reduce (and its rounding) as before


def sum_axes(x, axis, keepdims=False):
    """``x.sum(axis=axis, keepdims=keepdims)``; axis: None or a tuple of ints."""
    if _einsum_fits(x, axis):
        return _einsum(x.shape, axis, keepdims, x)
    return x.sum(axis=axis, keepdims=keepdims)


def sum_product(a, b, axis, keepdims=False):
    """``(a * b).sum(axis=axis, keepdims=keepdims)``; a, b: arrays of one shape; axis: None or
    a tuple of ints."""
    if (b.__class__ is np.ndarray and a.shape == b.shape and a.dtype == b.dtype
            and b.flags.c_contiguous and _einsum_fits(a, axis)):
        return _einsum(a.shape, axis, keepdims, a, b)
    return sum_axes(a * b, axis, keepdims)


def _einsum(shape, axis, keepdims, *operands):
    """The sum over ``axis`` of the product of same-shape operands, by one einsum."""
    axes = {a % len(shape) for a in axis}
    letters = _LETTERS[:len(shape)]
    kept = "".join(c for i, c in enumerate(letters) if i not in axes)
    spec = ",".join([letters] * len(operands)) + "->" + kept
    out = np.einsum(spec, *operands)
    if keepdims:
        out = out.reshape([1 if i in axes else d for i, d in enumerate(shape)])
    return out


def _einsum_fits(x, axes):
    """A large float array reduced over some axes, the last among them, in short runs."""
    if (axes is None or x.__class__ is not np.ndarray or x.dtype not in (np.float32, np.float64)
            or not 1 < x.ndim <= len(_LETTERS) or x.size < _MIN_SIZE or not x.flags.c_contiguous):
        return False
    reduced = {a % x.ndim for a in axes if -x.ndim <= a < x.ndim}
    if len(reduced) != len(axes) or len(reduced) == x.ndim or x.ndim - 1 not in reduced:
        return False
    run = x.ndim
    while run > 0 and run - 1 in reduced:
        run -= 1
    return math.prod(x.shape[run:]) <= _RUN


def _mean(x, axis, keepdims):
    total = sum_axes(x, axis, keepdims)
    n = math.prod(x.shape) if axis is None else math.prod(x.shape[i] for i in axis)
    return total / n if n else total * np.nan


def sum_to(x, shape):
    """x summed over the axes along which ``shape`` was broadcast to x.shape."""
    axes = broadcast_axes(shape, x.shape)
    if axes:
        x = sum_axes(x, axes, keepdims=True)
    return x.reshape(shape) if x.shape != shape else x


def attach(attachments: Attachments):
    attachments.set(SUM, "forward", sum_axes)
    attachments.set(MEAN, "forward", _mean)
    attachments.set(SUM_TO, "forward", sum_to)

