"""The pooling kernels (autograd/kernels/pool.py) against the lesson's forwards
(autograd/ops/pool.py): the 2x2 pool on plain memory, computed on its windows' corners, and
its backward written as 64-bit words, give the lesson's numbers, ties, inf and nan included;
so do the general paths other memory takes (batch-last, a conv's output, among them)."""

import numpy as np
import pytest
from helpers import batch_last
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor
from autograd import functional as F
from autograd.kernels import pool as kernel
from autograd.kernels.memory import memory_order
from autograd.ops import pool as lesson

TWO = ((2, 2), (2, 2), (0, 0), (1, 1))      # kernel, stride, padding, dilation



def coarse(seed, shape, levels, dtype):
    """Few distinct values: most windows hold ties."""
    r = np.random.default_rng(seed)
    return r.integers(-levels, levels + 1, shape).astype(dtype)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6),
       st.integers(0, 3), st.sampled_from([np.float32, np.float64, np.int64]),
       st.integers(0, 10_000))
def test_two_by_two_on_plain_memory_gives_the_lessons_max_and_winner(n, c, ho, wo, levels,
                                                                     dtype, seed):
    x = coarse(seed, (n, c, 2 * ho, 2 * wo), levels, dtype)
    assert kernel._plain_2x2(x, *TWO)
    best, index = kernel.max_pool(x, *TWO, index=True)
    ref, ref_index = lesson.max_pool(x, *TWO, record=True)
    np.testing.assert_array_equal(best, ref)
    np.testing.assert_array_equal(index, ref_index)
    assert best.dtype == x.dtype and best.flags.c_contiguous


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(1, 6), st.integers(1, 6),
       st.sampled_from([np.float32, np.float64]), st.integers(0, 10_000))
def test_the_scatter_of_a_two_by_two_pool_gives_the_lessons_gradient(n, c, ho, wo, dtype, seed):
    r = np.random.default_rng(seed)
    index = r.integers(0, 4, (n, c, ho, wo)).astype(np.uint8)
    g = r.standard_normal((n, c, ho, wo)).astype(dtype)
    size = (2 * ho, 2 * wo)
    assert kernel._pairs_of_words(g, index, size, *TWO) == (dtype == np.float32)
    np.testing.assert_array_equal(kernel.window_scatter(g, index, size, *TWO),
                                  lesson.window_scatter(g, index, size, *TWO))
    index, g = batch_last(index), batch_last(g)     # the general loop, unless that is plain too
    got = kernel.window_scatter(g, index, size, *TWO)
    np.testing.assert_array_equal(got, lesson.window_scatter(g, index, size, *TWO))
    if not kernel._pairs_of_words(g, index, size, *TWO):
        assert memory_order(got) == memory_order(index)     # laid out like the pooled input


def test_inf_and_nan_upstream_reach_the_winner_as_they_are():
    index = np.array([[[[0, 1, 2, 3], [3, 2, 1, 0]]]], np.uint8)
    g = np.array([[[[np.inf, -np.inf, np.nan, -0.0], [1.5, np.nan, -2.0, np.inf]]]], np.float32)
    got = kernel.window_scatter(g, index, (4, 8), *TWO)
    np.testing.assert_array_equal(got, lesson.window_scatter(g, index, (4, 8), *TWO))
    assert np.isnan(got).sum() == 2 and np.isinf(got).sum() == 3


def holding_nan(dtype=np.float32):
    x = np.zeros((1, 2, 4, 6), dtype)
    x[0, 0, 1, 1] = x[0, 0, 0, 3] = x[0, 0, 1, 2] = np.nan
    x[0, 1, 2, 4] = np.inf
    return x


@pytest.mark.parametrize("args", [TWO, ((3, 2), (1, 2), (1, 0), (1, 1))])
def test_a_window_holding_nan_gives_nan_and_routes_to_its_first_nan(args):
    x = holding_nan()
    best, index = kernel.max_pool(x, *args, index=True)
    ref, ref_index = lesson.max_pool(x, *args, record=True)
    np.testing.assert_array_equal(best, ref)
    np.testing.assert_array_equal(index, ref_index)
    assert np.isnan(best).any() and index.dtype == np.uint8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", [lambda a: a, batch_last])
def test_the_gradient_through_a_window_holding_nan_is_the_lessons(dtype, layout):
    x = Tensor(layout(holding_nan(dtype)), requires_grad=True)
    y = F.max_pool2d(x, 2)
    up = np.arange(1.0, 1.0 + y.data.size, dtype=dtype).reshape(y.shape)
    y.backward(up)
    _, first = lesson.max_pool(x.data, *TWO, record=True)
    np.testing.assert_array_equal(x.grad.data, lesson.window_scatter(up, first, (4, 6), *TWO))


def test_an_unrecorded_pool_computes_no_index():
    x = coarse(1, (2, 3, 4, 6), 2, np.float32)
    for index in (False, None):
        best, where = kernel.max_pool(x, *TWO, index=index)
        assert where is None
        np.testing.assert_array_equal(best, lesson.max_pool(x, *TWO, record=False)[0])


def test_an_empty_batch_pools_to_an_empty_batch():
    best, where = kernel.max_pool(np.zeros((0, 3, 4, 4), np.float32), *TWO, index=True)
    assert best.shape == where.shape == (0, 3, 2, 2)


@pytest.mark.parametrize("make", [
    lambda a: np.ascontiguousarray(a[:, :, :, :-1]),   # odd width: the windows do not tile
    lambda a: a[:, :, ::-1, :],                 # rows reversed: not plain memory
    lambda a: a.transpose(1, 0, 2, 3),          # channels outermost
    batch_last,                                 # a conv's output
])
def test_other_memory_takes_the_general_path_and_agrees(make):
    x = make(coarse(3, (2, 3, 6, 8), 2, np.float32))
    best, index = kernel.max_pool(x, *TWO, index=True)
    ref, ref_index = lesson.max_pool(x, *TWO, record=True)
    np.testing.assert_array_equal(best, ref)
    np.testing.assert_array_equal(index, ref_index)
