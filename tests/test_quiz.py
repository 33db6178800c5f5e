"""chainrule quiz / viz.quiz: deterministic per seed, right answers, no kinks, clear errors."""

import html
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import run

import autograd
from viz.parse import build
from viz.quiz import LEVELS, generate, write_quiz
from viz.render import find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


@pytest.mark.parametrize("level", LEVELS)
def test_deterministic_per_seed(level):
    a, b, c = generate(level, 4, seed=7), generate(level, 4, seed=7), generate(level, 4, seed=8)
    key = lambda exs: [(e.title, {n: np.asarray(g).tolist() for n, g in e.answers.items()}) for e in exs]
    assert key(a) == key(b)
    assert key(a) != key(c)


def _finite_difference(expr, values, name, h=1e-6):
    f = lambda v: build(expr, v).root.data
    up, down = dict(values), dict(values)
    up[name] += h
    down[name] -= h
    return (f(up) - f(down)) / (2 * h)


def test_scalar_answers_match_finite_differences():
    for ex in generate("scalar", 20, seed=3):
        expr, given = ex.title[len("f = "):].split("   with ")
        values = {k: float(v) for k, v in (p.split("=") for p in given.split(", "))}
        for name, g in ex.answers.items():
            assert g == pytest.approx(_finite_difference(expr, values, name), rel=1e-5, abs=1e-8)


def test_scalar_exercises_avoid_kinks_and_absurd_magnitudes():
    for seed in range(10):
        for ex in generate("scalar", 10, seed=seed):
            for n in autograd.topological_order(ex.root):
                assert abs(n.data) <= 50
                if n.op == "relu":
                    assert abs(n.parents[0].data) >= 0.25
                if n.op == "max":
                    assert abs(n.parents[0].data - n.parents[1].data) >= 0.5
            assert all(g == 0 or 1e-3 <= abs(g) <= 50 for g in ex.answers.values())


def test_tensor_answers_by_hand():
    for ex in generate("matmul", 5, seed=1):
        x, w, g = ex.leaves["x"].data, ex.leaves["W"].data, ex.grad.data
        np.testing.assert_allclose(ex.answers["x"], g @ w.T)
        np.testing.assert_allclose(ex.answers["W"], x.T @ g)
    for ex in generate("conv", 5, seed=1):
        x, w, g = ex.leaves["x"].data[0, 0], ex.leaves["w"].data[0, 0], ex.grad.data[0, 0]
        dx, dw = np.zeros_like(x), np.zeros_like(w)
        for i in range(2):
            for j in range(2):  # each output pixel sends g[i, j] * w to its window, g * window to w
                dx[i:i + 2, j:j + 2] += g[i, j] * w
                dw += g[i, j] * x[i:i + 2, j:j + 2]
        np.testing.assert_allclose(ex.answers["x"][0, 0], dx)
        np.testing.assert_allclose(ex.answers["w"][0, 0], dw)
    for ex in generate("pool", 5, seed=1):
        x, g = ex.leaves["x"].data[0, 0], ex.grad.data[0, 0]
        assert len(np.unique(x)) == 16  # no ties: every window has one winner
        dx = np.zeros_like(x)
        for i in range(2):
            for j in range(2):
                win = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
                r, c = np.unravel_index(win.argmax(), win.shape)
                dx[2 * i + r, 2 * j + c] = g[i, j]
        np.testing.assert_allclose(ex.answers["x"][0, 0], dx)
    for ex in generate("vector", 5, seed=1):
        x, w = ex.leaves["x"].data, ex.leaves["w"].data
        assert np.all(np.abs(x * w) >= 0.5)  # relu's kink is far
        if "relu" in ex.title:
            on = (x * w > 0).astype(float)
            np.testing.assert_allclose(ex.answers["x"], on * w)
        else:
            np.testing.assert_allclose(ex.answers["x"], w + 1)


