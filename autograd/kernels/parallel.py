"""Serves the elementwise ops on large arrays (add, sub, mul, div, max, min, relu and
their rules, through broadcast.py, tensor.py, activations.py) and the driver's sums of
gradient parts: one numpy ufunc call cut into pieces along the array's outermost axis in
memory, the pieces run on the kernel threads (threads.py).

Each element is computed by the same ufunc from the same numbers as in one call, so the
result is the same bit for bit; only the time can change. On the 2-core VM this was tuned
on, it does not: an elementwise pass is bound by memory, and one core already draws what
the two share (a 4M-element float32 multiply: 0.77 ms on one thread, 0.85 ms split), while
handing a piece to a sleeping thread costs 50-100 us (its idle virtual core must be woken).
So memory-bound passes split only from PARALLEL_MIN elements on, far beyond the sizes
measured; blockwise() splits work whose blocks are compute-bound, when there is enough.

numpy's floating-point error handling (np.errstate) is per thread: each piece runs under
the caller's settings, so warnings and errors are the ones one call would give.
"""

from __future__ import annotations

import numpy as np

from . import threads
from .memory import memory_order

PARALLEL_MIN = 2**24        # elements of a memory-bound pass (64 MiB of float32) before it splits
BLOCKWISE_MIN_NS = 2e6      # estimated ns of compute-bound block work before it is shared out


def worth(size):
    """Whether a pass over ``size`` elements is split."""
    return size >= PARALLEL_MIN and threads.threads() > 1


def split_axis(a):
    """The axis to cut ``a`` along: the outermost in memory (largest stride) that is at
    least 2 long, or None."""
    best = None
    for axis, (n, stride) in enumerate(zip(a.shape, a.strides)):
        if n >= 2 and (best is None or abs(stride) > abs(a.strides[best])):
            best = axis
    return best


def _piece(x, axis, ndim, start, stop):
    """x's part for output rows start:stop along ``axis`` (of an ndim-d output); x itself
    where it is a number or broadcast along that axis."""
    if x.__class__ is not np.ndarray:
        return x
    own = axis - (ndim - x.ndim)
    if own < 0 or x.shape[own] == 1:
        return x
    index = [slice(None)] * x.ndim
    index[own] = slice(start, stop)
    return x[tuple(index)]


def pieces(out, *operands, parts=None):
    """Tasks' arguments: [(out piece, operand pieces...)] cutting ``out`` along its outermost
    axis in memory (one piece when it cannot be cut)."""
    axis = split_axis(out)
    if axis is None:
        return [(out, *operands)]
    parts = parts or threads.threads()
    found = []
    for start, stop in threads.spans(out.shape[axis], parts):
        index = [slice(None)] * out.ndim
        index[axis] = slice(start, stop)
        found.append((out[tuple(index)], *(_piece(x, axis, out.ndim, start, stop) for x in operands)))
    return found


def run(calls):
    """Run the calls (callables of no arguments) on the kernel threads, each under the
    caller's np.errstate (threads.py hands it to the workers)."""
    threads.run(calls)


def each(fn, out, *operands):
    """fn(out piece, *operand pieces) for the pieces of ``out``, on the kernel threads."""
    run([(lambda args=args: fn(*args)) for args in pieces(out, *operands)])
    return out


def like(prototype, dtype):
    """A fresh array of prototype's shape laid out in memory as prototype is (numpy's
    order="K", as a ufunc lays out its result)."""
    return np.empty_like(prototype, dtype=dtype)


def result_dtype(ufunc, operands):
    """The dtype ``ufunc`` gives for these operands (numpy's own resolution: python numbers
    do not promote float32), found on one element of each."""
    tiny = [x.reshape(-1)[:1] if x.__class__ is np.ndarray else x for x in operands]
    return ufunc(*tiny).dtype


def ufunc(fn, *operands):
    """``fn(*operands)`` for a numpy ufunc on float arrays (and plain numbers), split over the
    kernel threads when large; None when it does not apply (the caller computes it itself):
    no operand has the output's full shape, an operand is not a float ndarray, or the
    result is small."""
    arrays = [x for x in operands if x.__class__ is np.ndarray]
    if not arrays or any(a.dtype.kind != "f" for a in arrays):
        return None
    shape = arrays[0].shape if len(arrays) == 1 else np.broadcast_shapes(*(a.shape for a in arrays))
    full = next((a for a in arrays if a.shape == shape), None)
    if full is None or not worth(full.size):
        return None
    out = like(full, result_dtype(fn, operands))
    return each(lambda o, *xs: fn(*xs, out=o), out, *operands)


def add(a, b):
    """a + b for two gradient parts (the driver's sum for a node used twice): split when
    large and of one shape and float type, else numpy's ``a + b``."""
    if (a.__class__ is np.ndarray and a.size >= PARALLEL_MIN and b.__class__ is np.ndarray
            and a.shape == b.shape and a.dtype == b.dtype and a.dtype.kind == "f" and worth(a.size)):
        return each(lambda o, x, y: np.add(x, y, out=o), like(a, a.dtype), a, b)
    return a + b


def copy(dst, src):
    """np.copyto(dst, src), split when large (src may broadcast to dst)."""
    if worth(dst.size):
        return each(lambda o, s: np.copyto(o, s), dst, src)
    np.copyto(dst, src)
    return dst


BLOCK = 16384               # elements per block: a block's temporaries stay in the core's cache


def blockwise(n, fn, block=None, parts=None, ns_per_element=1.0):
    """fn(start, stop) for consecutive blocks of range(n), at most ``block`` (BLOCK) long;
    the blocks are shared out in runs, one run per kernel thread, when their work (about
    ``ns_per_element`` each) reaches BLOCKWISE_MIN_NS (else one thread: the hand-overs and
    the two threads taking turns at the GIL between short numpy calls cost more)."""
    block = block or BLOCK
    count = -(-n // block)
    parts = parts or (threads.threads() if n * ns_per_element >= BLOCKWISE_MIN_NS else 1)
    if parts == 1 or count == 1:
        for b in range(count):
            fn(b * block, min(n, (b + 1) * block))
        return

    def task(first, last):
        def blocks():
            for b in range(first, last):
                fn(b * block, min(n, (b + 1) * block))
        return blocks
    run([task(first, last) for first, last in threads.spans(count, parts)])


_CONSTANTS: dict = {}


def constant(value, dtype, length=None):
    """A read-only block (``length``, else BLOCK, long) of one number: numpy's fast loops for
    max, min and the like want two arrays (against a number they run ~4x slower)."""
    key = (value, np.dtype(dtype), length or BLOCK)
    block = _CONSTANTS.get(key)
    if block is None:
        block = np.full(length or BLOCK, value, dtype)
        block.flags.writeable = False
        _CONSTANTS[key] = block
    return block


def flat(a):
    """A 1-d view of a's memory in memory order (a any permutation of a C-contiguous
    array), or None."""
    if a.flags.c_contiguous:
        return a.reshape(-1)
    laid = a.transpose(memory_order(a))
    return laid.reshape(-1) if laid.flags.c_contiguous else None


def flat_as(a, like):
    """A 1-d array of a's numbers in the memory order of ``like`` (a view when a lies in
    memory as ``like`` does, else a copy)."""
    order = memory_order(like)
    laid = a.transpose(order)
    return laid.reshape(-1) if laid.flags.c_contiguous else np.ascontiguousarray(laid).reshape(-1)
