"""FFT correlation (demos/fft_correlation.py) equals conv2d and differentiates like it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from autograd import functional as F
from demos import fft_correlation as fc


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3), h=st.integers(1, 9),
       w=st.integers(1, 9), kh=st.integers(1, 4), kw=st.integers(1, 4), p=st.integers(0, 2),
       seed=st.integers(0, 1000))
def test_equals_conv2d_on_random_geometries(n, c, o, h, w, kh, kw, p, seed):
    if kh > h + 2 * p or kw > w + 2 * p:
        with pytest.raises(ValueError, match="larger than the padded input"):
            fc.fft_conv2d(np.zeros((n, c, h, w)), np.zeros((o, c, kh, kw)), padding=p)
        return
    rng = np.random.default_rng(seed)
    x, k, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, kh, kw)), rng.standard_normal(o)
    got = fc.fft_conv2d(x, k, b, padding=p).data
    np.testing.assert_allclose(got, F.conv2d(x, k, b, padding=p).data, atol=1e-11)


def test_the_lectures_scan_and_the_fft_agree():
    """y(i, j) = sum_l sum_m x(i + l, j + m) w(l, m), written out with loops."""
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((12, 12)), rng.standard_normal((4, 4))
    loops = np.array([[np.sum(x[i:i + 4, j:j + 4] * w) for j in range(9)] for i in range(9)])
    np.testing.assert_allclose(fc.scan(x, w), loops, atol=1e-12)
    np.testing.assert_allclose(fc.fft_conv2d(x[None, None], w[None, None]).data[0, 0], loops, atol=1e-12)


@pytest.mark.parametrize("padding", [0, 1, (2, 0)])
def test_gradcheck_and_second_order(padding):
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 2, 5, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 2, 3)), requires_grad=True)
    b = Tensor(rng.standard_normal(3), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: fc.fft_conv2d(x, w, b, padding=padding), [x, w, b])
    assert autograd.gradgradcheck(lambda x, w: (fc.fft_conv2d(x, w, padding=padding) ** 2).sum(), [x, w])
    y = fc.fft_conv2d(x, w, padding=padding)
    assert y.op == "fft_conv2d" and y.pattern == "swap multiplier"
    gx, gw = autograd.grad(y.sum(), [x, w])
    rx, rw = autograd.grad(F.conv2d(x, w, padding=padding).sum(), [x, w])
    np.testing.assert_allclose(gx.data, rx.data, atol=1e-12)
    np.testing.assert_allclose(gw.data, rw.data, atol=1e-12)


def test_dropping_conj_gives_convolution():
    as_corr, as_conv = fc.without_conj(np.random.default_rng(0))
    assert as_corr > 1.0 and as_conv < 1e-12


def test_demo_quick(capsys):
    r = fc.main(["--quick"])
    text = capsys.readouterr().out
    assert r["worst"] < 1e-12 and r["gradcheck"]
    assert [row[0] for row in r["rows"]] == [3, 9, 27] and all(t > 0 for row in r["rows"] for t in row[1:])
    assert "scan / fft" in text and "48 geometries" in text


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match=r"expected x \(N, C, H, W\) and w \(O, C, kH, kW\)"):
        fc.fft_conv2d(np.zeros((1, 2, 5, 5)), np.zeros((1, 3, 2, 2)))