@needs_renderer
def test_cli_writes_quiz_sheet_and_key(tmp_path):
    code, out, err = run("quiz", "--level", "scalar", "--count", "2", "--seed", "5", "--out", str(tmp_path))
    assert code == 0, err
    assert out.startswith(f"2 scalar exercises (seed 5) in {tmp_path}/ (quiz.html, sheet.html, answers.html")
    quiz = (tmp_path / "quiz.html").read_text()
    sheet = (tmp_path / "sheet.html").read_text()
    key = (tmp_path / "answers.html").read_text()
    assert quiz.count('class="chainrule-stepper') == 2 and 'class="answer"' in quiz
    assert "[downstream ?]" in quiz
    assert "@media print" in sheet and sheet.count("class='blank'") >= 4
    exs = generate("scalar", 2, seed=5)
    for ex in exs:
        assert ex.title.split("   ")[0] in sheet
        for name, g in ex.answers.items():
            assert re.search(rf"df/d{name} = {re.escape(autograd.display.format_value(g))}\b", key)
    assert "[downstream" not in sheet and "[downstream -" not in quiz  # no answer given away



@needs_renderer
def test_same_seed_writes_the_same_pages(tmp_path):
    """Byte for byte: a teacher can regenerate a sheet, and the steppers' ids are unique on the
    page without being random."""
    pages = [write_quiz(generate("vector", 2, seed=4), tmp_path / d, "vector", 4) for d in "ab"]
    for a, b in zip(*pages):
        assert Path(a).read_bytes() == Path(b).read_bytes(), Path(a).name
    quiz = Path(pages[0][0]).read_text()
    ids = re.findall(r'class="chainrule-stepper[^"]*" id="([^"]+)"', quiz)
    assert len(ids) == len(set(ids)) == 2

