"""The kernel threads (autograd/kernels/threads.py) and the passes split over them
(parallel.py, and through it broadcast, reduce, conv, pool): every split gives numpy's own
result bit for bit (sums: to rounding), errors and numpy's error settings reach the caller,
and a split asked for from two threads at once, or from inside a task, never deadlocks."""

from __future__ import annotations

import operator
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.kernels import broadcast, parallel, reduce, threads


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
    a = np.random.default_rng(0).normal(size=(40, 30))
    results, errors = {}, []

    def work(name):
        try:
            for _ in range(30):
                results[name] = parallel.ufunc(np.multiply, a, 3.0)
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


# ---------------------------------------------------------------- split passes: numpy's numbers

@st.composite
def operands(draw):
    """Two arrays that broadcast together (either may be the small one), float32/float64,
    in C order, transposed (batch-last like conv's outputs) or strided, with special values."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=1, max_size=4)))
    small = tuple(1 if draw(st.booleans()) else d for d in shape)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, 3e38], dtype)

    def make(s):
        a = rng.normal(size=s).astype(dtype)
        flat = a.reshape(-1)
        flat[rng.integers(0, flat.size, size=min(3, flat.size))] = rng.choice(special, min(3, flat.size))
        layout = draw(st.sampled_from(["C", "T", "strided"]))
        if layout == "T":
            last = np.ascontiguousarray(a.transpose(*range(1, a.ndim), 0))
            a = last.transpose(a.ndim - 1, *range(a.ndim - 1))
        elif layout == "strided":
            a = np.repeat(a, 2, axis=-1)[..., ::2]
        return a
    a, b = make(shape), make(small)
    return (b, a) if draw(st.booleans()) else (a, b)


@settings(max_examples=150, deadline=None)
@given(operands(), st.sampled_from([np.add, np.subtract, np.multiply, np.true_divide,
                                    np.maximum, np.minimum]))
def test_a_split_ufunc_is_numpys_result_bit_for_bit(pair, fn):
    a, b = pair
    previous = threads.set_threads(3)
    old = parallel.PARALLEL_MIN
    parallel.PARALLEL_MIN = 1
    try:
        with np.errstate(all="ignore"):
            want = fn(a, b)
            got = parallel.ufunc(fn, a, b)
    finally:
        parallel.PARALLEL_MIN = old
        threads.set_threads(previous)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)                    # NaN where numpy has NaN
    np.testing.assert_array_equal(np.signbit(got), np.signbit(want))


def test_split_passes_of_the_elementwise_ops_and_copies(split_everything, rng):
    a = rng.normal(size=(6, 5, 4, 3)).astype(np.float32)
    b = rng.normal(size=(1, 5, 1, 1)).astype(np.float32)
    for fn in (operator.add, operator.sub, operator.mul, operator.truediv):
        np.testing.assert_array_equal(broadcast.binary(fn, a, b), fn(a, b))
    for e in (2, 0.5, -1, 3, 1.5):
        with np.errstate(invalid="ignore"):
            np.testing.assert_array_equal(broadcast.power(a, e), a ** e)
    np.testing.assert_array_equal(parallel.add(a, a * 2), a + a * 2)
    out = np.empty((3, 5, 6, 4), np.float32)
    parallel.copy(out, a.transpose(3, 1, 0, 2))               # a transposing copy, as conv's
    np.testing.assert_array_equal(out, a.transpose(3, 1, 0, 2))


def test_blockwise_visits_each_element_once(split_everything):
    n = 101
    hits = np.zeros(n, int)
    lock = threading.Lock()

    def visit(i, j):
        with lock:
            hits[i:j] += 1
    parallel.blockwise(n, visit, block=7)
    assert (hits == 1).all()


def test_a_split_keeps_the_callers_numpy_error_settings(split_everything):
    a = np.ones((4, 4))
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        parallel.ufunc(np.true_divide, a, np.zeros((4, 4)))
    with np.errstate(divide="ignore"):
        assert np.isinf(parallel.ufunc(np.true_divide, a, np.zeros((4, 4)))).all()


def test_split_sums_agree_with_numpy(split_everything, rng, monkeypatch):
    monkeypatch.setattr(reduce, "_MIN_SIZE", 1)
    for dtype, rtol in ((np.float32, 1e-5), (np.float64, 1e-12)):
        x = rng.normal(size=(9, 4, 5, 6)).astype(dtype)
        np.testing.assert_allclose(reduce.sum_axes(x, (0, 2, 3)), x.sum(axis=(0, 2, 3)), rtol=rtol)
        np.testing.assert_allclose(reduce.sum_product(x, x * 2, (0, 2, 3), keepdims=True),
                                   (x * x * 2).sum(axis=(0, 2, 3), keepdims=True), rtol=rtol)


def test_small_arrays_are_not_split(rng):
    assert parallel.ufunc(np.add, np.ones(10), np.ones(10)) is None
    assert not parallel.worth(10)
