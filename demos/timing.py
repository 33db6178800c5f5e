"""The demos' (and derive_bench's) stopwatch: the best of a few single runs."""

from __future__ import annotations

import time


def best_of(fn, repeat):
    """Seconds of the fastest of ``repeat`` calls of fn (the least disturbed by neighbours)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)
