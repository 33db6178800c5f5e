"""Serves the elementwise ops of two inputs (add, sub, mul, div, max, min in
autograd/elementwise.py, on tensors; see Tensor._elementwise) and pow's rule: a large
array against a small one that is broadcast along its trailing axes, such as an
(N, C, H, W) batch and a per-channel (1, C, 1, 1) mean.

numpy runs such a broadcast as one inner loop per run of the trailing axes (H * W
elements here) and pays its loop overhead every run: 2-3x the time of the same work on two
arrays of one shape (1M elements in 1024 runs of 1024). Repeating the small operand along
those trailing axes first (a copy of at most _MAX_COPY elements, (1, C, H, W) here) lets
numpy merge the axes, so it runs in loops as long as that copy. Each element is computed
from the same two numbers by the same function: the result is the same, bit for bit."""

from __future__ import annotations

import math

import numpy as np

MIN_SIZE = 2**15    # smaller arrays: the loop overhead does not matter (callers check)
_MAX_COPY = 2**16   # elements of the repeated small operand (256 KiB of float32)
_SHORT = 4096       # runs at least this long already amortize the loop overhead


def binary(forward, a, b):
    """``forward(a, b)`` for a numpy elementwise function of two arrays that broadcast
    together, the smaller one laid out by long_runs against a C-contiguous larger one."""
    if a.__class__ is np.ndarray and b.__class__ is np.ndarray and a.shape != b.shape:
        if b.size < a.size and a.flags.c_contiguous:
            b = long_runs(b, a.shape)
        elif a.size < b.size and b.flags.c_contiguous:
            a = long_runs(a, b.shape)
    return forward(a, b)


def long_runs(small, shape):
    """``small`` repeated along the trailing axes on which it is broadcast to ``shape``
    (trailing size-1 axes), as one contiguous array; ``small`` itself where that does not
    pay (no such axes, runs already long, or too large a copy). Broadcasts to ``shape``
    exactly as ``small`` does."""
    n = len(shape)
    if small.ndim > n or small.ndim == 0:
        return small
    padded = (1,) * (n - small.ndim) + small.shape
    k = n                           # padded[k:] are the trailing axes where small is 1
    while k > 0 and padded[k - 1] == 1:
        k -= 1
    if k in (0, n) or math.prod(shape[k:]) >= _SHORT:
        return small
    target = padded[:k] + tuple(shape[k:])
    if math.prod(target) > _MAX_COPY:
        return small
    return np.ascontiguousarray(np.broadcast_to(small, target))


def compact(x):
    """The array a broadcast view repeats: ``x`` with each stride-0 axis cut to length 1
    (it broadcasts back to x's shape); x itself when it repeats nothing. pow's rule scales
    a mean's broadcast upstream at this size, before the one full-size product."""
    if 0 not in x.strides or x.size == 0:
        return x
    return x[tuple(slice(0, 1) if s == 0 else slice(None) for s in x.strides)]
