"""Serves matmul (autograd/ops/products.py) on 2-d float arrays of a middling size, such as
a LeNet's dense layers (64x400 @ 400x120): the product in pieces of rows (or columns), each
small enough that OpenBLAS runs it on the calling thread, the pieces shared over the kernel
threads (threads.py).

Why: OpenBLAS runs one product of more than ~1M multiply-adds on its own threads, and then
keeps them spinning for a while (~0.1 s) in case another comes. On two cores, the conv and
pooling kernels that run next (on the kernel threads) then share a core with a spinning
BLAS thread: a LeNet-5 step measured ~30% slower with both kinds of threads than with
either alone. Products this size are cut so that BLAS never starts its threads; larger
ones (above LARGE) go to BLAS whole, where its threads pay.

Each output element is the same dot product of the same row and column: the same numbers
up to the order BLAS adds in.
"""

from __future__ import annotations

import numpy as np

from ..ops import products as lesson
from . import parallel, threads
from .attach import Attachments

PIECE = 1 << 19         # multiply-adds of one piece: OpenBLAS keeps it on the calling thread
LARGE = 1 << 26         # from here on one product is long enough for BLAS's own threads
SPLIT = 1 << 26         # from here on the pieces are shared over the kernel threads

_LESSON_RULES = lesson.MATMUL.backward


def _fits(a, b):
    return (a.__class__ is np.ndarray and b.__class__ is np.ndarray and a.ndim == 2 and b.ndim == 2
            and a.dtype == b.dtype and a.dtype in (np.float32, np.float64)
            and a.shape[1] == b.shape[0] and PIECE < a.shape[0] * a.shape[1] * b.shape[1] <= LARGE)


def matmul(a, b):
    """a @ b; a 2-d product of a middling size in one-thread pieces (see the docstring)."""
    if not _fits(a, b):
        return np.matmul(a, b)
    m, k = a.shape
    n = b.shape[1]
    out = np.empty((m, n), a.dtype)
    if m >= n:       # rows of a (and of out)
        count = max(1, min(m, PIECE // max(1, k * n)))
        work = [(lambda i=i, j=j: np.matmul(a[i:j], b, out=out[i:j])) for i, j in _cuts(m, count)]
    else:            # columns of b (and of out)
        count = max(1, min(n, PIECE // max(1, k * m)))
        work = [(lambda i=i, j=j: np.matmul(a, b[:, i:j], out=out[:, i:j])) for i, j in _cuts(n, count)]
    if m * k * n >= SPLIT and threads.threads() > 1:
        share = threads.spans(len(work), threads.threads())
        parallel.run([(lambda i=i, j=j: [w() for w in work[i:j]]) for i, j in share])
    else:
        for w in work:
            w()
    return out


def _cuts(length, size):
    """(start, stop) pieces of range(length), each at most ``size`` long."""
    return [(i, min(length, i + size)) for i in range(0, length, size)]


def joint(needs, g, out, a, b):
    """matmul's two rules: dA = g @ B^T, dB = A^T @ g, each through matmul above."""
    if a.__class__ is not np.ndarray or a.ndim != 2 or b.ndim != 2 or g.__class__ is not np.ndarray:
        return [rule(g, out, a, b) if need else None for rule, need in zip(_LESSON_RULES, needs)]
    return [matmul(g, b.T) if needs[0] else None, matmul(a.T, g) if needs[1] else None]


def attach(attachments: Attachments):
    attachments.set(lesson.MATMUL, "forward", matmul)
    attachments.set(lesson.MATMUL, "joint", joint)
