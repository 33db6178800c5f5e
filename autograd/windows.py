"""Sliding-window geometry shared by conv, pooling and resampling.

Argument normalization (int or pair, like torch), output sizes, clear errors naming the
numbers, and reusable scratch buffers: on big fresh arrays page faults cost as much as the
arithmetic, so padded copies and column matrices live in a small pool and are reused.
"""

from __future__ import annotations

import numbers
import threading

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


def shape_of(a):
    return tuple(a.shape) if hasattr(a, "shape") else np.shape(a)


def as_node(x):
    """Nodes stay; raw data becomes a (constant) Tensor so results are Tensors."""
    if isinstance(x, Node):
        return x
    from .tensor import Tensor
    return Tensor(x)


def effective(kernel, dilation):
    """Span of a dilated kernel: d * (k - 1) + 1 per axis."""
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))


def out_size(op, size, kernel, stride, padding, dilation):
    """(Ho, Wo) of a window op, or a ValueError when the window cannot fit."""
    span = effective(kernel, dilation)
    out = []
    for axis, n, k, s, p in zip("HW", size, span, stride, padding):
        if n + 2 * p < k:
            raise ValueError(f"{op}: kernel span {k} along {axis} is larger than the padded input "
                             f"({n} + 2*{p} = {n + 2 * p}); input {size}, kernel {kernel}, "
                             f"dilation {dilation}")
        out.append((n + 2 * p - k) // s + 1)
    return tuple(out)


def leftover(size, out, kernel, stride, padding, dilation):
    """Rows/cols at the end of the padded input that no window reaches (0 <= r < stride).

    They are the output_padding a transposed op needs to give back the input's size.
    """
    span = effective(kernel, dilation)
    return tuple(n + 2 * p - k - (o - 1) * s for n, o, k, s, p in zip(size, out, span, stride, padding))


def check_ndim(op, name, shape, ndim, layout):
    if len(shape) != ndim:
        raise ValueError(f"{op}: {name} must be {ndim}-d {layout}, got shape {shape}")


def strided(start, count, step):
    """Slice of ``count`` items from ``start`` every ``step``."""
    return slice(start, start + (count - 1) * step + 1, step)


def offsets(kernel):
    kh, kw = kernel
    return [(i, j) for i in range(kh) for j in range(kw)]


def window_view(xp, i, j, out, stride, dilation):
    """x_padded[..., i*d + a*s, j*d + b*s] for output positions (a, b): one kernel offset."""
    return xp[..., strided(i * dilation[0], out[0], stride[0]),
              strided(j * dilation[1], out[1], stride[1])]


# ---------------------------------------------------------------- scratch buffers

def _raise_malloc_threshold(nbytes=16 * 2**20):
    """Free one never-touched block of ``nbytes`` once, at import.

    glibc (Linux) hands out blocks above its mmap threshold (128 KiB at start) as fresh
    pages and returns them to the OS when freed, so every training step's activations
    (a LeNet step allocates ~8 MB in 0.3-1.2 MB arrays) page-fault anew: ~2000 faults,
    1-3 ms of a 7 ms step. Freeing an mmapped block raises the threshold (and the trim
    threshold, to twice it) to that block's size: glibc's documented dynamic threshold
    (mallopt(3), M_MMAP_THRESHOLD). Elsewhere this is one harmless allocation.
    """
    np.empty(nbytes, np.uint8)


_raise_malloc_threshold()

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

    Callers own it until their function returns and never hand it out. ``extra`` joins the
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


def clear_scratch():
    """Drop this thread's cached work arrays (frees memory after a large run); another
    thread's go when that thread ends."""
    _POOL.buffers.clear()
    _POOL.bytes = 0
