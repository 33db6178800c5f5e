"""chainrule mistakes, and --mistake NAME on explain, conv and pool (viz/cli_mistakes.py)."""

import re
from pathlib import Path

import pytest
from helpers import run

from viz.render import find_renderer

SEVEN = ["overwrite", "no-topo", "twice", "no-unbroadcast", "pool-overwrite", "no-flip", "mean-no-divide"]
needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def test_mistakes_lists_the_classic_wrong_backprops_one_line_each():
    code, out, err = run("mistakes")
    assert code == 0 and err == ""
    for name in SEVEN:
        lines = [line for line in out.splitlines() if line.split()[:1] == [name]]
        assert len(lines) == 1, name
        sentence = lines[0].split(None, 1)[1]
        assert len(sentence.split()) >= 8, name     # a sentence, not a word


def test_mistakes_name_shows_the_real_rule_and_a_command():
    code, out, _ = run("mistakes", "no-flip")
    assert code == 0
    assert "the real rule: autograd/ops/conv.py" in out
    assert 'try: chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" --mistake no-flip' in out


@needs_renderer
def test_explain_overwrite_prints_both_gradients_and_where_they_first_differ(tmp_path):
    code, out, err = run("explain", "x*x + x", "x=3", "--mistake", "overwrite", "--out", str(tmp_path))
    assert code == 0, err
    # by hand: f = x*x + x, df/dx = 2x + 1 = 7; with = at the copy gate x keeps the last of its
    # parts 1 (from +), 3 and 3 (from *, one per input): 3
    assert "right engine: df/dx = 7" in out
    assert "wrong engine: df/dx = 3" in out
    assert re.search(r"^  df/dx +7 +3 +<- first difference$", out, flags=re.M)
    assert "first difference, in backprop order: x (right df/dx = 7, wrong df/dx = 3)" in out
    assert "right engine: passes" in out and "wrong engine: fails: df/dx: analytic 3 vs numerical 7" in out
    written = {p.name for p in tmp_path.iterdir()}
    assert written >= {"mistake.html", "right.svg", "wrong.svg", "right.gv", "wrong.gv"}
    page = (tmp_path / "mistake.html").read_text(encoding="utf-8")
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page
    assert "wrong engine: overwrite" in page and "<svg" in page
    # the wrong engine's copy step never claims 3 + 3 + 1 = 3; the right one's adds up
    assert "[upstream 3 + 3 + 1] -&gt; [downstream 3] (not their sum)" in page
    assert "3 + 3 + 1 \u2260 3" in page and "3 + 3 + 1 = 7" in page and "3 + 3 + 1 = 3" not in page


@needs_renderer
def test_conv_no_flip_prints_both_input_gradient_maps_and_where_they_differ(tmp_path):
    code, out, err = run("conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4",
                         "--mistake", "no-flip", "--out", str(tmp_path))
    assert code == 0, err
    # by hand, upstream ones: right dE/dX = the full convolution with F = [[1, 3, 2], [4, 10, 6],
    # [3, 7, 4]] (each pixel sums the filter entries that met it); wrong: the padded ones
    # correlated with F itself, [[4, 7, 3], [6, 10, 4], [2, 3, 1]]
    block = out[out.index("  dE/dX   <- first difference"):]
    rows = [[int(v) for v in line.split()] for line in block.splitlines()[2:5]]
    assert rows == [[1, 3, 2, 4, 7, 3], [4, 10, 6, 6, 10, 4], [3, 7, 4, 2, 3, 1]]
    assert "dE/dF: the same" in out
    assert "first difference, in backprop order: X" in out
    assert "8 of 9 entries differ; the first, X[0, 0]: right 1, wrong 4" in out
    assert "right engine: passes" in out and "wrong engine: fails: dE/dX[" in out
    assert (tmp_path / "mistake.html").is_file() and (tmp_path / "wrong.svg").is_file()


@needs_renderer
def test_pool_mistakes(tmp_path):
    code, out, err = run("pool", "--input", "1 2 1; 2 9 2; 1 2 1", "--kernel", "2", "--stride", "1",
                         "--mistake", "pool-overwrite", "--out", str(tmp_path / "max"))
    assert code == 0, err
    # the 9 wins all four windows: right 1 + 1 + 1 + 1 = 4 (upstream ones), wrong one part
    assert "1 of 9 entries differ; the first, X[1, 1]: right 4, wrong 1" in out
    code, out, err = run("pool", "--input", "1 2; 3 4", "--kernel", "2", "--mode", "avg",
                         "--mistake", "mean-no-divide", "--out", str(tmp_path / "avg"), "--format", "png")
    assert code == 0, err
    assert "4 of 4 entries differ; the first, X[0, 0]: right 0.25, wrong 1" in out   # 1/4 vs 1
    assert (tmp_path / "avg" / "wrong.png").is_file()


@needs_renderer
def test_a_mistake_that_does_not_show_says_so(tmp_path):
    code, out, _ = run("explain", "x*y", "x=2", "y=3", "--mistake", "overwrite", "--out", str(tmp_path))
    assert code == 0
    assert "the engines agree on this graph: overwrite changes a gradient only with a node used more" in out
    assert "both pass" in out


@pytest.mark.parametrize("argv", [
    ["explain", "x*x", "x=3", "--mistake", "nope"],
    ["explain", "x*x", "x=3", "--mistake=\x1b[31mred"],
    ["conv", "--input", "1 2; 3 4", "--filter", "1", "--mistake", "flip"],
    ["pool", "--input", "1 2; 3 4", "--kernel", "2", "--mistake", ""],
    ["mistakes", "nope"],
    ["mistakes", "overwrite", "twice"],
    ["explain", "x*x", "x=3", "--mistake", "overwrite", "--deck"],
    ["conv", "--input", "1 2; 3 4", "--filter", "1", "--mistake", "no-flip", "--symbolic"],
    ["pool", "--input", "1 2; 3 4", "--kernel", "2", "--mistake", "mean-no-divide", "--format", "tex"],
])
def test_bad_mistake_options_are_one_line_exit_2(argv, tmp_path):
    code, out, err = run(*argv, "--out", str(tmp_path / "out")) if argv[0] != "mistakes" else run(*argv)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("chainrule: error: ")
    assert "\x1b" not in err
    assert not (tmp_path / "out").exists()


def test_unknown_mistake_names_the_known_ones():
    _, _, err = run("explain", "x*x", "x=3", "--mistake", "nope")
    assert err.strip() == ("chainrule: error: --mistake: unknown mistake 'nope' (known: "
                           + ", ".join(SEVEN) + ")")


@pytest.mark.parametrize("argv", [["explain", "--help"], ["conv", "--help"], ["pool", "--help"]])
def test_mistake_is_in_the_help(argv):
    code, out, _ = run(*argv)
    assert code == 0 and "--mistake NAME" in out


@needs_renderer
def test_the_output_shown_in_the_docs_is_the_output(tmp_path, monkeypatch):
    page = (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text(encoding="utf-8")
    command = '$ chainrule explain "x*x + x" x=3 --mistake overwrite --out mistakes-out\n'
    shown = page[page.index(command) + len(command):]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("explain", "x*x + x", "x=3", "--mistake", "overwrite", "--out", "mistakes-out")
    assert code == 0 and out == shown[:shown.index("```")]
