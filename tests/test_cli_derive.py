"""chainrule conv / chainrule pool: the printed derivation, the files, and bad input
(exit 2, one line on stderr, no traceback)."""

import io
import subprocess
import sys

import numpy as np
import pytest

from viz.cli import main
from viz.render import find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer")
LECTURE = ["--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4"]


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def grid_after(text, head):
    """The numbers of the grid printed under the line ``head``."""
    lines = text.splitlines()
    k = lines.index(head)
    rows = []
    for line in lines[k + 1:]:
        if not line.startswith("    ") or not line.strip():
            break
        rows.append([float(v) for v in line.split()])
    return np.array(rows)


@needs_renderer
def test_conv_prints_the_lecture_derivation_and_writes_files(tmp_path):
    out = tmp_path / "out"
    code, text, err = run(["conv", *LECTURE, "--upstream", "1 2; -1 1", "--out", str(out)])
    assert code == 0, err
    assert grid_after(text, "O = X (correlate) F =").tolist() == [[37, 47], [67, 77]]
    assert grid_after(text, "dE/dF =").tolist() == [[6, 9], [15, 18]]
    assert grid_after(text, "dE/dX =").tolist() == [[1, 4, 4], [2, 9, 10], [-3, -1, 4]]
    assert "  dE/dX[1,1] = 1*4 + 2*3 - 1*2 + 1*1 = 9" in text
    assert "  dE/dF[0,0] = 1*1 + 2*2 + 4*(-1) + 5*1 = 6" in text
    assert "dE/db (a bias added to O) = the sum of dE/dO: 1 + 2 - 1 + 1 = 3" in text
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert all(p.startswith("out/") for p in written)          # nothing outside --out
    assert "out/stepper.html" in written and "out/stepper-derivation.html" in written
    assert "out/frames/frame-001.svg" in written
    assert 'href="stepper-derivation.html#node=1"' in (out / "stepper.html").read_text()


@needs_renderer
def test_upstream_defaults_to_ones_and_is_printed(tmp_path):
    code, text, _ = run(["conv", *LECTURE, "--out", str(tmp_path)])
    assert code == 0
    assert grid_after(text, "dE/dO (the upstream, ones by default) =").tolist() == [[1, 1], [1, 1]]
    assert grid_after(text, "dE/dF =").tolist() == [[12, 16], [24, 28]]


@needs_renderer
def test_pool_prints_where_each_gradient_goes(tmp_path):
    code, text, err = run(["pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2",
                           "--upstream", "1 2; 3 4", "--out", str(tmp_path)])
    assert code == 0, err
    assert grid_after(text, "O = max_pool2d(X) =").tolist() == [[6, 8], [3, 4]]
    assert "max 8 at (1,3) receives the upstream 2" in text
    assert grid_after(text, "dE/dX =").tolist() == [[0, 0, 0, 0], [0, 1, 0, 2], [3, 0, 0, 0],
                                                    [0, 0, 0, 4]]
    code, text, _ = run(["pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2",
                         "--mode", "avg", "--out", str(tmp_path)])
    assert grid_after(text, "O = avg_pool2d(X) =").tolist() == [[3.25, 5.25], [2, 2]]


CONV_BAD = [
    (["--input", "1 2; 3", "--filter", "1"], "rows have different lengths"),
    (["--input", "1 x; 3 4", "--filter", "1"], "'x' in row 1 is not a number"),
    (["--input", "1 2; 3 __import__('os')", "--filter", "1"], "is not a number"),
    (["--input", "", "--filter", "1"], "--input is empty"),
    (["--input", "1 2;;3 4", "--filter", "1"], "row 2 is empty"),
    (["--input", "; ".join(["1 " * 9] * 9), "--filter", "1"], "9x9: too large"),
    (["--input", "1" + " 1" * 1500, "--filter", "1"], "too long"),
    (["--input", "1 nan; 1 1", "--filter", "1"], "'nan' in row 1 is not a number"),
    (["--input", "1e9 1; 1 1", "--filter", "1"], "finite and at most 1e6"),
    (["--input", "1 2; 3 4", "--filter", "1 2 3; 4 5 6; 7 8 9"], "larger than the padded input"),
    (["--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4", "--dilation", "3"],
     "larger than the padded input"),
    ([*LECTURE, "--stride", "0"], "--stride must be a whole number from 1 to 8"),
    ([*LECTURE, "--stride", "1.5"], "--stride must be a whole number"),
    ([*LECTURE, "--padding", "-1"], "--padding must be a whole number from 0 to 8"),
    ([*LECTURE, "--upstream", "1 2 3; 4 5 6"], "--upstream is 2x3, but O is 2x2"),
    ([*LECTURE, "--padding", "8"], "too large to draw"),
    ([*LECTURE, "--digits", "0"], "--digits must be a whole number from 1 to 17"),
    ([*LECTURE, "--kernel", "2"], "unknown option '--kernel' for chainrule conv"),
    ([*LECTURE, "--stride"], "--stride needs a value"),
    ([*LECTURE, "--stride", "1", "--stride=2"], "--stride is given twice"),
    (["--input", "1 2; 3 4"], "missing --filter"),
    (["--filter", "1"], "missing --input"),
    ([*LECTURE, "extra"], "unexpected argument 'extra'"),
]

