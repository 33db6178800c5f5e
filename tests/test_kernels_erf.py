"""autograd/kernels/erf.py's erf against math.erf: a dense grid, every region boundary, the tails,
-0.0, inf, nan, float32, and hypothesis over values and shapes (and torch where installed)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd.kernels import erf as special

REL = 1e-15     # measured worst case 5.6e-16, just above 0.46875 (1 - erfc with erfc ~ 0.5)


def reference(xs):
    return np.array([math.erf(v) for v in np.asarray(xs, dtype=np.float64).ravel()])


def assert_close(xs):
    xs = np.asarray(xs, dtype=np.float64)
    ours, ref = special.erf(xs), reference(xs)
    assert ours.shape == xs.shape and ours.dtype == np.float64
    # relative, but subnormal results carry fewer bits: one unit in their last place there
    bad = np.abs(ours.ravel() - ref) > np.maximum(REL * np.abs(ref), np.spacing(np.abs(ref)))
    assert not bad.any(), f"erf off at x={xs.ravel()[bad][:5]}: {ours.ravel()[bad][:5]} vs {ref[bad][:5]}"


def test_dense_grid_matches_math_erf():
    assert_close(np.linspace(-7.0, 7.0, 400_001))


@pytest.mark.parametrize("edge", [special._SMALL, special._MID, special._TAIL])
def test_region_boundaries(edge):
    # a few hundred ulps either side of each switch between approximations
    steps = np.arange(-300, 301) * np.spacing(edge)
    assert_close(np.concatenate([edge + steps, -(edge + steps), edge + np.linspace(-1e-3, 1e-3, 2001)]))


def test_tails_and_tiny_values():
    huge = np.array([6.0, 7.5, 26.0, 1e10, 1e300, np.finfo(np.float64).max])
    assert_close(np.concatenate([huge, -huge]))
    tiny = np.concatenate([np.geomspace(5e-324, 1e-3, 500), [np.finfo(np.float64).tiny]])
    assert_close(np.concatenate([tiny, -tiny]))


def test_signed_zero_infinities_and_nan():
    out = special.erf(np.array([0.0, -0.0, np.inf, -np.inf, np.nan]))
    assert out[0] == 0.0 and not np.signbit(out[0])
    assert out[1] == 0.0 and np.signbit(out[1])
    assert out[2] == 1.0 and out[3] == -1.0
    assert np.isnan(out[4])


def test_no_floating_point_warnings():
    with np.errstate(all="raise", under="ignore"):     # numpy's default ignores underflow too
        special.erf(np.array([0.0, -0.0, 5e-324, 0.46875, 4.0, 6.0, 1e308, np.inf, -np.inf, np.nan]))


def test_float32_keeps_dtype_and_rounds_to_float32_erf():
    x = np.linspace(-5.0, 5.0, 20_001, dtype=np.float32)
    out = special.erf(x)
    assert out.dtype == np.float32
    want = reference(x).astype(np.float32)
    assert (np.abs(out - want) <= np.spacing(np.abs(want))).all()


def test_shape_and_scalar_array():
    assert special.erf(np.float64(0.5)).shape == ()
    assert special.erf(np.zeros((2, 0, 3))).shape == (2, 0, 3)


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(x=st.one_of(finite, st.floats(-8.0, 8.0)))
def test_any_float_matches_math_erf(x):
    assert_close([x])


@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=3, max_side=5),
                    elements=st.floats(-10.0, 10.0)))
def test_odd_and_shaped(x):
    out = special.erf(x)
    assert out.shape == x.shape
    np.testing.assert_array_equal(special.erf(-x), -out)
    assert_close(x)


def test_matches_torch_erf():
    torch = pytest.importorskip("torch")
    x = np.linspace(-7.0, 7.0, 100_001)
    np.testing.assert_allclose(special.erf(x), torch.erf(torch.from_numpy(x)).numpy(),
                               rtol=2e-15, atol=0)
