"""Timing helpers shared by the benchmarks (imported before numpy: it imports neither numpy
nor torch at module level, so pin_threads can still take effect).

    THREADS = pin_threads()          # first, before numpy/torch are imported
    torch = torch_or_none(THREADS)
"""

from __future__ import annotations

import os
import statistics
import sys
import time


def pin_threads(default="2"):
    """Threads for numpy's BLAS (and later torch) from ``--threads=N``; call before numpy loads."""
    threads = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--threads=")), default)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = threads
    return threads


def torch_or_none(threads):
    """PyTorch on ``threads`` threads, or None when it is not installed (it is optional)."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(int(threads))
    return torch


def per_call(fn, number):
    """Seconds per call of fn, timed over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def rounds(fns, number, repeats, rest=0.0):
    """Seconds per call of each fn, one list per fn, timed round after round (interleaved).

    rest: seconds to sleep before each timing, so the BLAS/OpenMP threads one engine left
    spinning have gone idle before the other engine runs (they would steal its cores).
    """
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(repeats):
        for t, fn in zip(times, fns):
            time.sleep(rest)
            t.append(per_call(fn, number))
    return times


def ratio(times, reference):
    """Median over rounds of times / reference: a slow neighbour slows both alike."""
    return statistics.median(a / b for a, b in zip(times, reference))
