"""viz.render: system dot, graphviz-pure with dot hidden, CHAINRULE_DOT, and no renderer at all."""

import importlib
import os
import shutil
import stat
import sys
import sysconfig
from pathlib import Path

import pytest

import viz
from autograd import Value

R = importlib.import_module("viz.render")  # the module (viz.render is also the function)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def svg_text(path):
    return Path(path).read_text().replace("&#45;", "-")


def lecture_drawing():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    f.backward()
    return viz.draw(f)


def graphviz_pure():
    found = shutil.which("graphviz-pure")
    candidate = Path(sysconfig.get_path("scripts")) / "graphviz-pure"
    if candidate.is_file():
        return str(candidate)
    return found


def hide_path(monkeypatch, tmp_path, keep=None):
    """PATH without any `dot` (optionally with one named executable linked in)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    if keep:
        (bin_dir / Path(keep).name).symlink_to(keep)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)


def check_outputs(tmp_path, name):
    svg = viz.render(lecture_drawing(), tmp_path / name, "svg")
    png = viz.render(lecture_drawing(), tmp_path / name, "png")
    assert svg == str(tmp_path / f"{name}.svg") and png == str(tmp_path / f"{name}.png")
    text = svg_text(svg)
    assert "<svg" in text and ">-12<" in text and ">-4<" in text
    assert Path(png).read_bytes()[:8] == PNG_MAGIC
    assert (tmp_path / f"{name}.gv").read_text() == lecture_drawing().source


@pytest.mark.skipif(shutil.which("dot") is None, reason="system Graphviz `dot` is not installed")
def test_system_dot_renders_svg_and_png(tmp_path, monkeypatch):
    monkeypatch.delenv("CHAINRULE_DOT", raising=False)
    assert R.find_renderer() == shutil.which("dot")
    check_outputs(tmp_path, "lecture")


@pytest.mark.skipif(graphviz_pure() is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_renders_when_dot_is_hidden(tmp_path, monkeypatch):
    # empty PATH: graphviz-pure must be found next to this Python (sysconfig scripts)
    hide_path(monkeypatch, tmp_path)
    if not (Path(sysconfig.get_path("scripts")) / "graphviz-pure").is_file():
        pytest.skip("graphviz-pure is not in this Python's scripts directory")
    assert Path(R.find_renderer()).name == "graphviz-pure"
    check_outputs(tmp_path, "pure")
    assert shutil.which("dot") is None  # nothing named dot was put on PATH


@pytest.mark.skipif(graphviz_pure() is None, reason="graphviz-pure is not installed")
def test_graphviz_pure_on_path(tmp_path, monkeypatch):
    hide_path(monkeypatch, tmp_path, keep=graphviz_pure())
    assert R.find_renderer() == str(tmp_path / "bin" / "graphviz-pure")
    check_outputs(tmp_path, "onpath")


def test_chainrule_dot_names_another_renderer(tmp_path, monkeypatch):
    fake = tmp_path / "my-dot"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "out = sys.argv[sys.argv.index('-o') + 1]\n"
                    "open(out, 'w').write('<svg>fake ' + ' '.join(sys.argv[1:2]) + '</svg>')\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CHAINRULE_DOT", str(fake))
    out = viz.render(lecture_drawing(), tmp_path / "g", "svg")
    assert Path(out).read_text() == "<svg>fake -Tsvg</svg>"


def test_chainrule_dot_that_does_not_exist_is_one_clear_line(tmp_path, monkeypatch):
    monkeypatch.setenv("CHAINRULE_DOT", str(tmp_path / "nope"))
    with pytest.raises(R.RenderError) as e:
        viz.render(lecture_drawing(), tmp_path / "g")
    assert "CHAINRULE_DOT" in str(e.value) and "\n" not in str(e.value)
    assert (tmp_path / "g.gv").exists()


def no_renderer(monkeypatch, tmp_path):
    hide_path(monkeypatch, tmp_path)
    monkeypatch.setattr(R.sysconfig, "get_path", lambda key: str(tmp_path / "none"))
    monkeypatch.setattr(R.sys, "executable", str(tmp_path / "none" / "python"))


def test_no_renderer_keeps_the_dot_file_and_says_how_to_get_one(tmp_path, monkeypatch):
    no_renderer(monkeypatch, tmp_path)
    assert R.find_renderer() is None
    with pytest.raises(R.RenderError) as e:
        viz.render(lecture_drawing(), tmp_path / "out" / "graph.svg")
    msg = str(e.value)
    assert "\n" not in msg and "pip install graphviz-pure" in msg and "graph.gv" in msg
    assert (tmp_path / "out" / "graph.gv").read_text().startswith("digraph")


def test_jupyter_display_uses_the_same_renderer(tmp_path, monkeypatch):
    d = lecture_drawing()
    if R.find_renderer() is None:
        pytest.skip("no renderer installed")
    bundle = d._repr_mimebundle_()
    svg = bundle["image/svg+xml"].replace("&#45;", "-")
    assert svg.startswith("<svg") and ">-12<" in svg
    assert d._repr_svg_().startswith("<svg")
    no_renderer(monkeypatch, tmp_path)
    text = d._repr_mimebundle_()["text/plain"]
    assert text.startswith("no Graphviz renderer found") and "digraph" in text


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="svg, png, pdf"):
        viz.render(lecture_drawing(), tmp_path / "g", "jpeg")


def test_render_many_matches_render(tmp_path):
    if R.find_renderer() is None:
        pytest.skip("no renderer installed")
    d = lecture_drawing()
    outs = viz.render_many([d, d], [tmp_path / "a", tmp_path / "b.svg"])
    assert outs == [str(tmp_path / "a.svg"), str(tmp_path / "b.svg")]
    assert all(">-12<" in svg_text(o) for o in outs)
    assert not list(tmp_path.glob("*.gv.svg"))


def test_path_is_not_modified(tmp_path):
    before = os.environ.get("PATH")
    if R.find_renderer() is not None:
        viz.render(lecture_drawing(), tmp_path / "g")
    assert os.environ.get("PATH") == before


def png_size(path):
    data = Path(path).read_bytes()
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


RENDERERS = [pytest.param(shutil.which("dot"), id="system-dot",
                          marks=pytest.mark.skipif(shutil.which("dot") is None, reason="no system dot")),
             pytest.param(graphviz_pure(), id="graphviz-pure",
                          marks=pytest.mark.skipif(graphviz_pure() is None, reason="no graphviz-pure"))]


@pytest.mark.parametrize("renderer", RENDERERS)
def test_png_dpi_scales_the_picture_for_a_projector(tmp_path, monkeypatch, renderer):
    monkeypatch.setenv("CHAINRULE_DOT", renderer)
    default = png_size(viz.render(lecture_drawing(), tmp_path / "default", "png"))
    sharp = png_size(viz.render(lecture_drawing(), tmp_path / "sharp", "png", dpi=200))
    assert sharp[0] >= 1.8 * default[0] and sharp[1] >= 1.8 * default[1]   # 200 / 96 = 2.08
    many = viz.render_many([lecture_drawing()] * 2, [tmp_path / "a", tmp_path / "b"], "png", dpi=200)
    assert [png_size(p) for p in many] == [sharp, sharp]


def test_dpi_is_for_png_only_and_in_range(tmp_path):
    for format in ("svg", "pdf"):
        with pytest.raises(ValueError, match="dpi applies to png only"):
            viz.render(lecture_drawing(), tmp_path / "g", format, dpi=200)
    for dpi in (0, 5, 10_000, "200", True, float("nan")):
        with pytest.raises(ValueError, match="dpi must be a number from 10 to 600"):
            viz.render(lecture_drawing(), tmp_path / "g", "png", dpi=dpi)
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_graphviz_pure_draws_png_text_in_its_bundled_arimo(tmp_path, monkeypatch):
    # graphviz-pure has no DejaVu Sans to draw a PNG with (it would substitute a serif): it gets
    # the drawing in Arimo, Helvetica's metric twin that it bundles; SVG keeps DejaVu Sans
    fake = tmp_path / "graphviz-pure"
    fake.write_text(f"#!{sys.executable}\nimport sys\n"
                    "src, out = sys.argv[-3], sys.argv[-1]\n"
                    "open(out, 'w').write(open(src).read())\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CHAINRULE_DOT", str(fake))
    png = Path(viz.render(lecture_drawing(), tmp_path / "p", "png")).read_text()
    svg = Path(viz.render(lecture_drawing(), tmp_path / "s", "svg")).read_text()
    assert 'fontname="Arimo"' in png and "DejaVu" not in png
    assert 'fontname="DejaVu Sans"' in svg and "Arimo" not in svg
    assert (tmp_path / "p.gv").read_text() == lecture_drawing().source   # the .gv is as drawn
