"""chainrule conv / pool: the forward scan, the scatter view, --symbolic, --format tex and
channels separated by '|' (issue 21's acceptance lines)."""

import numpy as np
import pytest
from helpers import run
from test_cli_derive import grid_after

from viz.render import find_renderer

pytestmark = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer")
LECTURE = ["conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4"]


def test_forward_scan_and_both_views_of_the_lecture_example(tmp_path):
    code, text, err = run(*LECTURE, "--upstream", "1 2; -1 1", "--out", str(tmp_path))
    assert code == 0, err
    X, W = np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]])
    for a in (0, 1):
        for b in (0, 1):
            window = X[a:a + 2, b:b + 2].ravel()
            terms = " + ".join(f"{x}*{f}" for x, f in zip(window, W.ravel()))
            assert f"  O[{a},{b}] = {terms} = {int(window @ W.ravel())}" in text
    assert "  O[0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37" in text
    assert text.index("O[1,1] = ") < text.index("dE/dF[0,0] = ")      # forward first
    # the scatter view follows X[1,1] to the four outputs, then the gather view, then both
    assert ("  X[1,1] feeds O[0,0] (x F[1,1]), O[0,1] (x F[1,0]), O[1,0] (x F[0,1]), "
            "O[1,1] (x F[0,0])") in text
    lines = text.splitlines()
    k = lines.index("    dE/dX[1,1] = dE/dO[0,0]*F[1,1] + dE/dO[0,1]*F[1,0] + dE/dO[1,0]*F[0,1] "
                    "+ dE/dO[1,1]*F[0,0]")
    assert lines[k + 1].strip() == "= 1*4 + 2*3 - 1*2 + 1*1 = 9"
    assert lines[k + 1].index("=") == lines[k].index("=")           # the two = line up
    assert "  dE/dX[1,1] = 1*4 + 2*3 - 1*2 + 1*1 = 9" in text         # the gather view
    both = text.split("dE/dX both ways: the scatter view = the gather view\n")[1].splitlines()
    assert both[1].split("=") == ["     2   9  10   ", "    2   9  10"]
    assert "  scatter: 1*4 + 2*3 - 1*2 + 1*1 = 9" in both and "  gather:  1*4 + 2*3 - 1*2 + 1*1 = 9" in both
    assert text.index("the scatter view:") < text.index("the gather view:") < text.index("both ways")


def test_stride_hops_show_in_the_window_positions(tmp_path):
    image = "1 1 1 0 0; 0 1 1 1 0; 0 0 1 1 1; 0 0 1 1 0; 0 1 1 0 0"
    code, text, _ = run("conv", "--input", image, "--filter", "1 0 1; 0 1 0; 1 0 1", "--stride", "2",
                        "--out", str(tmp_path))
    assert code == 0
    assert ("  O[0,0] = 1*1 + 1*0 + 1*1 + 0*0 + 1*1 + 1*0 + 0*1 + 0*0 + 1*1 = 4    "
            "(rows 0 to 2, columns 0 to 2 of X)") in text
    assert "= 4    (rows 0 to 2, columns 2 to 4 of X)" in text
    assert grid_after(text, "O = X (correlate) F =").tolist() == [[4, 4], [2, 4]]   # the lecture's


def test_symbolic_prints_the_lectures_equations_and_writes_tex(tmp_path):
    code, text, err = run(*LECTURE, "--upstream", "1 2; -1 1", "--symbolic", "--format", "tex",
                          "--out", str(tmp_path))
    assert code == 0, err
    lines = [line.strip() for line in text.splitlines()]
    for eq in ("O11 = F11 X11 + F12 X12 + F21 X21 + F22 X22",
               "O22 = F11 X22 + F12 X23 + F21 X32 + F22 X33",
               "dE/dF11 = dE/dO11 X11 + dE/dO12 X12 + dE/dO21 X21 + dE/dO22 X22",
               "dE/dX11 = dE/dO11 F11",
               "dE/dX22 = dE/dO11 F22 + dE/dO12 F21 + dE/dO21 F12 + dE/dO22 F11"):
        assert eq in lines, eq
    assert lines[lines.index("dE/dX22 = dE/dO11 F22 + dE/dO12 F21 + dE/dO21 F12 + dE/dO22 F11") + 1] \
        == "= 1*4 + 2*3 - 1*2 + 1*1 = 9"
    tex = (tmp_path / "derivation.tex").read_text()
    assert r"\frac{\partial E}{\partial X_{22}}" in tex and "F_{11}" in tex
    assert (tmp_path / "frames" / "frame-001.svg").exists()
    assert "O11" in (tmp_path / "stepper-derivation.html").read_text()   # the stepper is symbolic too


