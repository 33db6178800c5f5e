"""chainrule explain: the lecture example, the files it writes, and a table of bad inputs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import run

import autograd
from viz import cli
from viz.parse import MAX_OPS, MAX_USES
from viz.render import find_renderer

ROOT = Path(__file__).resolve().parent.parent
needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def number(text, label):
    return float(re.search(rf"^\s*{re.escape(label)} = (-?[\d.]+)\s*$", text, flags=re.M).group(1))


@needs_renderer
def test_lecture_example(tmp_path):
    code, out, err = run("explain", "(x + y) * z", "x=-2", "y=5", "z=-4", "--out", str(tmp_path))
    assert code == 0, err
    assert err == ""
    # forward values
    assert number(out, "x + y") == 3.0
    assert number(out, "f = (x + y) * z") == -12.0
    # every backward step, as in the lecture
    assert "mul (swap multiplier): [upstream 1] x [local -4] = [downstream -4]  -> x + y" in out
    assert "mul (swap multiplier): [upstream 1] x [local 3] = [downstream 3]  -> z" in out
    assert "add (distributor): [upstream -4] x [local 1] = [downstream -4]  -> x" in out
    assert "add (distributor): [upstream -4] x [local 1] = [downstream -4]  -> y" in out
    # final gradients
    assert (number(out, "df/dx"), number(out, "df/dy"), number(out, "df/dz")) == (-4.0, -4.0, 3.0)
    # the pictures, and the folder named at the end
    assert out.strip().splitlines()[-1].startswith(f"pictures in {tmp_path}/")
    assert (tmp_path / "graph.svg").exists() and (tmp_path / "graph.gv").exists()
    frames = sorted((tmp_path / "frames").glob("step-*.svg"))
    assert len(frames) == 2
    html = (tmp_path / "stepper.html").read_text()
    assert html.count('class="frame"') == 2 + 2  # forward, seed, 2 steps


@needs_renderer
def test_png_format_and_fan_out(tmp_path):
    code, out, err = run("explain", "x*x + exp(y)/x", "x=2", "y=1", "--out", str(tmp_path),
                         "--format", "png")
    assert code == 0, err
    x, y = autograd.Value(2.0), autograd.Value(1.0)
    f = x * x + y.exp() / x
    f.backward()
    assert number(out, "df/dx") == pytest.approx(x.grad, abs=0.006)
    assert number(out, "df/dy") == pytest.approx(y.grad, abs=0.006)
    assert "copy (adder): [upstream 2 + 2 + -0.680] = [downstream 3.32]  -> x" in out
    steps = len(autograd.backprop_steps(f))
    assert len(list((tmp_path / "frames").glob("step-*.png"))) == steps
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"
    # only the requested format (plus the DOT text): no SVG files next to the PNGs
    assert not list(tmp_path.rglob("*.svg"))
    assert (tmp_path / "graph.gv").exists()
    assert out.strip().splitlines()[-1] == (f"pictures in {tmp_path}/ (graph.png, "
                                            "frames/forward.png, frames/seed.png, "
                                            f"frames/step-1.png ... step-{steps}.png, stepper.html)")
    assert (tmp_path / "stepper.html").read_text().count('class="frame"') == steps + 2  # SVG inlined
    # a later svg run does not leave the old graph.png behind
    assert run("explain", "x * y", "x=2", "y=1", "--out", str(tmp_path))[0] == 0
    assert (tmp_path / "graph.svg").exists() and not (tmp_path / "graph.png").exists()


@needs_renderer
def test_stale_frames_are_removed(tmp_path):
    assert run("explain", "x*x + exp(y)/x", "x=2", "y=1", "--out", str(tmp_path))[0] == 0
    assert run("explain", "x * y", "x=2", "y=1", "--out", str(tmp_path))[0] == 0
    assert len(list((tmp_path / "frames").glob("step-*.svg"))) == 1


@needs_renderer
def test_functions_and_constants(tmp_path):
    code, out, _ = run("explain", "-max(a, 2) * relu(b) + tanh(c) - sigmoid(a) / 4 + log(b) ** 2",
                       "a=3", "b=1.5", "c=0.3", "--out", str(tmp_path))
    assert code == 0
    a, b, c = 3.0, 1.5, 0.3
    import math
    f = -max(a, 2) * b + math.tanh(c) - 1 / (1 + math.exp(-a)) / 4 + math.log(b) ** 2
    assert number(out, "f = -max(a, 2) * relu(b) + tanh(c) - sigmoid(a) / 4 + log(b) ** 2") == \
        pytest.approx(f, abs=0.006)
    s = 1 / (1 + math.exp(-a))
    assert number(out, "df/da") == pytest.approx(-b - s * (1 - s) / 4, abs=0.006)
    assert number(out, "df/db") == pytest.approx(-3 + 2 * math.log(b) / b, abs=0.006)
    assert number(out, "df/dc") == pytest.approx(1 - math.tanh(c) ** 2, abs=0.006)


@needs_renderer
def test_single_name_has_no_steps(tmp_path):
    code, out, _ = run("explain", "x", "x=4", "--out", str(tmp_path))
    assert code == 0 and number(out, "df/dx") == 1.0 and "backward (0 steps" in out
    assert "frame" in (tmp_path / "stepper.html").read_text()


BAD = [
    ("__import__('os').system('touch PWNED')", "at column 1"),
    ("__import__('os')", "unknown function '__import__'"),
    ("x.real", "attribute access"),
    ("x.__class__", "attribute access"),
    ("(lambda: 1)()", "direct calls"),
    ("lambda x: x", "lambdas"),
    ("[x for x in y]", "comprehensions"),
    ("open('f')", "unknown function 'open'"),
    ("eval('1')", "unknown function 'eval'"),
    ("(x + 1) ** 1e300", "pow"),
    ("2 ** 10000", "pow"),
    ("+".join(["x"] * 10_000), "too long"),
    ("x" + "*1" * (MAX_OPS + 1), "too large"),
    ("", "empty expression"),
    ("   ", "empty expression"),
    ("(x + y", "never closed"),
    ("x + y)", "syntax error"),
    ("x[0]", "subscripts"),
    ("max(x, y, key=1)", "keyword arguments"),
    ("'abc'", "strings"),
    ("f'{x}'", "f-strings"),
    ("(x := 3)", ":="),
    ("x < y < z", "comparisons"),
    ("True", "True is not a number"),
    ("x and y", "'and' / 'or'"),
    ("x if y else z", "conditional"),
    ("x // y", "'//'"),
    ("x % y", "'%'"),
    ("x @ y", "'@'"),
    ("not x", "'not'"),
    ("1j * x", "complex"),
    ("x ** y", "exponent of ** must be a number"),
    ("exp(x, y)", "exp takes 1 argument"),
    ("max(x)", "2 or more"),
    ("exp", "is a function"),
    ("cbrt(x)", "unknown function 'cbrt'"),
    ("(x, y)", "tuples"),
    ("x; y", "syntax error"),
    ("import os", "syntax error"),
    ("x\ny", "one line"),
    ("1" * 5000, "too long"),
    ("x * w", "no value for 'w'"),
    ("*".join(["x"] * (MAX_OPS + 1)), f"'x' is used {MAX_OPS + 1} times (the limit is {MAX_USES}"),
    ("*".join(["x"] * (MAX_USES + 1)), f"'x' is used {MAX_USES + 1} times"),
    ("*".join(["x", "y"] * 20), "used 40 times in all: 'x' 20 times, 'y' 20 times (the limit is"),
    ("1 + 2", "no variables to differentiate"),
    ("exp(2) * 3", "no variables to differentiate"),
    ("x + y ^ z", "operator '^' is not supported at column 7"),
    ("(x + y)  ^ z", "operator '^' is not supported at column 10"),
    ("x +", "syntax error at column 4"),
    ("x + * y", "syntax error at column 5"),
]


@pytest.mark.parametrize("expr,message", BAD, ids=range(len(BAD)))
def test_bad_expressions_exit_2_with_one_line(expr, message, tmp_path):
    values = [v for v in ("x=1", "y=2", "z=3") if re.search(rf"\b{v[0]}\b", expr)]
    code, out, err = run("explain", expr, *values, "--out", str(tmp_path / "o"))
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("chainrule: error: "), err
    assert message in err
    assert "Traceback" not in err + out
    assert not (tmp_path / "o").exists()  # refused before anything is written
    assert not Path("PWNED").exists()


BAD_VALUES = [
    (["x"], "not name=value"),
    (["x="], "no number after 'x='"),
    (["x=abc"], "x=abc: not a number"),
    (["x=nan"], "finite"),
    (["x=inf"], "finite"),
    (["x=-inf"], "finite"),
    (["x=1", "x=2"], "more than once"),
    (["x=1", "w=2"], "'w' is given a value but the expression does not use it"),
    (["1x=2"], "not a valid name"),
    (["exp=2"], "function name"),
    ([], "no value for 'x'"),
]


@pytest.mark.parametrize("values,message", BAD_VALUES, ids=range(len(BAD_VALUES)))
def test_bad_values_exit_2_with_one_line(values, message):
    code, _, err = run("explain", "x * 2", *values)
    assert code == 2 and err.count("\n") == 1 and message in err, err


MATH = [
    (["log(x)", "x=-1"], "log"),
    (["x / y", "x=1", "y=0"], "division by zero"),
    (["exp(x)", "x=1000"], "exp"),
    (["x * y", "x=1e308", "y=10"], "overflow"),
    (["x ** 0.5", "x=0"], "(in 'x ** 0.5')"),
    (["(x + 1) ** 0.5 * y ** 0.5", "x=1", "y=0"], "(in 'y ** 0.5')"),
    (["exp(y ** 0.5) * x + x", "x=1", "y=0"], "(in 'y ** 0.5')"),  # below gates that passed
    (["x ** 0.5", "x=-1"], "negative base"),
]


@pytest.mark.parametrize("argv,message", MATH, ids=range(len(MATH)))
def test_math_errors_exit_2_with_one_line(argv, message):
    code, _, err = run("explain", *argv)
    assert code == 2 and err.count("\n") == 1 and message in err, err


def test_command_line_errors():
    assert run()[0] == 2
    assert run("frobnicate")[0] == 2
    code, _, err = run("explain", "x", "x=1", "--format", "jpeg")
    assert code == 2 and "svg, png or pdf" in err
    code, _, err = run("explain", "x", "x=1", "--colour")
    assert code == 2 and "unknown option" in err
    code, _, err = run("explain", "x", "x=1", "--out")
    assert code == 2 and "needs a value" in err
    assert run("explain")[0] == 2


def test_version_and_help():
    code, out, _ = run("--version")
    assert code == 0 and re.fullmatch(r"chainrule \d+\.\d+\.\d+\n", out)
    code, out, _ = run("--help")
    assert code == 0 and "chainrule explain" in out and "sigmoid" in out
    code, out, _ = run("explain", "--help")
    assert code == 0 and "--format" in out


@needs_renderer
def test_expression_starting_with_minus_is_not_an_option(tmp_path):
    code, out, _ = run("explain", "-x * y", "x=2", "y=3", "--out", str(tmp_path))
    assert code == 0 and number(out, "df/dx") == -3.0


@needs_renderer
def test_python_dash_m_entry_point(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ok = subprocess.run([sys.executable, "-m", "viz.cli", "explain", "(x + y) * z", "x=-2", "y=5",
                         "z=-4", "--out", str(tmp_path)], capture_output=True, text=True, env=env,
                        cwd=tmp_path)
    assert ok.returncode == 0 and "df/dz = 3" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "viz.cli", "explain", "__import__('os')"],
                         capture_output=True, text=True, env=env, cwd=tmp_path)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "Traceback" not in bad.stderr


def test_missing_renderer_is_one_line_and_keeps_the_dot_files(tmp_path, monkeypatch):
    import viz.stepper  # noqa: F401
    render_module = sys.modules["viz.render"]
    monkeypatch.setattr(render_module, "find_renderer", lambda: None)
    code, out, err = run("explain", "x * y", "x=2", "y=3", "--out", str(tmp_path))
    assert code == 1 and err.count("\n") == 1 and "pip install graphviz-pure" in err
    assert "df/dx = 3" in out  # the explanation is printed first
    assert (tmp_path / "graph.gv").exists()


@needs_renderer
def test_steps_name_every_target(tmp_path):
    # long intermediates get a clipped label, constants their value: every line says where
    code, out, err = run("explain", "1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))", "w0=2", "x0=-1",
                         "w1=-3", "x1=-2", "w2=-3", "--out", str(tmp_path))
    assert code == 0, err
    steps = out.split("backward (")[1].split("gradients")[0].strip().splitlines()[1:]
    assert len(steps) == 14
    assert all("  -> " in line for line in steps), steps
    div = [line for line in steps if "div (" in line]
    assert div[0].endswith("-> 1")
    assert re.search(r"-> 1 \+ exp\(-\(w0\*x0[^)]*\.\.\.$", div[1]), div[1]
    assert "(add)" not in out


@needs_renderer
def test_a_variable_named_f_does_not_collide_with_the_output(tmp_path):
    code, out, err = run("explain", "x * f", "x=2", "f=3", "--out", str(tmp_path))
    assert code == 0, err
    assert out.splitlines()[0].startswith("out = x * f")
    assert (number(out, "dout/dx"), number(out, "dout/df")) == (3.0, 2.0)
    assert number(out, "f") == 3.0 and number(out, "out = x * f") == 6.0
    assert "df/df" not in out and "f = f" not in out
    code, out, _ = run("explain", "f", "f=1", "--out", str(tmp_path))
    assert code == 0 and number(out, "dout/df") == 1.0 and "f = f" not in out


def test_out_that_is_a_file_is_refused_before_anything_is_printed(tmp_path):
    target = tmp_path / "taken"
    target.write_text("mine")
    for out_dir in (target, target / "sub"):
        code, out, err = run("explain", "x * y", "x=2", "y=3", "--out", str(out_dir))
        assert code == 2 and out == "", out
        assert err.count("\n") == 1 and ("is not a folder" in err or "cannot create" in err), err
    assert target.read_text() == "mine"
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "frames").write_text("")
    code, out, err = run("explain", "x * y", "x=2", "y=3", "--out", str(tmp_path / "o"))
    assert code == 2 and out == "" and "frames" in err and err.count("\n") == 1


def _count_backward_passes(monkeypatch):
    """A list that gets one item per Value.backward() call."""
    calls, backward = [], autograd.Value.backward
    monkeypatch.setattr(autograd.Value, "backward",
                        lambda v, *a, **k: calls.append(v) or backward(v, *a, **k))
    return calls


def test_a_failing_gate_is_found_from_one_backward_pass(monkeypatch):
    backwards, recordings, record = _count_backward_passes(monkeypatch), [], cli.backprop_steps
    monkeypatch.setattr(cli, "backprop_steps", lambda root: recordings.append(root) or record(root))
    code, _, err = run("explain", "exp(y ** 0.5) * x + x", "x=1", "y=0")
    assert code == 2 and "(in 'y ** 0.5')" in err
    assert len(backwards) == 1 and recordings == []  # no step-by-step re-run per gate


@needs_renderer
def test_gradients_are_read_from_one_backward_pass(monkeypatch, tmp_path):
    backwards = _count_backward_passes(monkeypatch)
    code, out, err = run("explain", "x*x + exp(y)/x", "x=2", "y=1", "--out", str(tmp_path))
    assert code == 0, err
    assert len(backwards) == 1
    assert number(out, "df/dx") == pytest.approx(4 - np.e / 4, abs=0.006)
    assert number(out, "df/dy") == pytest.approx(np.e / 2, abs=0.006)
