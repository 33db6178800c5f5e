"""Pooling options around the primitives: ceil_mode, count_include_pad=False and
divisor_override, checked against hand-worked numbers, a window-clipping loop reference,
finite differences of both orders and (when installed) torch."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_pool import assert_pools_match_torch, distinct

import nn
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from autograd import functional as F

GRID = np.arange(25.0).reshape(1, 1, 5, 5)


def test_ceil_mode_keeps_the_last_partial_windows():
    y = F.max_pool2d(Tensor(GRID), 2, ceil_mode=True)
    np.testing.assert_array_equal(y.data[0, 0], [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    assert F.max_pool2d(Tensor(GRID), 2).shape == (1, 1, 2, 2)


def test_ceil_mode_mean_divides_by_the_part_of_the_window_inside_the_input():
    y = F.avg_pool2d(Tensor(GRID), 2, ceil_mode=True)
    np.testing.assert_array_equal(y.data[0, 0], [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])


def test_without_count_include_pad_padded_zeros_do_not_dilute_the_mean():
    x = Tensor(np.ones((1, 1, 3, 3)))
    with_pad = F.avg_pool2d(x, 3, stride=1, padding=1)
    without = F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(with_pad.data[0, 0], [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9],
                                                     [4 / 9, 6 / 9, 4 / 9]])
    np.testing.assert_allclose(without.data, np.ones((1, 1, 3, 3)))


def test_divisor_override_replaces_every_divisor():
    y = F.avg_pool2d(Tensor(GRID), 2, divisor_override=1)      # window sums
    np.testing.assert_array_equal(y.data[0, 0], [[12, 20], [52, 60]])


def test_a_last_window_that_would_start_in_the_right_padding_is_dropped():
    # H=5, k=2, s=2, p=1: rounding up gives 4 windows, but the 4th would start at padded
    # row 6, past the input (rows 1-5), so torch keeps 3, as without ceil_mode
    assert F.max_pool2d(Tensor(np.zeros((1, 1, 5, 5))), 2, 2, 1, ceil_mode=True).shape == (1, 1, 3, 3)
    # H=6, k=3, s=2, p=1: the 4th window starts at padded row 6, on the input's last row
    assert F.max_pool2d(Tensor(np.zeros((1, 1, 6, 6))), 3, 2, 1, ceil_mode=True).shape == (1, 1, 4, 4)
    assert F.max_pool2d(Tensor(np.zeros((1, 1, 6, 6))), 3, 2, 1).shape == (1, 1, 3, 3)


def clipped_pool(x, k, s, p, d, kind, include_pad, ceil):
    """Loop reference written another way: each window clipped to the input (max) or to
    the padded input (the mean's divisor), no extension and no rescaling."""
    n_, c_, h, w = x.shape
    out = []
    for size, kk, ss, pp, dd in zip((h, w), k, s, p, d):
        reach = size + 2 * pp - dd * (kk - 1) - 1
        o = (-(-reach // ss) if ceil else reach // ss) + 1
        out.append(o - 1 if (o - 1) * ss >= size + pp else o)
    y = np.zeros((n_, c_, *out))
    for a in range(out[0]):
        for b in range(out[1]):
            rows = [a * s[0] - p[0] + i * d[0] for i in range(k[0])]
            cols = [b * s[1] - p[1] + j * d[1] for j in range(k[1])]
            inside_r = [r for r in rows if 0 <= r < h]
            inside_c = [q for q in cols if 0 <= q < w]
            patch = x[:, :, inside_r][:, :, :, inside_c]
            if kind == "max":                  # padding never wins
                y[:, :, a, b] = patch.max(axis=(2, 3))
            else:
                if include_pad:
                    count = (sum(r < h + p[0] for r in rows) * sum(q < w + p[1] for q in cols))
                else:
                    count = len(inside_r) * len(inside_c)
                y[:, :, a, b] = patch.sum(axis=(2, 3)) / count
    return y


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.booleans(), st.booleans(),
       st.integers(0, 10_000))
def test_options_property_match_the_clipping_loops(h, w, kh, kw, sh, sw, p, ceil, include, seed):
    if p > kh // 2 or p > kw // 2 or h + 2 * p < kh or w + 2 * p < kw:
        return
    x = np.random.default_rng(seed).standard_normal((1, 2, h, w))
    k, s, pp = (kh, kw), (sh, sw), (p, p)
    y = F.max_pool2d(Tensor(x), k, s, pp, ceil_mode=ceil)
    np.testing.assert_allclose(y.data, clipped_pool(x, k, s, pp, (1, 1), "max", include, ceil))
    y = F.avg_pool2d(Tensor(x), k, s, pp, ceil_mode=ceil, count_include_pad=include)
    np.testing.assert_allclose(y.data, clipped_pool(x, k, s, pp, (1, 1), "avg", include, ceil),
                               atol=1e-12)


# (N, C, H, W), kernel, stride, padding, dilation; each leaves a partial window for ceil_mode
CEIL_CASES = [
    ((1, 2, 5, 5), 2, 2, 0, 1),
    ((2, 1, 7, 6), 3, 2, 1, 1),
    ((1, 1, 6, 7), (3, 2), (2, 3), (1, 0), 1),
    ((1, 1, 8, 8), 3, 2, 1, 2),          # dilated (max only)
]


@pytest.mark.parametrize("shape, k, s, p, d", CEIL_CASES)
def test_ceil_mode_max_pool_gradcheck_first_and_second_order(rng, shape, k, s, p, d):
    x = distinct(rng, shape)
    f = lambda x: F.max_pool2d(x, k, s, p, d, ceil_mode=True) ** 2
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])


