"""chainrule explain prints numbers a student can check: significant digits, --digits N, and
step lines whose printed upstream x local gives the printed downstream."""

import re

import pytest
from helpers import run

from autograd.teaching.display import format_number
from viz.render import find_renderer

pytestmark = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


STEP = re.compile(r"\[upstream (\S+)\] x \[local (\S+)\] = \[downstream (\S+)\]")


def check_products(out, digits):
    lines = STEP.findall(out)
    assert lines
    for u, loc, d in lines:
        assert format_number(float(u) * float(loc), digits) == d, (u, loc, d)


def test_saturated_sigmoid_is_not_zero(tmp_path):
    code, out, err = run("explain", "sigmoid(x)", "x=8", "--out", str(tmp_path))
    assert code == 0, err
    assert "df/dx = 3.35e-4" in out and "0.00" not in out
    check_products(out, 3)
    # one backward step: its frame is named alone, not as a range "step-1.svg ... step-1.svg"
    assert out.splitlines()[-1].endswith("frames/seed.svg, frames/step-1.svg, stepper.html)")


@pytest.mark.parametrize("digits", ["1", "2", "5"])
def test_digits_option_and_products_multiply_out(tmp_path, digits):
    code, out, err = run("explain", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2", "x0=-1.37",
                         "w1=-3.1", "x1=-2", "w2=-3", "--digits", digits, "--out", str(tmp_path))
    assert code == 0, err
    check_products(out, int(digits))


def test_small_forward_value(tmp_path):
    code, out, _ = run("explain", "x * 1e-3", "x=2.5", "--out", str(tmp_path))
    assert code == 0 and "f = x * 1e-3 = 0.0025" in out


@pytest.mark.parametrize("bad", ["0", "18", "two", "-1", "2.5"])
def test_bad_digits_exit_2_with_one_line(tmp_path, bad):
    code, out, err = run("explain", "x*y", "x=1", "y=2", "--digits", bad, "--out", str(tmp_path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "--digits" in err