@pytest.mark.parametrize("argv, message", [
    ([], "--level is required"),
    (["--level", "tensor", "--out", "x"], "--level must be one of"),
    (["--level", "scalar"], "--out DIR is required"),
    (["--level", "scalar", "--count", "0", "--out", "x"], "--count must be a whole number"),
    (["--level", "scalar", "--count", "many", "--out", "x"], "--count must be a whole number"),
    (["--level", "scalar", "--count", "99", "--out", "x"], "--count must be a whole number"),
    (["--level", "scalar", "--seed", "-1", "--out", "x"], "--seed must be a whole number"),
    (["--level", "scalar", "--out", "x", "--colour"], "unknown option"),
    (["--level"], "--level needs a value"),
    (["--level", "scalar", "--level=pool", "--out", "x"], "--level is given twice"),
    (["--level", "pool", "--seed", "1", "--seed", "2", "--out", "x"], "--seed is given twice"),
])
def test_bad_options_exit_2_with_one_line(argv, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run("quiz", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "x").exists()  # nothing written on a bad command line


def test_out_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    code, _, err = run("quiz", "--level", "pool", "--out", str(tmp_path / "f"))
    assert code == 2 and "not a folder" in err


def test_without_chromium_the_missing_pdfs_are_one_line(tmp_path, monkeypatch):
    import viz.cli_quiz
    monkeypatch.setattr(viz.cli_quiz, "find_chromium", lambda: None)
    code, out, err = run("quiz", "--level", "scalar", "--count", "1", "--out", str(tmp_path))
    assert code == 0 and "sheet.html" in out and ".pdf" not in out
    assert err.count("\n") == 1 and "sheet.pdf, answers.pdf not made: printing the sheets to PDF needs " \
        "Chromium" in err
    assert not list(tmp_path.glob("*.pdf"))


def test_a_sheet_chromium_fails_to_print_is_named(tmp_path, monkeypatch):
    import viz.cli_quiz

    def fail(*_args, **_kw):
        raise RuntimeError("chromium could not print the PDF (exit 1)")
    monkeypatch.setattr(viz.cli_quiz, "find_chromium", lambda: "/bin/false")
    monkeypatch.setattr(viz.cli_quiz, "print_html", fail)
    code, _, err = run("quiz", "--level", "scalar", "--count", "1", "--out", str(tmp_path))
    assert code == 1 and err.count("\n") == 1
    assert err.startswith("chainrule: error: no sheet.pdf, answers.pdf: chromium could not print "
                          "the PDF (exit 1)")

# ---------------------------------------------------------------- the answer key, hanging Chromium

_PRODUCT = re.compile(r"\[upstream (\S+)\] x \[local (\S+)\] = \[downstream (\S+)\]  -> (.+)$", re.M)
_SUM = re.compile(r"\[upstream ([^\]]+)\] = \[downstream (\S+)\]  -> (.+)$", re.M)


@needs_renderer
def test_the_answer_key_shows_every_downstream_value(tmp_path):
    """answers.html showed every backward step as [downstream ?]. Each step of the key must
    multiply (or add) out, and the gradient it sends each input must be the derivative found
    by finite differences."""
    out = str(tmp_path / "q")
    code, _, err = run("quiz", "--level", "scalar", "--count", "3", "--seed", "3", "--out", out)
    assert code == 0, err
    key = html.unescape((tmp_path / "q" / "answers.html").read_text())
    assert "?" not in key.replace("<?", "")
    blocks = re.findall(r"<h2>Exercise \d: f = (.*?)   with (.*?)</h2><pre>.*?</pre><pre>(.*?)</pre>",
                        key, re.S)
    assert len(blocks) == 3
    for expr, given, steps in blocks:
        values = {k: float(v) for k, v in (p.split("=") for p in given.split(", "))}
        tree = build(expr, values)
        gates = [n for n in autograd.topological_order(tree.root) if not n.is_leaf]
        products, sums = _PRODUCT.findall(steps), _SUM.findall(steps)
        assert len(products) == sum(len(n.parents) for n in gates)   # one line per input of a gate
        for u, loc, d, _ in products:
            assert float(d) == pytest.approx(float(u) * float(loc), rel=2e-2, abs=1e-9)
        for parts, total, _ in sums:
            assert float(total) == pytest.approx(sum(float(p) for p in parts.split(" + ")), rel=2e-2)
        sent = {}
        for *_, d, to in products:
            sent.setdefault(to, []).append(float(d))
        for _, total, to in sums:
            sent.setdefault(to, []).append(float(total))
        for name in values:
            want = _finite_difference(expr, values, name)
            assert any(g == pytest.approx(want, rel=1e-2, abs=1e-6) for g in sent[name]), (name, sent)


@needs_renderer
def test_a_hanging_chromium_is_stopped_and_named_in_one_line(tmp_path, monkeypatch):
    """With a Chromium that never returns, quiz waited 2 x 120 s and exited 0 without its PDFs
    or a word. It must stop at its deadline, say which PDFs are missing, and leave no stale
    PDF from an earlier run beside the new pages."""
    import viz.cli_quiz as cli_quiz
    fake = tmp_path / "bin" / "chromium"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nsleep 600 &\nsleep 600\n")   # a child too: the whole group is killed
    fake.chmod(0o755)
    monkeypatch.setattr(cli_quiz, "find_chromium", lambda: str(fake))
    monkeypatch.setattr(cli_quiz, "PDF_SECONDS", 1)
    out = tmp_path / "q"
    out.mkdir()
    (out / "sheet.pdf").write_bytes(b"%PDF- an old sheet")
    code, stdout, err = run("quiz", "--level", "scalar", "--count", "1", "--out", str(out))
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith("chainrule: error: no sheet.pdf, answers.pdf: "), err
    assert "took more than 1 s" in err and "the HTML pages are written" in err
    assert stdout.endswith("(quiz.html, sheet.html, answers.html)\n")
    assert sorted(p.name for p in out.iterdir()) == ["answers.html", "quiz.html", "sheet.html"]