@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize("shape, k, s, p, d", [c for c in CEIL_CASES if c[4] == 1])
def test_avg_pool_options_gradcheck_first_and_second_order(rng, shape, k, s, p, d, include):
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    f = lambda x: F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=include) ** 2
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])


def test_ceil_mode_is_drawn_as_an_extended_input_then_the_same_primitive(rng):
    x = Tensor(rng.standard_normal((1, 1, 5, 5)), requires_grad=True)
    ops = {n.op for n in topological_order(F.max_pool2d(x, 2, ceil_mode=True)) if n.op}
    assert ops == {"scatter_add", "add", "max_pool2d"}
    ops = {n.op for n in topological_order(F.avg_pool2d(x, 2, ceil_mode=True)) if n.op}
    assert ops == {"scatter_add", "avg_pool2d", "mul"}


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape, k, s, p, d", CEIL_CASES)
def test_options_match_torch(rng, shape, k, s, p, d, dtype, tol):
    torch = pytest.importorskip("torch")
    x = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    tx = torch.tensor(x.data, requires_grad=True)
    tf = torch.nn.functional
    pools = [(F.max_pool2d(x, k, s, p, d, ceil_mode=True), tf.max_pool2d(tx, k, s, p, d, ceil_mode=True))]
    if d == 1:
        for include in (True, False):
            pools.append((F.avg_pool2d(x, k, s, p, ceil_mode=True, count_include_pad=include),
                          tf.avg_pool2d(tx, k, s, p, ceil_mode=True, count_include_pad=include)))
        pools.append((F.avg_pool2d(x, k, s, p, divisor_override=3),
                      tf.avg_pool2d(tx, k, s, p, divisor_override=3)))
    assert_pools_match_torch(rng, x, tx, pools, dtype, tol)


def test_layers_pass_the_options_and_show_them():
    x = Tensor(GRID)
    pool = nn.MaxPool2d(2, ceil_mode=True)
    assert pool(x).shape == (1, 1, 3, 3)
    assert "ceil_mode=True" in repr(pool)
    mean = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(mean(Tensor(np.ones((1, 1, 3, 3)))).data, np.ones((1, 1, 3, 3)))
    assert "count_include_pad=False" in repr(mean)
    assert nn.MaxPool2d(3, 1, dilation=2)(x).shape == (1, 1, 1, 1)


BAD = [
    (lambda: F.max_pool2d(Tensor(GRID), 2, ceil_mode="yes"),
     r"max_pool2d: ceil_mode must be True or False, got 'yes'"),
    (lambda: F.avg_pool2d(Tensor(GRID), 2, count_include_pad=1),
     r"avg_pool2d: count_include_pad must be True or False, got 1"),
    (lambda: F.avg_pool2d(Tensor(GRID), 2, divisor_override=0),
     r"avg_pool2d: divisor_override must be a positive int, got 0"),
    (lambda: nn.AvgPool2d(2, divisor_override=2.5),
     r"AvgPool2d: divisor_override must be a positive int, got 2.5"),
    (lambda: nn.MaxPool2d(2, ceil_mode=None), r"MaxPool2d: ceil_mode must be True or False"),
]


@pytest.mark.parametrize("make, match", BAD)
def test_bad_options_raise_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()
