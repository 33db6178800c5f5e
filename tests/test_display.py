"""autograd.display: the one number policy, as a table, and the products/sums that check by hand."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd.teaching.display import format_array, format_number, format_product, format_sum, format_value

TABLE = [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-4.0, "-4"), (0.5, "0.5"), (12.345, "12.3"),
    (3.3535e-4, "3.35e-4"), (-3.3535e-4, "-3.35e-4"), (1e-12, "1e-12"), (-2.5e-12, "-2.5e-12"),
    (1e12, "1e12"), (-1.234e12, "-1.23e12"), (99999.0, "1.00e5"), (12345.0, "12300"),
    (0.001, "0.001"), (0.0009996, "0.00100"), (9.996, "10.0"), (123456.0, "1.23e5"),
    (math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"),
]


@pytest.mark.parametrize("x, text", TABLE)
def test_table_of_magnitudes(x, text):
    assert format_number(x) == text


def test_digits():
    assert format_number(math.pi, 1) == "3"
    assert format_number(math.pi, 6) == "3.14159"
    assert format_number(-math.pi * 1e-7, 5) == "-3.1416e-7"


@given(st.floats(-1e300, 1e300), st.integers(1, 10))
@settings(max_examples=300, deadline=None)
def test_never_zero_and_close(x, digits):
    text = format_number(x, digits)
    if x != 0:
        assert float(text) != 0.0
        assert math.isclose(float(text), x, rel_tol=10.0 ** (1 - digits))
        assert text.startswith("-") == (x < 0)
    else:
        assert text == "0"


def test_arrays_inline_and_summarised():
    assert format_array([[1, -2.5], [3.35e-4, -0.0]]) == "[[1, -2.5], [3.35e-4, 0]]"
    assert format_array(np.linspace(-1e-4, 2e-4, 20)) == "<(20,) min -1e-4 max 2e-4 mean 5e-5>"
    assert format_value(None) == "-" and format_value("diag(x > 0)") == "diag(x > 0)"
    assert format_value(np.float32(0.25)) == "0.25"


def _printed_product_checks(u, loc, d, digits=3):
    ut, lt, dt = format_product(u, loc, d, digits)
    assert dt == format_number(d, digits)
    # the product of the printed operands, rounded as the downstream is, shows the same number
    # (trailing zeros mark rounding: 4.50e5 and 4.5e5 are the same printed value)
    return float(format_number(float(ut) * float(lt), digits)) == float(dt)


# the example: -0.0336 x 4.48 printed as -0.03 x 4.48 = -0.15 did not check
@pytest.mark.parametrize("u, loc", [(-0.0336, 4.48), (1 / 3, 3.0), (0.5, 7.389056), (1e-12, 3e11),
                                    (-7.77777, 0.123456), (2.0, 1.25)])
def test_products_multiply_out_at_the_precision_shown(u, loc):
    assert _printed_product_checks(u, loc, u * loc)


@given(st.floats(1e-8, 1e8) | st.floats(-1e8, -1e-8), st.floats(1e-8, 1e8) | st.floats(-1e8, -1e-8),
       st.integers(1, 6))
@settings(max_examples=300, deadline=None)
def test_products_property(u, loc, digits):
    assert _printed_product_checks(u, loc, u * loc, digits)


def test_product_of_arrays_and_descriptions():
    ut, lt, dt = format_product([1 / 3, 0.5], [3.0, 2.0], [1.0, 1.0])
    assert (ut, lt, dt) == ("[0.3333, 0.5]", "[3, 2]", "[1, 1]")
    assert format_product([1.0, 2.0], "diag(x > 0)", [1.0, 0.0]) == ("[1, 2]", "diag(x > 0)", "[1, 0]")


def test_sums_add_up():
    parts, total = format_sum([2.0, 2.0, -1.8473, 3.6945], 5.8472)
    assert total == "5.85"
    assert format_number(sum(float(p) for p in parts), 3) == total
    assert format_sum([1 / 3] * 3, 1.0) == (["0.3333"] * 3, "1")
