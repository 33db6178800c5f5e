"""Serves sum, mean and sum_to (autograd/ops/reductions.py, shape.py): a sum over several axes that
include the last one in memory, such as (0, 2, 3) of an (N, C, H, W) batch (batch norm's
statistics, a per-channel gradient), in plain memory or in a conv's batch-last (C, H, W, N).
numpy's reduce runs its inner loop once per short row there, or walks a permuted array in
its logical order; einsum walks the memory once, 3x faster. Same float type, same result
up to rounding: einsum adds a contiguous run in one accumulator, so a run longer than _RUN
is cut into chunks whose sums are added last.

Also serves div's rule for a broadcast divisor (kernels/broadcast.py): the sum of a
product, (g * out) summed over those axes, as one einsum over both arrays, without writing
the full-size product to memory first (on a batch larger than the cache, the product's
write and read back cost more than the sum)."""

from __future__ import annotations

import functools
import math

import numpy as np

from ..ops.reductions import MEAN, SUM
from ..ops.shape import SUM_TO, broadcast_axes
from .attach import Attachments
from .memory import memory_order

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_RUN = 8192  # einsum adds a contiguous run in one accumulator: keep runs short (rounding)
_MIN_SIZE = 2**15  # smaller arrays gain nothing: numpy's reduce (and its rounding) as before


def sum_axes(x, axis, keepdims=False):
    """``x.sum(axis=axis, keepdims=keepdims)``; axis: None or a tuple of ints."""
    out = _einsum(axis, keepdims, x)
    return x.sum(axis=axis, keepdims=keepdims) if out is None else out


def sum_product(a, b, axis, keepdims=False):
    """``(a * b).sum(axis=axis, keepdims=keepdims)``; a, b: arrays of one shape; axis: None or
    a tuple of ints."""
    if b.__class__ is np.ndarray and a.shape == b.shape and a.dtype == b.dtype:
        out = _einsum(axis, keepdims, a, b)
        if out is not None:
            return out
    return sum_axes(a * b, axis, keepdims)


def _einsum(axis, keepdims, *operands):
    """The sum over ``axis`` of the product of same-shape operands by one einsum over their
    memory, or None where that does not pay or does not apply: no axis, a small or non-float
    array, the innermost axis in memory kept (numpy is as fast), operands not laid out
    alike as a permutation of contiguous memory, or a long run with no chunk (_chunk)."""
    x = operands[0]
    if (axis is None or x.__class__ is not np.ndarray or x.dtype not in (np.float32, np.float64)
            or not 1 < x.ndim <= len(_LETTERS) - 2 or x.size < _MIN_SIZE):
        return None
    ndim = x.ndim
    reduced = {a % ndim for a in axis if -ndim <= a < ndim}
    if len(reduced) != len(axis) or len(reduced) == ndim:
        return None
    plain = x.flags.c_contiguous
    order = tuple(range(ndim)) if plain else memory_order(x)
    laid = operands if plain else [op.transpose(order) for op in operands]  # in memory order
    if not all(v.flags.c_contiguous for v in laid):
        return None
    gone = [a in reduced for a in order]                 # per memory axis: summed away
    if not gone[-1]:
        return None
    run = ndim
    while run > 0 and gone[run - 1]:
        run -= 1
    shape = laid[0].shape
    length = math.prod(shape[run:])
    letters = _LETTERS[:ndim]
    kept = "".join(c for c, g in zip(letters, gone[:run]) if not g)
    if length <= _RUN:
        spec_in = letters
        out = np.einsum(",".join([spec_in] * len(laid)) + "->" + kept, *laid)
    else:
        chunk = _chunk(length, _RUN)
        if chunk is None:
            return None
        laid = [v.reshape(*shape[:run], length // chunk, chunk) for v in laid]
        spec_in = letters[:run] + _LETTERS[-2:]
        out = np.einsum(",".join([spec_in] * len(laid)) + "->" + kept + _LETTERS[-2],
                        *laid).sum(axis=-1)
    if not plain:                   # out's axes: the kept ones in memory order; back to x's
        out = out.transpose(np.argsort([a for a in order if a not in reduced]))
    if keepdims:
        out = out.reshape([1 if i in reduced else d for i, d in enumerate(x.shape)])
    return out


@functools.lru_cache(maxsize=256)
def _chunk(length, most):
    """The longest run of at most ``most`` (and at least most / 8) that divides ``length``,
    or None."""
    for c in range(most, most // 8 - 1, -1):
        if length % c == 0:
            return c
    return None


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