def test_pool_symbolic(tmp_path):
    code, text, _ = run("pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2",
                        "--upstream", "1 2; 3 4", "--symbolic", "--out", str(tmp_path))
    assert code == 0
    assert "  O11 = max(X11, X12, X21, X22)" in text
    assert "  dE/dX22 = dE/dO11" in text
    assert "dE/dX11 = dE/dX12 = dE/dX13 = " in text and "(never the largest in a window)" in text
    assert grid_after(text, "dE/dX =").tolist() == [[0, 0, 0, 0], [0, 1, 0, 2], [3, 0, 0, 0], [0, 0, 0, 4]]


def test_pool_prints_its_forward_scan(tmp_path):
    code, text, _ = run("pool", "--input", "3 1; 5 6", "--kernel", "2", "--mode", "avg", "--out",
                        str(tmp_path))
    assert code == 0
    assert "  O[0,0] = (3 + 1 + 5 + 6) / 4 = 3.75" in text        # the lecture's 3.75


def test_two_channels_give_18(tmp_path):
    code, text, err = run("conv", "--input", "1 2; 3 4 | 5 6; 7 8", "--filter", "1 0; 0 1 | 0 1; 1 0",
                          "--out", str(tmp_path))
    assert code == 0, err
    assert grid_after(text, "O = X (correlate) F =").tolist() == [[18]]
    assert "O[0,0] = (1*1 + 2*0 + 3*0 + 4*1) + (5*0 + 6*1 + 7*1 + 8*0) = 5 + 13 = 18" in text
    # dE/dX[c] reads the filter's channel c: the channel transposition, rotated
    assert grid_after(text, "dE/dX[1] =").tolist() == [[0, 1], [1, 0]]
    assert "  X[1][0,1] feeds O[0,0] (x F[1][0,1])" in text


def test_pool_channels_with_their_own_upstream(tmp_path):
    code, text, err = run("pool", "--input", "1 2; 3 4 | 8 7; 6 5", "--kernel", "2",
                          "--upstream", "1 | 2", "--out", str(tmp_path))
    assert code == 0, err
    assert grid_after(text, "dE/dX[1] =").tolist() == [[2, 0], [0, 0]]
    assert "O[1][0,0] = max(8, 7, 6, 5) = 8" in text


@pytest.mark.parametrize("argv, message", [
    (["conv", "--input", "1 2; 3 4 | 5 6; 7 8", "--filter", "1"],
     "--filter has 1 channel but --input has 2"),
    (["conv", "--input", "1 2; 3 4 | 5 6", "--filter", "1 | 1"], "channels have different shapes (2x2, 1x2)"),
    (["conv", "--input", "1 2; 3 4 |", "--filter", "1 | 1"], "--input: channel 2 is empty"),
    (["conv", "--input", "1|2|3|4|5", "--filter", "1|1|1|1|1"], "5 channels: too many (at most 4)"),
    (["conv", "--input", "1 2 | x 4", "--filter", "1 | 1"],
     "--input channel 2: 'x' in row 1 is not a number"),
    (["conv", "--input", "1 2; 3 4", "--filter", "1", "--upstream", "1 2; 3 4 | 1 1; 1 1"],
     "--upstream has 2 channels, but O has 1"),
    ([*LECTURE, "--symbolic=yes"], "--symbolic takes no value"),
    ([*LECTURE, "--format", "jpg"], "--format must be"),
])
def test_bad_channels_and_options_exit_2(argv, message, tmp_path):
    code, out, err = run(*argv, "--out", str(tmp_path / "o"))
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert out == "" and not (tmp_path / "o").exists()
