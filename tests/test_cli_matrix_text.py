"""One voice for matrix text: `conv` and `pool` take numbers separated by spaces or commas
(rows by ';'), as a quiz answer does, and print the same thing either way."""

import io

import numpy as np
import pytest

from viz import cli
from viz.cli_derive import Usage, parse_matrix
from viz.stepper import _SCRIPT as STEPPER_SCRIPT


def run(argv, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = cli.main([*argv, "--out", str(tmp_path / "out")], stdout=out, stderr=err)
    return code, out.getvalue().replace(str(tmp_path), "TMP"), err.getvalue()


@pytest.mark.parametrize("text", ["1 2 3; 4 5 6", "1, 2, 3; 4, 5, 6", "1,2,3;4,5,6", " 1 ,2,  3 ; 4, 5 ,6, "])
def test_spaces_and_commas_give_the_same_matrix(text):
    assert np.array_equal(parse_matrix(text, "input"), [[1.0, 2, 3], [4, 5, 6]])


@pytest.mark.parametrize("text, problem", [("1, 2; , ", "row 2 is empty"), ("1, 2; 3", "different lengths"),
                                          ("1, x", "'x' in row 1 is not a number")])
def test_bad_matrix_text_is_one_line(text, problem):
    with pytest.raises(Usage, match=problem):
        parse_matrix(text, "input")


def test_conv_with_commas_prints_what_conv_with_spaces_prints(tmp_path):
    spaces = run(["conv", "--input", "1 2 3; 4 5 6", "--filter", "1 2", "--upstream", "1 -1; 2 1"],
                 tmp_path)
    commas = run(["conv", "--input", "1, 2, 3; 4, 5, 6", "--filter", "1, 2", "--upstream", "1,-1;2,1"],
                 tmp_path)
    assert spaces[0] == commas[0] == 0 and spaces[2] == commas[2] == ""
    assert spaces[1] == commas[1]
    assert "  5   8\n" in commas[1] and "  14  17\n" in commas[1]    # O = [[1+4, 2+6], [4+10, 5+12]]


def test_pool_takes_commas(tmp_path):
    code, out, err = run(["pool", "--input", "1, 1, 2, 4; 5, 6, 7, 8", "--kernel", "2"], tmp_path)
    assert code == 0 and err == ""
    assert "    6  8\n" in out                                 # each window's max


def test_the_quiz_answer_box_splits_on_the_same_separators():
    """The stepper's answer parser (JavaScript) takes spaces, commas and ';' between numbers."""
    assert r"split(/[\s,;\[\]]+/)" in STEPPER_SCRIPT