POOL_IN = ["--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4"]
POOL_BAD = [
    ([*POOL_IN], "missing --kernel"),
    (["--kernel", "2"], "missing --input"),
    ([*POOL_IN, "--kernel", "5"], "kernel 5x5 is larger than the padded input (4x4)"),
    ([*POOL_IN, "--kernel", "0"], "--kernel must be a whole number from 1 to 8"),
    ([*POOL_IN, "--kernel", "two"], "--kernel must be a whole number"),
    ([*POOL_IN, "--kernel", "2", "--mode", "min"], "--mode must be max or avg"),
    ([*POOL_IN, "--kernel", "2", "--padding", "2"], "at most half the kernel"),
    ([*POOL_IN, "--kernel", "2", "--stride", "9"], "--stride must be a whole number from 1 to 8"),
    ([*POOL_IN, "--kernel", "2", "--upstream", "1 2"], "--upstream is 1x2, but O is 2x2"),
    ([*POOL_IN, "--kernel", "2", "--filter", "1"], "unknown option '--filter' for chainrule pool"),
    ([*POOL_IN, "--kernel", "2", "--upstream", "1 2; 3"], "--upstream: rows have different"),
    (["--input", "1 2; 3 4 5", "--kernel", "1"], "rows have different lengths"),
    (["--input", "1 2; 3:4", "--kernel", "1"], "'3:4' in row 2 is not a number"),  # (commas separate too)
    (["--input", "1 2; inf 4", "--kernel", "1"], "'inf' in row 2 is not a number"),
    (["--input", "; ".join(["0 " * 8] * 10), "--kernel", "1"], "10x8: too large"),
    ([*POOL_IN, "--kernel", "2", "--digits", "x"], "--digits must be a whole number"),
    ([*POOL_IN, "--kernel"], "--kernel needs a value"),
]


@pytest.mark.parametrize("cmd, argv, message",
                         [("conv", a, m) for a, m in CONV_BAD] + [("pool", a, m) for a, m in POOL_BAD])
def test_bad_input_exits_2_with_one_line(cmd, argv, message, tmp_path):
    code, out, err = run([cmd, *argv, "--out", str(tmp_path / "o")])
    assert code == 2, (out, err)
    assert err.count("\n") == 1 and err.startswith("chainrule: error: "), err
    assert message in err, err
    assert "Traceback" not in err and out == ""
    assert not (tmp_path / "o").exists()          # nothing written on bad input


def test_out_that_is_a_file(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    code, _, err = run(["conv", *LECTURE, "--out", str(target)])
    assert code == 2 and "exists and is not a folder" in err


def test_entry_point_exit_status(tmp_path):
    done = subprocess.run([sys.executable, "-m", "viz.cli", "pool", "--input", "1 2; 3", "--kernel", "1"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_help():
    code, out, _ = run(["conv", "--help"])
    assert code == 0 and "usage: chainrule conv" in out


def test_one_digits_range_for_every_command_and_the_api(tmp_path):
    """--digits and digits= take 1 to 17 everywhere (autograd.display.MAX_DIGITS): 17 digits
    print a float64 that reads back exactly; 18 is refused in one line by each."""
    from autograd import Tensor
    from autograd import functional as F
    from viz.derive import derive
    from viz.style import NumberFormat

    tenths = ["--input", "0.1 0.2 0.3; 0.4 0.5 0.6; 0.7 0.8 0.9", "--filter", "1 2; 3 4"]
    code, out, _ = run(["conv", *tenths, "--digits", "17", "--out", str(tmp_path / "a")])
    assert code == 0
    first_output = out.split("O = X (correlate) F =")[1].split()[0]
    assert len(first_output.replace(".", "")) == 17       # 17 significant digits, as asked
    assert float(first_output) == pytest.approx(0.1 * 1 + 0.2 * 2 + 0.4 * 3 + 0.5 * 4, rel=1e-15)
    for cmd in (["conv", *LECTURE], ["pool", "--input", "1 2; 3 4", "--kernel", "2"],
                ["explain", "x * y", "x=1", "y=3"]):
        for bad in ("18", "\u00b2", "1.5", "0"):     # superscript two: isdigit() but not int()
            code, _, err = run([*cmd, "--digits", bad, "--out", str(tmp_path / "b")])
            assert code == 2 and "--digits" in err and len(err.strip().splitlines()) == 1
    x = Tensor(np.full((1, 1, 2, 2), 1 / 3), requires_grad=True)
    y = F.max_pool2d(x, 1)
    y.backward(np.ones(y.shape))
    assert derive(y, digits=17).digits == 17
    for make in (lambda: derive(y, digits=18), lambda: NumberFormat(digits=18)):
        with pytest.raises(ValueError, match="from 1 to 17"):
            make()
