"""downsample2d / upsample2d: each the other's backward."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck
from autograd import functional as F
from demos import naive_loops as NL


def test_worked_example():
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    up = F.upsample2d(x, 2).data[0, 0]
    np.testing.assert_array_equal(up, [[1, 0, 2, 0, 3],
                                       [0, 0, 0, 0, 0],
                                       [4, 0, 5, 0, 6],
                                       [0, 0, 0, 0, 0],
                                       [7, 0, 8, 0, 9]])
    np.testing.assert_array_equal(F.downsample2d(up[None, None], 2).data[0, 0], x[0, 0])
    np.testing.assert_array_equal(F.downsample2d(x, 2).data[0, 0], [[1, 3], [7, 9]])


@pytest.mark.parametrize("shape, f", [((2, 3, 5, 4), 2), ((1, 1, 7, 6), (3, 2)), ((4, 5), 1),
                                      ((2, 6, 3), (1, 3))])
def test_shapes_and_naive_loops(rng, shape, f):
    x = rng.standard_normal(shape)
    np.testing.assert_array_equal(F.upsample2d(x, f).data, NL.upsample(x, f))
    np.testing.assert_array_equal(F.downsample2d(x, f).data, NL.downsample(x, f))
    fh, fw = (f, f) if isinstance(f, int) else f
    assert F.upsample2d(x, f).shape[-2:] == ((shape[-2] - 1) * fh + 1, (shape[-1] - 1) * fw + 1)


@pytest.mark.parametrize("shape, f, size", [((1, 2, 4, 3), 2, None), ((1, 1, 3, 4), (2, 3), (6, 12)),
                                            ((2, 1, 3, 3), 3, (8, 7))])
def test_gradcheck_both_orders(rng, shape, f, size):
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    up = lambda x: F.upsample2d(x, f, size=size)
    assert gradcheck(up, [x]) and gradgradcheck(lambda x: up(x) ** 2, [x])
    big = Tensor(rng.standard_normal(up(x).shape), requires_grad=True)
    down = lambda t: F.downsample2d(t, f)
    assert gradcheck(down, [big]) and gradgradcheck(lambda t: down(t) ** 2, [big])


def test_each_is_the_others_backward(rng):
    x = Tensor(rng.standard_normal((1, 1, 5, 7)), requires_grad=True)
    y = F.downsample2d(x, 2)
    gx, = autograd.grad((y * y).sum(), [x], create_graph=True)
    assert gx.op == "upsample2d" and gx.shape == x.shape     # size kept: 5 rows, not 2*2+1
    z = F.upsample2d(x, 3)
    gz, = autograd.grad((z * z).sum(), [x], create_graph=True)
    assert gz.op == "downsample2d"


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4),
       st.integers(0, 3), st.integers(0, 3), st.integers(0, 10_000))
def test_adjoint_property(h, w, fh, fw, eh, ew, seed):
    """<downsample(x), y> == <x, upsample(y, size=x's size)> for any size that downsamples to y."""
    r = np.random.default_rng(seed)
    size = ((h - 1) * fh + 1 + min(eh, fh - 1), (w - 1) * fw + 1 + min(ew, fw - 1))
    x, y = r.standard_normal((2, *size)), r.standard_normal((2, h, w))
    down = F.downsample2d(x, (fh, fw)).data
    assert down.shape == y.shape
    assert np.isclose(np.sum(down * y), np.sum(x * F.upsample2d(y, (fh, fw), size=size).data))


BAD = [
    (F.downsample2d, (np.zeros(4), 2), {}, r"downsample2d: input must have at least 2 dimensions"),
    (F.upsample2d, (np.zeros((3, 3)), 0), {}, r"upsample2d: factor must be positive, got 0"),
    (F.upsample2d, (np.zeros((3, 3)), 2), {"size": (7, 5)}, r"size 7 along H must lie in \[5, 6\]"),
    (F.upsample2d, (np.zeros((3, 3)), 2), {"size": (5, 4)}, r"size 4 along W must lie in \[5, 6\]"),
    (F.downsample2d, (np.zeros((3, 3)), 1.5), {}, r"factor must be an int or a pair of ints"),
]


@pytest.mark.parametrize("fn, args, kw, match", BAD)
def test_bad_arguments(fn, args, kw, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kw)
