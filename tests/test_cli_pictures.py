"""The CLI's picture options: --dpi for PNG on explain, conv and pool, and --format on conv and
pool (svg, png or pdf frames beside the steppers). Bad values: exit 2, one line."""

from pathlib import Path

import pytest
from helpers import run

from viz.budget import MAX_PNG_SIDE
from viz.pdf import find_chromium
from viz.render import find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")
CONV = ["--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4"]
POOL = ["--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2"]


def png_width(path):
    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big")


@needs_renderer
def test_explain_dpi_200_is_at_least_1_8_times_as_wide(tmp_path):
    expr = ["explain", "(x + y) * z", "x=-2", "y=5", "z=-4", "--format", "png"]
    assert run(*expr, "--out", str(tmp_path / "a"))[0] == 0
    code, _, err = run(*expr, "--dpi", "200", "--out", str(tmp_path / "b"))
    assert code == 0, err
    for name in ("graph.png", "frames/forward.png", "frames/step-1.png"):
        assert png_width(tmp_path / "b" / name) >= 1.8 * png_width(tmp_path / "a" / name), name


@needs_renderer
@pytest.mark.parametrize("cmd, args", [("conv", CONV), ("pool", POOL)])
def test_conv_and_pool_write_png_frames(tmp_path, cmd, args):
    code, out, err = run(cmd, *args, "--format", "png", "--out", str(tmp_path))
    assert code == 0, err
    pngs = sorted((tmp_path / "frames").glob("frame-*.png"))
    assert pngs and not list((tmp_path / "frames").glob("*.svg"))   # only the format asked for
    assert len(list((tmp_path / "frames").glob("frame-*.gv"))) == len(pngs)
    assert f"frames/frame-001.png ... frame-{len(pngs):03d}.png" in out
    assert (tmp_path / "stepper.html").is_file() and (tmp_path / "stepper-derivation.html").is_file()
    width = png_width(pngs[0])
    # the same frames at 200 dpi, replacing the old ones
    assert run(cmd, *args, "--format", "png", "--dpi", "200", "--out", str(tmp_path))[0] == 0
    # at most budget.MAX_PNG_SIDE pixels a side: a wide frame stops growing there
    assert png_width(tmp_path / "frames" / "frame-001.png") >= min(1.8 * width, 0.95 * MAX_PNG_SIDE)
    # and back to SVG: no PNG of the earlier run is left behind
    assert run(cmd, *args, "--out", str(tmp_path))[0] == 0
    assert not list((tmp_path / "frames").glob("*.png")) and list((tmp_path / "frames").glob("*.svg"))


@pytest.mark.skipif(find_renderer() is None or ("graphviz-pure" in str(find_renderer())
                                                 and find_chromium() is None),
                    reason="PDF needs the system dot or Chromium")
def test_conv_writes_pdf_frames(tmp_path):
    code, _, err = run("conv", *CONV, "--format", "pdf", "--out", str(tmp_path))
    assert code == 0, err
    pdf = (tmp_path / "frames" / "frame-001.pdf").read_bytes()
    assert pdf[:5] == b"%PDF-"


@pytest.mark.parametrize("argv, message", [
    (["explain", "x", "x=1", "--dpi", "200"], "--dpi applies to --format png only (the format is svg)"),
    (["explain", "x", "x=1", "--format", "png", "--dpi", "2000"],
     "--dpi must be a whole number from 10 to 600"),
    (["explain", "x", "x=1", "--format", "png", "--dpi", "1e3"], "--dpi must be a whole number"),
    (["explain", "x", "x=1", "--format", "png", "--dpi"], "--dpi needs a value"),
    (["conv", *CONV, "--format", "jpeg"], "--format must be svg, png, pdf or tex, got 'jpeg'"),
    (["conv", *CONV, "--dpi", "200"], "--dpi applies to --format png only (the format is svg)"),
    (["pool", *POOL, "--format", "png", "--dpi", "x"], "--dpi must be a whole number from 10 to 600"),
])
def test_bad_picture_options_exit_2_with_one_line(tmp_path, argv, message):
    code, out, err = run(argv[0], "--out", str(tmp_path / "out"), *argv[1:])
    assert code == 2 and out == ""
    assert err.startswith("chainrule: error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()   # refused before anything is written


def test_help_names_the_picture_options():
    for cmd in ("explain", "conv", "pool"):
        code, out, _ = run(cmd, "--help")
        assert code == 0 and "--format svg|png|pdf" in out and "--dpi N" in out, cmd
