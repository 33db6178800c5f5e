"""The kernel threads (autograd/kernels/threads.py) and the blockwise passes shared over
them (parallel.py): every task runs once, an error reaches the caller, and a split asked
for from two threads at once, or from inside a task, never deadlocks (numpy's error
settings in the workers: test_kernel_pool.py)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd.kernels import parallel, threads


def test_run_runs_every_task_once_and_waits_for_all(split_everything):
    seen = []
    lock = threading.Lock()

    def task(k):
        def run():
            with lock:
                seen.append(k)
        return run
    threads.run([task(k) for k in range(10)])
    assert sorted(seen) == list(range(10))


def test_an_error_in_a_worker_reaches_the_caller_and_the_pool_still_works(split_everything):
    def boom():
        raise ZeroDivisionError("in a worker")

    with pytest.raises(ZeroDivisionError, match="in a worker"):
        threads.run([lambda: None, boom, lambda: None])
    out = []
    threads.run([lambda: out.append(1), lambda: out.append(2)])
    assert sorted(out) == [1, 2]


def test_a_split_inside_a_task_runs_in_that_task(split_everything):
    inner = []

    def outer():
        threads.run([lambda: inner.append("a"), lambda: inner.append("b")])
    threads.run([outer, outer])
    assert sorted(inner) == ["a", "a", "b", "b"]


def test_two_program_threads_splitting_at_once_both_finish(split_everything):
    a = np.random.default_rng(0).normal(size=1200)
    results, errors = {}, []

    def times_three():
        out = np.empty_like(a)
        parallel.blockwise(a.size, lambda i, j: np.multiply(a[i:j], 3.0, out=out[i:j]), block=7)
        return out

    def work(name):
        try:
            for _ in range(30):
                results[name] = times_three()
        except Exception as e:
            errors.append(e)
    workers = [threading.Thread(target=work, args=(n,)) for n in "xy"]
    for w in workers:
        w.start()
    for w in workers:
        w.join(30)
    assert not errors and all(not w.is_alive() for w in workers)
    for r in results.values():
        np.testing.assert_array_equal(r, a * 3.0)


def test_set_threads_checks_its_argument():
    for bad in (0, -1, 2.0, True, "2"):
        with pytest.raises(ValueError, match="positive int"):
            threads.set_threads(bad)
    previous = threads.set_threads(1)
    try:
        assert threads.threads() == 1
    finally:
        threads.set_threads(previous)


@given(st.integers(0, 50), st.integers(1, 8))
def test_spans_cover_the_range_in_order(n, parts):
    spans = threads.spans(n, parts)
    assert [i for a, b in spans for i in range(a, b)] == list(range(n))
    assert len(spans) == max(1, min(parts, n))


def test_blockwise_visits_each_element_once(split_everything):
    n = 101
    hits = np.zeros(n, int)
    lock = threading.Lock()

    def visit(i, j):
        with lock:
            hits[i:j] += 1
    parallel.blockwise(n, visit, block=7)
    assert (hits == 1).all()
