"""--deck: one PDF, a page per frame in order, the caption under each; by Chromium or the
optional pdf extra; with neither, one line and no file."""

import re
import shutil
import subprocess

import pytest
from helpers import run

import viz.deck as deck
import viz.pdf
from autograd import Value, backprop_steps
from viz import pdf_lib
from viz.render import find_renderer

pytestmark = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")
ROUTES = [pytest.param("chromium", marks=pytest.mark.skipif(viz.pdf.find_chromium() is None,
                                                            reason="Chromium is not installed")),
          pytest.param("pdf extra", marks=pytest.mark.skipif(not pdf_lib.available(),
                                                             reason="the pdf extra is not installed"))]


def pages(pdf):
    """Page count of a PDF, read from its page tree (and by pdfinfo where installed)."""
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    n = len(re.findall(rb"/Type\s*/Page\b", data))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == n
    return n


def page_text(pdf, k):
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(params=ROUTES)
def route(request, monkeypatch):
    if request.param == "pdf extra":
        monkeypatch.setattr(viz.pdf, "find_chromium", lambda: None)
    assert deck.route() == request.param
    return request.param


def test_explain_deck_has_a_page_per_frame_with_its_caption(tmp_path, route):
    code, out, err = run("explain", "x*x + x", "x=3", "--deck", "--out", str(tmp_path))
    assert code == 0, err
    x = Value(3.0, "x")
    frames = 2 + len(backprop_steps(x * x + x))        # forward, seed, every backward step
    assert pages(tmp_path / "deck.pdf") == frames == 5 and "deck.pdf" in out
    last = page_text(tmp_path / "deck.pdf", frames)
    if last is not None:   # in order: the last page is the last step, its text under it
        assert "backward step 3 of 3" in last and "copy" in last
        assert "forward pass" in page_text(tmp_path / "deck.pdf", 1)


def test_conv_and_pool_decks(tmp_path, route):
    code, out, err = run("conv", "--input", "1 2 3; 4 5 6; 7 8 9", "--filter", "1 2; 3 4", "--deck",
                         "--out", str(tmp_path / "c"))
    assert code == 0, err
    n = len(list((tmp_path / "c" / "frames").glob("frame-*.svg")))
    assert pages(tmp_path / "c" / "deck.pdf") == n and f"({n} pages)" in out
    code, out, err = run("pool", "--input", "1 1 2 4; 5 6 7 8; 3 2 1 0; 1 2 3 4", "--kernel", "2", "--deck",
                         "--out", str(tmp_path / "p"))
    assert code == 0, err
    assert pages(tmp_path / "p" / "deck.pdf") == len(list((tmp_path / "p" / "frames").glob("frame-*.svg")))


def test_train_deck_has_a_page_per_recorded_step(tmp_path, route):
    code, _, err = run("train", "--model", "moons", "--steps", "6", "--every", "2", "--deck",
                         "--out", str(tmp_path))
    assert code == 0, err
    assert pages(tmp_path / "deck.pdf") == 4                      # steps 1, 3, 5 and the last, 6
    text = page_text(tmp_path / "deck.pdf", 4)
    assert text is None or "training step 6 of 6" in text


def test_without_a_pdf_route_deck_is_one_line_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.pdf, "find_chromium", lambda: None)
    monkeypatch.setattr(pdf_lib, "available", lambda: False)
    for argv in (["explain", "x*y", "x=1", "y=2"], ["conv", "--input", "1 2; 3 4", "--filter", "1"],
                 ["pool", "--input", "1 2; 3 4", "--kernel", "2"],
                 ["train", "--model", "moons", "--steps", "2"]):
        out = tmp_path / argv[0]
        code, stdout, err = run(*argv, "--deck", "--out", str(out))
        assert code == 2 and stdout == "" and err.count("\n") == 1, (argv, err)
        assert "--deck needs a PDF route: install Chromium" in err and "chainrule[pdf]" in err
        assert not out.exists()


def test_deck_is_in_explain_help():
    code, out, _ = run("explain", "--help")
    assert code == 0 and "--deck" in out


def test_deck_refuses_mismatched_captions():
    with pytest.raises(ValueError, match="2 frames but 1 captions"):
        deck.deck_pdf(["<svg/>", "<svg/>"], ["a"])
