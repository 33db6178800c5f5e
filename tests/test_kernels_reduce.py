"""kernels.reduce.sum_axes against the plain numpy expression x.sum(axis, keepdims), on
the einsum path (the innermost axis in memory reduced, in plain or permuted memory such as
a conv's batch-last, long runs in chunks) and on every fallback."""

from unittest import mock

import numpy as np
import pytest
from helpers import batch_last
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor
from autograd.kernels import reduce as kr


@st.composite
def arrays_and_axes(draw):
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    x = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=shape).astype(dtype)
    if draw(st.booleans()):
        x = x.transpose(tuple(reversed(range(x.ndim))))         # not C-contiguous
    axes = draw(st.none() | st.lists(st.integers(-x.ndim, x.ndim - 1), unique_by=lambda a: a % x.ndim,
                                     min_size=1, max_size=x.ndim).map(tuple))
    return x, axes, draw(st.booleans())


@pytest.fixture
def small_arrays_too(monkeypatch):
    monkeypatch.setattr(kr, "_MIN_SIZE", 0)


@settings(max_examples=150, deadline=None)
@given(arrays_and_axes())
def test_sum_axes_matches_numpy(case):
    x, axes, keepdims = case
    with mock.patch.object(kr, "_MIN_SIZE", 0):
        got = kr.sum_axes(x, axes, keepdims)
    want = x.sum(axis=axes, keepdims=keepdims)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5 if x.dtype == np.float32 else 1e-12, atol=1e-5)


def by_einsum(x, axes, keepdims=False):
    """Whether sum_axes takes the einsum path for these arguments."""
    return kr._einsum(axes, keepdims, x) is not None



@pytest.mark.parametrize("layout", [np.asarray, batch_last], ids=["plain", "batch-last"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batch_norm_axes_take_einsum_and_match(small_arrays_too, dtype, layout):
    """(0, 2, 3) of an NCHW batch (the case the kernel is for), in plain memory or a conv's
    batch-last, takes the einsum path and agrees with numpy's reduce and a float64 sum."""
    x = layout((np.random.default_rng(0).normal(size=(8, 3, 6, 5)) + 2.0).astype(dtype))
    assert by_einsum(x, (0, 2, 3))
    got = kr.sum_axes(x, (0, 2, 3), keepdims=True)
    assert got.shape == (1, 3, 1, 1) and got.dtype == dtype
    np.testing.assert_allclose(got, x.sum(axis=(0, 2, 3), keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(got.ravel(), x.astype(np.float64).sum(axis=(0, 2, 3)), rtol=1e-6)


def test_fallbacks(small_arrays_too):
    x = np.ones((4, 3), np.float32)
    assert not by_einsum(x, None)                    # full sum: numpy's pairwise sum
    assert not by_einsum(x, (0, 1))
    assert not by_einsum(x, (0,))                    # innermost axis kept: numpy is as fast
    assert not by_einsum(x.T, (1,))                  # x.T's axis 1 is its outer one in memory
    assert not by_einsum(x.astype(np.int64), (1,))
    assert not by_einsum(np.broadcast_to(np.ones(3, np.float32), (4, 3)), (1,))
    assert not by_einsum(np.ones((2, 10_007), np.float32), (1,))   # a long prime run: no chunk
    assert by_einsum(x, (1,)) and by_einsum(x, (-1,)) and by_einsum(x.T, (0,))


def test_small_arrays_keep_numpys_reduce():
    assert not by_einsum(np.ones((8, 3, 6, 5), np.float32), (0, 2, 3))
    assert by_einsum(np.ones((64, 16, 32, 32), np.float32), (0, 2, 3))


@settings(max_examples=100, deadline=None)
@given(arrays_and_axes(), st.integers(1, 6))
def test_long_runs_are_summed_in_chunks(case, run):
    """A run longer than _RUN is cut into chunks of a divisor of its length; their sums
    are added last. With a tiny _RUN every small array takes that path."""
    x, axes, keepdims = case
    x = batch_last(x) if x.ndim == 4 else x
    with mock.patch.object(kr, "_MIN_SIZE", 0), mock.patch.object(kr, "_RUN", run):
        got = kr.sum_axes(x, axes, keepdims)
    want = x.sum(axis=axes, keepdims=keepdims)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5 if x.dtype == np.float32 else 1e-12, atol=1e-5)


def test_a_conv_bias_gradient_over_batch_last_memory_is_chunked_and_close():
    """A conv's upstream (64, 32, 32, 32) in batch-last memory: each channel's sum is one
    contiguous run of 65,536 numbers, summed in eight chunks of 8192 whose sums are added
    last."""
    g = batch_last(np.random.default_rng(3).normal(size=(64, 32, 32, 32)).astype(np.float32))
    assert kr._chunk(32 * 32 * 64, kr._RUN) == 8192
    with mock.patch.object(kr.np, "einsum", wraps=np.einsum) as einsum:
        got = kr.sum_to(g, (1, 32, 1, 1))
    (subscripts, *_), _ = einsum.call_args
    assert einsum.call_count == 1 and subscripts == "ayz->ay"     # (C, 8 chunks, 8192)
    assert got.shape == (1, 32, 1, 1) and got.dtype == np.float32
    exact = g.astype(np.float64).sum(axis=(0, 2, 3), keepdims=True)
    np.testing.assert_allclose(got, exact, atol=2e-6 * np.abs(exact).max())


def test_sum_and_mean_over_nchw_axes_keep_float32_and_gradients(small_arrays_too):
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(4, 3, 5, 6)).astype(np.float32), requires_grad=True)
    m = x.mean(axis=(0, 2, 3), keepdims=True)
    assert m.dtype == np.float32
    np.testing.assert_allclose(m.data, x.data.mean(axis=(0, 2, 3), keepdims=True), rtol=1e-6)
    b = Tensor(rng.normal(size=(1, 3, 1, 1)).astype(np.float32), requires_grad=True)
    up = rng.normal(size=x.shape).astype(np.float32)
    (x * b).backward(up)                               # b's gradient is sum_to (0, 2, 3)
    assert b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.data, (up * x.data).sum(axis=(0, 2, 3), keepdims=True), rtol=1e-5)


