"""Serves the conv and pooling kernels: reused scratch buffers; and, opt-in, a larger malloc
threshold (tune_allocator), because on big fresh arrays page faults cost as much as the
arithmetic."""

from __future__ import annotations

import threading

import numpy as np

from . import threads


def tune_allocator(nbytes=30 * 2**20):
    """Raise glibc's mmap threshold for the whole process (opt-in: the training demos and the
    benchmarks call it; importing autograd changes nothing): free one never-touched block
    of ``nbytes``.

    glibc (Linux) hands out blocks above its mmap threshold (128 KiB at start) as fresh
    pages and returns them to the OS when freed, so every training step's activations
    (a LeNet step allocates ~8 MB in 0.3-1.2 MB arrays) page-fault anew: ~2000 faults,
    1-3 ms of a 7 ms step. Freeing an mmapped block raises the threshold (and the trim
    threshold, to twice it) to that block's size: glibc's documented dynamic threshold
    (mallopt(3), M_MMAP_THRESHOLD). Elsewhere this is one harmless allocation.

    30 MiB, just under glibc's 32 MiB cap for that adjustment: batch norm on a
    (64, 16, 32, 32) float32 batch peaks at 44 MiB of 4 MiB arrays, and a trim
    threshold below that returned them all after each step (5100 faults, half its time).
    """
    np.empty(nbytes, np.uint8)


class _Pool(threading.local):
    """Each thread's scratch buffers: two threads running convs at once never share one."""

    def __init__(self):
        self.buffers = {}
        self.bytes = 0


_POOL = _Pool()
_POOL_LIMIT = 512 * 2**20


def memory_order(a):
    """Axes from the largest stride to the smallest: how ``a`` lies in memory."""
    strides = a.strides
    return tuple(sorted(range(len(strides)), key=lambda i: -strides[i]))   # stable


def _laid_out(buf, order):
    if order is None:
        return buf
    inverse = [0] * len(order)
    for position, axis in enumerate(order):
        inverse[axis] = position
    return buf.transpose(inverse)


def empty(shape, dtype, order=None, zero=False):
    """A fresh array of ``shape`` whose memory follows axis ``order`` (see memory_order)."""
    make = np.zeros if zero else np.empty
    if order is None:
        return make(shape, dtype)
    return _laid_out(make([shape[i] for i in order], dtype), order)


def scratch(tag, shape, dtype, fill=None, extra=(), order=None):
    """A reusable work array for ``tag``; filled with ``fill`` when first made.

    Callers own it until their function returns and never hand it out (beyond a helper
    that fills it for them, as gelu's _rational does). ``extra`` joins the
    key when the unwritten part must keep its content (the border of a padded copy);
    ``order`` lays it out in memory like another array (memory_order), so elementwise
    work between them runs over contiguous memory.
    """
    pool = _POOL
    key = (tag, tuple(shape), np.dtype(dtype).str, fill, extra, order)
    buf = pool.buffers.get(key)
    if buf is None:
        stored = shape if order is None else [shape[i] for i in order]
        # NaN until written: a kernel that reads what it never wrote fails loudly in tests
        buf = _laid_out(np.full(stored, np.nan if np.dtype(dtype).kind == "f" else 0, dtype), order)
        if pool.bytes + buf.nbytes > _POOL_LIMIT:
            pool.buffers.clear()
            pool.bytes = 0
        if fill is not None:
            buf.fill(fill)
        pool.buffers[key] = buf
        pool.bytes += buf.nbytes
    return buf


def padded(x, padding, fill=0.0, tag="pad"):
    """x (..., H, W) with ``padding`` rows/cols of ``fill`` around it (a reused buffer,
    laid out in memory like x)."""
    ph, pw = padding
    if not ph and not pw:
        return x
    *lead, h, w = x.shape
    buf = scratch(tag, (*lead, h + 2 * ph, w + 2 * pw), x.dtype, fill, extra=(ph, pw),
                  order=memory_order(x))
    buf[..., ph:ph + h, pw:pw + w] = x
    return buf


def _clear_own():
    _POOL.buffers.clear()
    _POOL.bytes = 0


def clear_scratch():
    """Drop the cached work arrays of this thread and of the kernel threads (frees memory
    after a large run); another thread's go when that thread ends."""
    _clear_own()
    threads.on_workers(_clear_own)
