"""One number format in the CLI, the demos and the frames: autograd.display's policy
(significant digits, 3.35e-4 never 0.00, 1e-8 not 1e-08, 4 not 4.)."""

import pytest

from autograd.teaching.display import format_number
from demos.number_text import array_text
from viz.budget import constant_label
from viz.parse import build


@pytest.mark.parametrize("v, text", [(1.0, "1"), (0.5, "0.5"), (1e-8, "1e-8"), (1e5, "1e5"),
                                     (0.1, "0.1"), (-3.0, "-3"), (2.5e20, "2.5e20")])
def test_a_constant_is_labelled_by_the_policy_and_reads_back_exactly(v, text):
    assert constant_label(v) == text
    assert float(constant_label(v)) == v
    assert constant_label(1 / 3) == format_number(1 / 3, 16) and float(constant_label(1 / 3)) == 1 / 3


def test_the_drawn_constant_is_the_policys():
    built = build("x + 0.00000001", {"x": 1.0})
    constant = built.root.parents[1]
    assert constant.label == "1e-8"                  # repr would say 1e-08


def test_demo_arrays_print_like_the_steps():
    text = array_text([[4.0, 0.0], [-24.0, 3.35e-4]])
    assert text == "[[      4,       0],\n [    -24, 3.35e-4]]"
    assert "4." not in text and "0.00" not in text
