"""PDF for slides: vector, fonts embedded, one file per frame; graphviz-pure cannot, and says so."""

import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

import viz
from autograd import Value
from viz import cli

DOT = shutil.which("dot")


def lecture():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    return f


@pytest.mark.skipif(DOT is None, reason="the system Graphviz dot is not installed")
def test_pdf_is_vector_with_embedded_fonts(tmp_path, monkeypatch):
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    out = viz.render(viz.draw(lecture()), tmp_path / "graph.pdf", "pdf")
    data = Path(out).read_bytes()
    assert out.endswith("graph.pdf") and data.startswith(b"%PDF")
    assert b"/FontFile" in data  # the font travels with the slide


@pytest.mark.skipif(DOT is None, reason="the system Graphviz dot is not installed")
def test_cli_writes_one_pdf_per_frame(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    code = cli.main(["explain", "(x + y) * z", "x=-2", "y=5", "z=-4", "--format", "pdf",
                     "--out", str(tmp_path)])
    assert code == 0
    frames = sorted(p.name for p in (tmp_path / "frames").glob("*.pdf"))
    assert frames == ["forward.pdf", "seed.pdf", "step-1.pdf", "step-2.pdf"]
    assert not list(tmp_path.rglob("*.svg")) and not list(tmp_path.rglob("*.png"))
    assert "frames/forward.pdf, frames/seed.pdf, frames/step-1.pdf ... step-2.pdf" in capsys.readouterr().out


def _pure():
    exe = "graphviz-pure.exe" if sys.platform == "win32" else "graphviz-pure"
    found = shutil.which(exe) or (Path(sysconfig.get_path("scripts")) / exe)
    return str(found) if Path(found).is_file() else None


@pytest.mark.skipif(_pure() is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_cannot_write_pdf_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    with pytest.raises(viz.RenderError, match="PDF needs the system Graphviz dot"):
        viz.render(viz.draw(lecture()), tmp_path / "g", "pdf")
    assert (tmp_path / "g.gv").is_file()  # the DOT text is still written


@pytest.mark.skipif(_pure() is None, reason="graphviz-pure is not installed")
def test_cli_pdf_with_graphviz_pure_exits_2_before_printing(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    out = tmp_path / "o"
    code = cli.main(["explain", "x * y", "x=2", "y=3", "--format", "pdf", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 2 and printed.out == "" and printed.err.count("\n") == 1
    assert "--format pdf: PDF needs the system Graphviz dot" in printed.err
    assert not out.exists()  # nothing written: no half run with DOT files only
    assert cli.main(["explain", "x * y", "x=2", "y=3", "--format", "png", "--out", str(out)]) == 0
