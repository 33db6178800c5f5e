"""Serves exact GELU (gelu.py) and relu's forward (relu.py) with their blocks, shared
over the kernel threads (threads.py) when compute-bound work is enough, and conv
(positions.py, conv.py) with the thresholds from which its one-thread products are shared.

Work is shared only where each thread has a millisecond or so of arithmetic: on the 2-core
VM this was tuned on, handing a task to a sleeping thread costs 15-100 us, and two threads
making short numpy calls take turns at the GIL. Memory-bound passes (elementwise ops,
copies, sums) are never split: one core already draws most of the memory bandwidth the
two share (batch norm's passes cut along the batch took 0.99 of the one-thread time).
"""

from __future__ import annotations

import numpy as np

from . import threads
from .memory import memory_order

BLOCKWISE_MIN_NS = 2e6      # estimated ns of compute-bound block work before it is shared out
PIECE_WORK = 1 << 19        # multiply-adds of the largest product OpenBLAS runs on the calling thread
PARALLEL_WORK = 1 << 26     # multiply-adds (~1.5 ms) of one-thread products before they are
                            # shared out: LeNet's conv2 (15M) measured slower split (1.9 -> 2.5 ms)


def blockwise(n, fn, block, parts=None, ns_per_element=1.0):
    """fn(start, stop) for consecutive blocks of range(n), at most ``block`` long (each kernel
    picks its own: a block's temporaries stay in the core's cache);
    the blocks are shared out in runs, one run per kernel thread, when their work (about
    ``ns_per_element`` each) reaches BLOCKWISE_MIN_NS (else one thread: the hand-overs and
    the two threads taking turns at the GIL between short numpy calls cost more)."""
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
    threads.run([task(first, last) for first, last in threads.spans(count, parts)])


_CONSTANTS: dict = {}


def constant(value, dtype, length):
    """A read-only block (``length`` long) of one number: numpy's fast loops for max, min
    and the like want two arrays (against a number they run ~4x slower)."""
    key = (value, np.dtype(dtype), length)
    block = _CONSTANTS.get(key)
    if block is None:
        block = np.full(length, value, dtype)
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
