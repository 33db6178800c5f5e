"""The teaching loops: the lecture's worked numbers (computed by hand), agreement with the
scalar engine (run on Value arrays) and with the vectorized primitives."""

import numpy as np
import pytest

from autograd import Tensor
from autograd import functional as F
from autograd.teaching.expand import gate_counts, scalar_backward
from demos import naive_loops as NL

# The lecture's 3x3 input and 2x2 filter; every number below was worked out by hand.
X = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
FILT = np.array([[1.0, 2], [3, 4]])
DO = np.array([[1.0, 2], [-1, 1]])


def test_lecture_forward():
    np.testing.assert_array_equal(NL.correlate2d(X, FILT), [[37, 47], [67, 77]])


def test_lecture_filter_gradient_is_correlation_of_input_with_upstream():
    np.testing.assert_array_equal(NL.correlate2d(X, DO), [[6, 9], [15, 18]])


def test_lecture_input_gradient_is_full_convolution_with_flipped_filter():
    np.testing.assert_array_equal(NL.full_convolve2d(DO, FILT), [[1, 4, 4],
                                                                 [2, 9, 10],
                                                                 [-3, -1, 4]])


def test_lecture_numbers_from_the_general_loops():
    x, w, up = X[None, None], FILT[None, None], DO[None, None]
    np.testing.assert_array_equal(NL.conv2d_forward(x, w)[0, 0], [[37, 47], [67, 77]])
    dx, dw, db = NL.conv2d_backward(x, w, up)
    np.testing.assert_array_equal(dw[0, 0], [[6, 9], [15, 18]])
    np.testing.assert_array_equal(dx[0, 0], [[1, 4, 4], [2, 9, 10], [-3, -1, 4]])
    assert db[0] == 3


def test_transposed_conv_stamps_filters():
    """One pixel of value 2 at (0, 1), stride 2: a copy of 2*F placed at (0, 2)."""
    x = np.zeros((1, 1, 2, 2))
    x[0, 0, 0, 1] = 2
    out = NL.conv_transpose2d_forward(x, FILT[None, None], stride=2)[0, 0]
    expected = np.zeros((4, 4))
    expected[0:2, 2:4] = 2 * FILT
    np.testing.assert_array_equal(out, expected)


def test_pool_loops_on_the_lecture_example():
    x = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None]
    out, where = NL.max_pool2d_forward(x, 2)
    np.testing.assert_array_equal(out[0, 0], [[6, 8], [3, 4]])
    assert [tuple(w) for w in where[0, 0].reshape(-1, 2)] == [(1, 1), (1, 3), (2, 0), (3, 3)]
    dx = NL.max_pool2d_backward(np.ones((1, 1, 2, 2)), x.shape, where)
    assert dx.sum() == 4 and dx[0, 0, 1, 1] == 1
    avg = NL.avg_pool2d_backward(np.full((1, 1, 2, 2), 4.0), x.shape, 2)
    np.testing.assert_array_equal(avg, np.ones_like(x))


def test_resampling_loops():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(NL.upsample(x, 2), [[0, 0, 1, 0, 2], [0, 0, 0, 0, 0], [3, 0, 4, 0, 5]])
    np.testing.assert_array_equal(NL.downsample(NL.upsample(x, 3), 3), x)


# ---------------------------------------------------------------- scalar expansion

@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 0, 1, 1), (2, 1, 1, 2), (1, 1, 2, 1)])
def test_scalar_expansion_of_a_tiny_conv_matches_the_primitive(rng, stride, padding, dilation, groups):
    x, w, b = rng.standard_normal((1, 2, 4, 4)), rng.standard_normal((2, 2 // groups, 2, 2)), \
        rng.standard_normal(2)
    kw = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    y = F.conv2d(x, w, b, **kw)
    up = rng.standard_normal(y.shape)
    out, grads, root = scalar_backward(lambda x, w, b: NL.conv2d_forward(x, w, b, **kw), [x, w, b], up)
    tx, tw, tb = (Tensor(a, requires_grad=True) for a in (x, w, b))
    F.conv2d(tx, tw, tb, **kw).backward(up)
    np.testing.assert_allclose(out, y.data, atol=1e-12)
    for scalar, tensor in zip(grads, (tx.grad, tw.grad, tb.grad)):
        np.testing.assert_allclose(scalar, tensor.data, atol=1e-12)
    # the scalar graph is nothing but multiplications and additions (swap multipliers, distributors)
    assert set(gate_counts(root)) <= {"mul", "add"}


def test_scalar_expansion_of_a_tiny_max_pool_is_a_router(rng):
    x = rng.standard_normal((1, 1, 4, 5))
    up = rng.standard_normal((1, 1, 3, 4))
    out, (gx,), _ = scalar_backward(lambda v: NL.max_pool2d_forward(v, 2, 1)[0], [x], up)
    t = Tensor(x, requires_grad=True)
    y = F.max_pool2d(t, 2, stride=1)
    y.backward(up)
    np.testing.assert_allclose(out, y.data)
    np.testing.assert_allclose(gx, t.grad.data, atol=1e-12)


def test_scalar_expansion_of_a_transposed_conv(rng):
    x, w = rng.standard_normal((1, 2, 2, 3)), rng.standard_normal((2, 1, 2, 2))
    up = rng.standard_normal((1, 1, 5, 7))
    out, (gx, gw), _ = scalar_backward(
        lambda x, w: NL.conv_transpose2d_forward(x, w, stride=2, output_padding=1), [x, w], up)
    tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    y = F.conv_transpose2d(tx, tw, stride=2, output_padding=1)
    y.backward(up)
    np.testing.assert_allclose(out, y.data, atol=1e-12)
    np.testing.assert_allclose(gx, tx.grad.data, atol=1e-12)
    np.testing.assert_allclose(gw, tw.grad.data, atol=1e-12)
