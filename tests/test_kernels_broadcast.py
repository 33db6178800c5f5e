"""kernels.broadcast against numpy's own broadcasting: the same numbers bit for bit, on the
layouts it rewrites (a small operand broadcast along trailing axes) and on every case it
leaves alone; and the tensor operators that use it on large arrays."""

import operator
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor
from autograd.kernels import broadcast as kb

FUNCTIONS = [operator.add, operator.sub, operator.mul, operator.truediv, np.maximum, np.minimum]


@st.composite
def broadcast_pairs(draw):
    """A full array and a smaller one that broadcasts to it (size-1 axes, fewer leading
    axes), in either order, float32 or float64 each."""
    full = tuple(draw(st.lists(st.integers(1, 6), min_size=1, max_size=4)))
    small = tuple(1 if draw(st.booleans()) else d for d in full)[draw(st.integers(0, len(full) - 1)):]
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    dtypes = st.sampled_from([np.float32, np.float64])
    a = rng.uniform(0.5, 2.0, size=full).astype(draw(dtypes))
    b = rng.uniform(0.5, 2.0, size=small).astype(draw(dtypes))
    return (b, a) if draw(st.booleans()) else (a, b)


@settings(max_examples=200, deadline=None)
@given(broadcast_pairs(), st.sampled_from(FUNCTIONS))
def test_binary_is_numpys_result_bit_for_bit(pair, fn):
    a, b = pair
    want = fn(a, b)
    got = kb.binary(fn, a, b)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)


def _small_and_full(pair):
    """(the operand that is broadcast, the one of the full shape)."""
    a, b = pair
    return (a, b) if b.shape == np.broadcast_shapes(a.shape, b.shape) else (b, a)


@settings(max_examples=200, deadline=None)
@given(broadcast_pairs())
def test_long_runs_broadcasts_to_the_same_array(pair):
    small, full = _small_and_full(pair)
    laid = kb.long_runs(small, full.shape)
    assert laid.dtype == small.dtype and laid.size <= max(small.size, kb._MAX_COPY)
    np.testing.assert_array_equal(np.broadcast_to(laid, full.shape), np.broadcast_to(small, full.shape))


def test_a_per_channel_operand_is_repeated_over_the_trailing_axes():
    mu = np.arange(3.0).reshape(1, 3, 1, 1)
    laid = kb.long_runs(mu, (8, 3, 5, 6))
    assert laid.shape == (1, 3, 5, 6) and laid.flags.c_contiguous
    np.testing.assert_array_equal(laid[0, :, 4, 5], [0.0, 1.0, 2.0])
    assert kb.long_runs(mu.reshape(3, 1, 1), (8, 3, 5, 6)).shape == (1, 3, 5, 6)   # fewer axes


@pytest.mark.parametrize("small, shape", [
    ((1, 3, 1, 1), (2, 3, 64, 64)),          # runs of 4096 already amortize the loop
    ((1, 64, 1, 1), (2, 64, 32, 33)),        # the copy would exceed _MAX_COPY elements
    ((1, 1, 1), (4, 5, 6)),                  # a scalar-like operand: numpy merges every axis
    ((1, 5, 6), (4, 5, 6)),                  # no trailing broadcast axis
    ((), (4, 5, 6)),
    ((2, 1, 5, 1), (5, 1)),                  # more axes than the other operand
])
def test_layouts_left_alone(small, shape):
    x = np.ones(small)
    assert kb.long_runs(x, shape) is x


def test_binary_leaves_non_contiguous_or_equal_shapes_alone():
    a = np.ones((4, 3, 5, 6)).transpose(0, 1, 3, 2)       # not C-contiguous
    b = np.ones((1, 3, 1, 1))
    with mock.patch.object(kb, "long_runs", wraps=kb.long_runs) as laid:
        kb.binary(operator.add, a, b)
        kb.binary(operator.add, a, a)
        kb.binary(operator.add, 2.0, b)
    assert laid.call_count == 0


@pytest.mark.with_kernels
def test_tensor_operators_use_it_on_large_arrays_only():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 16, 16, 16)).astype(np.float32)      # 32768 elements
    mu = rng.normal(size=(1, 16, 1, 1)).astype(np.float32)
    with mock.patch.object(kb, "long_runs", wraps=kb.long_runs) as laid:
        results = [Tensor(x) - Tensor(mu), Tensor(mu) - Tensor(x), Tensor(x) / mu, mu * Tensor(x),
                   Tensor(x).max(Tensor(mu))]
        assert laid.call_count == 5
        Tensor(x[:1, :1]) + Tensor(mu[:, :1])                         # small: numpy directly
        assert laid.call_count == 5
    for got, want in zip(results, [x - mu, mu - x, x / mu, mu * x, np.maximum(x, mu)]):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got.data, want)


def test_gradients_through_the_kernel_are_unchanged():
    rng = np.random.default_rng(1)
    x = Tensor(rng.normal(size=(8, 16, 16, 16)), requires_grad=True)
    s = Tensor(rng.uniform(1.0, 2.0, size=(16, 1, 1)), requires_grad=True)
    up = rng.normal(size=x.shape)
    ((x - s) / s).backward(up)
    np.testing.assert_allclose(x.grad.data, up / s.data, rtol=1e-12)
    want = (-up / s.data - up * (x.data - s.data) / s.data ** 2).sum(axis=(0, 2, 3)).reshape(16, 1, 1)
    np.testing.assert_allclose(s.grad.data, want, rtol=1e-9)


def test_a_shape_mismatch_on_large_arrays_is_still_one_clear_error():
    message = r"^sub: cannot broadcast shapes \(8, 16, 16, 16\) and \(1, 15, 1, 1\)$"
    with pytest.raises(ValueError, match=message):
        Tensor(np.ones((8, 16, 16, 16))) - Tensor(np.ones((1, 15, 1, 1)))


@settings(max_examples=100, deadline=None)
@given(broadcast_pairs())
def test_compact_is_the_array_a_broadcast_view_repeats(pair):
    small, full = _small_and_full(pair)
    view = np.broadcast_to(small, full.shape)
    cut = kb.compact(view)
    assert cut.size <= small.size and 0 not in [s for s, n in zip(cut.strides, cut.shape) if n > 1]
    np.testing.assert_array_equal(np.broadcast_to(cut, full.shape), view)
    assert kb.compact(full) is full


def test_compact_of_a_per_channel_broadcast():
    mu = np.arange(3.0).reshape(1, 3, 1, 1)
    view = np.broadcast_to(mu, (8, 3, 5, 6))
    assert kb.compact(view).shape == (1, 3, 1, 1)
    empty = np.broadcast_to(mu, (0, 3, 5, 6))
    assert kb.compact(empty) is empty
