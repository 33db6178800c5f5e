"""Serves relu's forward (autograd/ops/routers.py) on float arrays: block by block against
a block of zeros, on the kernel threads.

numpy's max of an array and the number 0 runs a loop ~4x slower than its max of two
arrays (which it vectorizes), so the forward takes np.maximum(x, zeros) block by block,
the zeros a cached block: the same numbers (signed zeros and NaN included), as tests check
(LeNet's first relu, 64x6x28x28: 181 -> 73 us on one core). The rule stays the lesson's:
its four whole-array passes beat any blockwise form measured (the calls cost more than
the passes there).
"""

from __future__ import annotations

import numpy as np

from ..ops import routers as lesson
from . import parallel
from .attach import Attachments
from .memory import empty, memory_order

_LESSON_FORWARD = lesson.RELU.forward
# elements a block: LeNet's first relu (64x6x28x28, one core) took 99 us in blocks of 16K
# and 73 us in blocks of 64K (each call costs about a microsecond before its loop runs)
BLOCK = 65536
MIN_SIZE = 16384    # elements: smaller arrays run the lesson's way (blocks gain nothing there)


def _fits(x):
    """Large float arrays (MIN_SIZE or more)."""
    return (x.__class__ is np.ndarray and x.size >= MIN_SIZE
            and x.dtype in (np.float32, np.float64) and parallel.flat(x) is not None)


def relu(x):
    """max(x, 0) elementwise; floats (Values) and other arrays the lesson's way."""
    if not _fits(x):
        return _LESSON_FORWARD(x)
    out = empty(x.shape, x.dtype, memory_order(x))
    xf, of, z = parallel.flat(x), parallel.flat(out), parallel.constant(0.0, x.dtype, BLOCK)
    parallel.blockwise(xf.size, lambda i, j: np.maximum(xf[i:j], z[:j - i], out=of[i:j]), block=BLOCK)
    return out


def attach(attachments: Attachments):
    attachments.set(lesson.RELU, "forward", relu)
