"""Serves relu (autograd/ops/routers.py) on float arrays: the forward and the rule in blocks
on the kernel threads, each block against a block of zeros.

numpy's max of an array and the number 0 runs a loop ~4x slower than its max of two
arrays (which it vectorizes), so the forward takes np.maximum(x, zeros) block by block,
the zeros a cached block: the same numbers (signed zeros and NaN included), as tests check.
The rule, g * (not x <= 0) as the lesson writes it, computes the mask of each block while
the block is in cache, instead of three passes over whole arrays (compare, invert, cast)
before the product.
"""

from __future__ import annotations

import numpy as np

from ..ops import routers as lesson
from . import parallel
from .attach import Attachments
from .memory import empty, memory_order

_LESSON_FORWARD = lesson.RELU.forward
_LESSON_RULE = lesson.RELU.backward[0]


def _fits(x):
    """Large float arrays (small ones run the lesson's way: blocks gain nothing there)."""
    return (x.__class__ is np.ndarray and x.size >= parallel.BLOCK
            and x.dtype in (np.float32, np.float64) and parallel.flat(x) is not None)


def relu(x):
    """max(x, 0) elementwise; floats (Values) and other arrays the lesson's way."""
    if not _fits(x):
        return _LESSON_FORWARD(x)
    out = empty(x.shape, x.dtype, memory_order(x))
    xf, of, z = parallel.flat(x), parallel.flat(out), parallel.constant(0.0, x.dtype)
    parallel.blockwise(xf.size, lambda i, j: np.maximum(xf[i:j], z[:j - i], out=of[i:j]))
    return out


def _rule_block(g, x, out):
    """out = g * (not x <= 0) for one block (NaN in x passes the upstream, like the lesson)."""
    mask = np.less_equal(x, 0)
    np.logical_not(mask, out=mask)
    np.copyto(out, mask)
    out *= g


def joint(needs, g, out, x):
    """relu's rule for a plain backward, laid out like x."""
    if not needs[0]:
        return [None]
    if not (_fits(x) and g.__class__ is np.ndarray and g.shape == x.shape and g.dtype == x.dtype):
        return [_LESSON_RULE(g, out, x)]
    dx = empty(x.shape, x.dtype, memory_order(x))
    xf, df, gf = parallel.flat(x), parallel.flat(dx), parallel.flat_as(g, x)
    parallel.blockwise(xf.size, lambda i, j: _rule_block(gf[i:j], xf[i:j], df[i:j]))
    return [dx]


def attach(attachments: Attachments):
    attachments.set(lesson.RELU, "forward", relu)
    attachments.set(lesson.RELU, "joint", joint)
