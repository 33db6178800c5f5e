"""Timing helpers shared by the benchmarks (imported before numpy: it imports neither numpy
nor torch at module level, so pin_threads can still take effect).

    THREADS = pin_threads()          # first, before numpy/torch are imported
    torch = torch_or_none(THREADS)
"""

from __future__ import annotations

import gc
import os
import statistics
import sys
import time


def threads_from_argv(default="2"):
    """N from ``--threads N`` or ``--threads=N`` on the command line, else ``default``."""
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return default


def pin_threads(default="2"):
    """Threads for numpy's BLAS, chainrule's kernels (and later torch) from ``--threads N``;
    call before numpy loads."""
    threads = threads_from_argv(default)
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
    # PyTorch 2.13's float64 GELU forward+backward runs ~4x slower (5.6 against 1.3 ms on the
    # 2-core VM) in a process that has not yet run a reduction: run one, so that every
    # benchmark compares against the state a training process is in
    torch.ones(2).sum()
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


# ---------------------------------------------------------------- alternated rounds

REST = 0.3      # BLAS and OpenMP threads spin ~0.1 s after a call: let them go idle first


def alternate(fns, rounds=7, per_round=5, rest=REST, clock=time.perf_counter, collect=False):
    """Round medians: for each fn, the median seconds of ``per_round`` calls in each of
    ``rounds`` rounds, the fns taking turns round after round (each after ``rest`` s), so
    a slow neighbour slows both engines alike. One untimed warm-up call each first.
    collect: a full garbage collection before each round (untimed), so that an engine
    whose graphs are cycles (micrograd) pays for its own garbage, not the other's."""
    for fn in fns:
        fn()
    medians = [[] for _ in fns]
    for _ in range(rounds):
        for fn, out in zip(fns, medians):
            if collect:
                gc.collect()
            time.sleep(rest)
            calls = []
            for _ in range(per_round):
                start = clock()
                kept = fn()             # what fn returns is freed after the clock stops
                calls.append(clock() - start)
                del kept
            out.append(statistics.median(calls))
    return medians


def compare(ours, theirs):
    """(ratio, lowest round ratio, highest round ratio, ours s, theirs s): the ratio of the
    engines' medians of round medians (the issue's measure) and the spread of the rounds."""
    a, b = statistics.median(ours), statistics.median(theirs)
    per_round = [x / y for x, y in zip(ours, theirs)]
    return a / b, min(per_round), max(per_round), a, b


def ratio_text(ours, theirs, target=None):
    """'1.23x (rounds 1.10-1.40)', with the target and whether the ratio meets it."""
    r, lo, hi, _, _ = compare(ours, theirs)
    text = f"{r:5.2f}x (rounds {lo:.2f}-{hi:.2f})"
    if target is not None:
        text += f"  target <= {target}x: {'met' if r <= target else 'NOT met'}"
    return text