# ---------------------------------------------------------------- sum_product: (a * b).sum(axis)

@st.composite
def pairs_and_axes(draw):
    x, axes, keepdims = draw(arrays_and_axes())
    y = np.random.default_rng(draw(st.integers(0, 2**16))).normal(size=x.shape)
    y = y.astype(draw(st.sampled_from([x.dtype, np.float64])))        # a mixed pair: fallback
    return x, y, axes, keepdims


@settings(max_examples=150, deadline=None)
@given(pairs_and_axes())
def test_sum_product_matches_numpy(case):
    a, b, axes, keepdims = case
    with mock.patch.object(kr, "_MIN_SIZE", 0):
        got = kr.sum_product(a, b, axes, keepdims)
    want = (a * b).sum(axis=axes, keepdims=keepdims)
    assert got.dtype == want.dtype and got.shape == want.shape
    tight = a.dtype == b.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12 if tight else 1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sum_product_is_one_einsum_over_both_operands(small_arrays_too, dtype):
    """The NCHW case reads g and x in one einsum (no full-size product in memory) and agrees
    with numpy's (g * x).sum and with a float64 sum."""
    rng = np.random.default_rng(2)
    g, x = (rng.normal(size=(8, 3, 6, 5)).astype(dtype) for _ in range(2))
    with mock.patch.object(kr.np, "einsum", wraps=np.einsum) as einsum:
        got = kr.sum_product(g, x, (0, 2, 3), keepdims=True)
    (subscripts, *operands), _ = einsum.call_args
    assert einsum.call_count == 1 and subscripts == "abcd,abcd->b"
    assert np.shares_memory(operands[0], g)
    assert got.shape == (1, 3, 1, 1) and got.dtype == dtype
    np.testing.assert_allclose(got, (g * x).sum(axis=(0, 2, 3), keepdims=True), rtol=1e-5)
    exact = (g.astype(np.float64) * x).sum(axis=(0, 2, 3))
    np.testing.assert_allclose(got.ravel(), exact, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_sum_product_falls_back_to_the_product(small_arrays_too):
    g = np.ones((4, 3), np.float32)
    for other in (g.astype(np.float64), np.ones((4, 3), np.float32).T.copy().T,
                  np.ones((1, 3), np.float32)):
        with mock.patch.object(kr.np, "einsum", wraps=np.einsum) as einsum:
            got = kr.sum_product(g, np.broadcast_to(other, g.shape) if other.shape != g.shape
                                 else other, (1,), keepdims=False)
        assert all("," not in c.args[0] for c in einsum.call_args_list)   # no two-operand einsum
        np.testing.assert_array_equal(got, np.full(4, 3.0))
