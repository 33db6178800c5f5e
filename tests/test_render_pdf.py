"""PDF for slides: vector, fonts embedded, one file per frame; with the system dot, or
graphviz-pure's SVG printed by headless Chromium; without either, one line saying so."""

import re
import shutil
import subprocess
import sys
import sysconfig
import zlib
from pathlib import Path

import pytest

import viz
import viz.pdf
import viz.pdf_lib
from autograd import Value
from viz import cli
from viz.render import pipe

DOT = shutil.which("dot")
CHROMIUM = viz.pdf.find_chromium()


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


def _explain_writes_pdf_frames_only(out):
    """chainrule explain --format pdf: one PDF per frame, and no SVG or PNG left behind."""
    code = cli.main(["explain", "(x + y) * z", "x=-2", "y=5", "z=-4", "--format", "pdf",
                     "--out", str(out)])
    assert code == 0
    frames = sorted(p.name for p in (out / "frames").glob("*.pdf"))
    assert frames == ["forward.pdf", "seed.pdf", "step-1.pdf", "step-2.pdf"]
    assert not list(out.rglob("*.svg")) and not list(out.rglob("*.png"))


@pytest.mark.skipif(DOT is None, reason="the system Graphviz dot is not installed")
def test_cli_writes_one_pdf_per_frame(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    _explain_writes_pdf_frames_only(tmp_path)
    assert "frames/forward.pdf, frames/seed.pdf, frames/step-1.pdf ... step-2.pdf" in capsys.readouterr().out


def _pure():
    exe = "graphviz-pure.exe" if sys.platform == "win32" else "graphviz-pure"
    found = shutil.which(exe) or (Path(sysconfig.get_path("scripts")) / exe)
    return str(found) if Path(found).is_file() else None


def _no_chromium_no_extra(monkeypatch):
    monkeypatch.setattr(viz.pdf, "find_chromium", lambda: None)
    monkeypatch.setattr(viz.pdf_lib, "available", lambda: False)


@pytest.mark.skipif(_pure() is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_without_chromium_cannot_write_pdf_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    _no_chromium_no_extra(monkeypatch)
    with pytest.raises(viz.RenderError, match=r"PDF needs the system Graphviz dot, Chromium or the pdf "
                       r"extra .*apt install graphviz\), Chromium \(e.g. apt install chromium\) or "
                       r"pip install 'chainrule\[pdf\]'$"):
        viz.render(viz.draw(lecture()), tmp_path / "g", "pdf")
    assert (tmp_path / "g.gv").is_file()  # the DOT text is still written


@pytest.mark.skipif(_pure() is None, reason="graphviz-pure is not installed")
def test_cli_pdf_with_graphviz_pure_without_chromium_exits_2_before_printing(tmp_path, monkeypatch,
                                                                             capsys):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    _no_chromium_no_extra(monkeypatch)
    out = tmp_path / "o"
    code = cli.main(["explain", "x * y", "x=2", "y=3", "--format", "pdf", "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 2 and printed.out == "" and printed.err.count("\n") == 1
    assert "--format pdf: PDF needs the system Graphviz dot, Chromium or the pdf extra" in printed.err
    assert not out.exists()  # nothing written: no half run with DOT files only
    assert cli.main(["explain", "x * y", "x=2", "y=3", "--format", "png", "--out", str(out)]) == 0


def _streams(data):
    """The decompressed content of every Flate stream of a PDF."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            out.append(zlib.decompress(m.group(1)))
        except zlib.error:
            out.append(m.group(1))
    return out


def _check_one_tight_vector_page(pdf, svg, words=(), tmp=None):
    """One page the SVG's size, text drawn as text in an embedded font (not a picture);
    ``words`` read back from the PDF where pdftotext (poppler) is installed."""
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    (box,) = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
    x0, y0, w, h = map(float, box.split())
    assert (x0, y0) == (0, 0)
    assert (w, h) == pytest.approx(viz.pdf.svg_size(svg), abs=0.5)
    assert b"/FontFile" in pdf and not re.search(rb"/Subtype\s*/Image", pdf)
    assert any(b"BT" in s and (b"Tj" in s or b"TJ" in s) for s in _streams(pdf))
    if words and shutil.which("pdftotext"):
        (tmp / "read.pdf").write_bytes(pdf)
        text = subprocess.run(["pdftotext", str(tmp / "read.pdf"), "-"], capture_output=True,
                              text=True, timeout=60, check=True).stdout
        for word in words:
            assert word in text


needs_pure_and_chromium = pytest.mark.skipif(
    _pure() is None or CHROMIUM is None, reason="needs graphviz-pure and Chromium")


@needs_pure_and_chromium
def test_graphviz_pure_pdf_is_one_tight_vector_page(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    f = lecture()
    f.backward()
    drawing = viz.draw(f)
    out = viz.render(drawing, tmp_path / "graph", "pdf")
    assert out == str(tmp_path / "graph.pdf") and (tmp_path / "graph.gv").is_file()
    svg = Path(viz.render(drawing, tmp_path / "graph", "svg")).read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.gv", "graph.pdf", "graph.svg"]
    in_memory = pipe(drawing.source, "pdf")  # the same route, nothing written
    _check_one_tight_vector_page(in_memory, svg)
    _check_one_tight_vector_page(Path(out).read_bytes(), svg, ["swap multiplier", "-12"], tmp_path)


@needs_pure_and_chromium
def test_graphviz_pure_pdf_follows_each_drawing_size(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    a = Value(1.5, "a")
    wide = viz.draw(a * a + a.tanh() * 3, rankdir="LR", legend=False)
    tall = viz.draw(a.exp(), rankdir="TB", legend=False)
    outs = viz.render_many([wide, tall], [tmp_path / "wide", tmp_path / "tall"], "pdf")
    svgs = viz.render_many([wide, tall], [tmp_path / "wide", tmp_path / "tall"], "svg")
    sizes = [viz.pdf.svg_size(Path(s).read_text(encoding="utf-8")) for s in svgs]
    assert sizes[0] != pytest.approx(sizes[1], abs=5)  # two really different pages
    for out, svg in zip(outs, svgs):
        _check_one_tight_vector_page(Path(out).read_bytes(), Path(svg).read_text(encoding="utf-8"))


@needs_pure_and_chromium
def test_cli_pdf_with_graphviz_pure_and_chromium(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    _explain_writes_pdf_frames_only(tmp_path)
    for pdf in [tmp_path / "graph.pdf", *(tmp_path / "frames").glob("*.pdf")]:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", data)) == 1
    assert "graph.pdf" in capsys.readouterr().out


@pytest.mark.skipif(_pure() is None or not viz.pdf_lib.available(),
                    reason="needs graphviz-pure and the pdf extra")
def test_graphviz_pure_without_chromium_prints_pdf_with_the_pdf_extra(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    monkeypatch.setattr(viz.pdf, "find_chromium", lambda: None)
    f = lecture()
    f.backward()
    drawing = viz.draw(f)
    out = viz.render(drawing, tmp_path / "graph", "pdf")
    svg = Path(viz.render(drawing, tmp_path / "graph", "svg")).read_text(encoding="utf-8")
    pdf = Path(out).read_bytes()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    (box,) = re.findall(rb"/MediaBox\s*\[([^\]]*)\]", pdf)
    assert [float(v) for v in box.split()[2:]] == pytest.approx(viz.pdf.svg_size(svg), abs=1)
    if shutil.which("pdftotext"):   # text stays text: the words read back
        text = subprocess.run(["pdftotext", out, "-"], capture_output=True, text=True, check=True).stdout
        assert "swap multiplier" in text and "-12" in text
    code = cli.main(["explain", "x * y", "x=2", "y=3", "--format", "pdf", "--out", str(tmp_path / "o")])
    assert code == 0 and (tmp_path / "o" / "frames" / "step-1.pdf").read_bytes().startswith(b"%PDF")


def test_svg_size_reads_pt_px_and_in_and_refuses_none():
    assert viz.pdf.svg_size('<svg width="91pt" height="133.5pt" viewBox="0 0 91 133">') == (91, 133.5)
    assert viz.pdf.svg_size('<svg height="1in" width="40px">') == (30, 72)
    with pytest.raises(ValueError, match="no height"):
        viz.pdf.svg_size('<svg width="10pt"><rect height="3pt"/></svg>')
    page = viz.pdf.page_html('<svg width="91pt" height="133.5pt"></svg>')
    assert "@page { size: 91pt 133.5pt; margin: 0 }" in page


def test_chromium_failure_is_one_line(tmp_path, monkeypatch):
    if _pure() is None:
        pytest.skip("graphviz-pure is not installed")
    monkeypatch.setenv("CHAINRULE_DOT", _pure())
    monkeypatch.setattr(viz.pdf, "find_chromium", lambda: shutil.which("false") or "/bin/false")
    with pytest.raises(viz.RenderError, match=r"^PDF from graphviz-pure's SVG: false could not "
                                              r"print the PDF \(exit 1\)$"):
        viz.render(viz.draw(lecture()), tmp_path / "g", "pdf")
    assert not (tmp_path / "g.pdf").exists()
