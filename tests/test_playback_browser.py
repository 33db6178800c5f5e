"""The training playback in headless Chromium: scrubbing changes what is shown."""

import re

import pytest
from helpers import NEEDS_BROWSER, chromium, run

pytestmark = NEEDS_BROWSER


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("playback")
    code, _, err = run("train", "--model", "moons", "--steps", "20", "--out", str(out))
    assert code == 0, err
    return out / "playback.html"


def shown(dom):
    """What the page shows: (training step, counter, network texts, boundary colours, stepper texts)."""
    step = re.search(r'class="chainrule-playback"[^>]*data-training-step="(\d+)"', dom).group(1)
    counter = re.search(r'<span class="pb-counter">([^<]*)</span>', dom).group(1)
    view = re.search(r'<div class="pb-view[^"]*"[^>]*>(.*?)</div></div>', dom, re.S).group(1)
    cells = re.findall(r'<rect x="\d+" y="\d+" width="10" height="10" fill="([^"]+)"', dom)
    pres = re.findall(r"<pre>(.*?)</pre>", dom, re.S)
    return int(step), counter, re.findall(r"<text[^>]*>([^<]*)</text>", view), cells, pres


def test_scrubbing_changes_what_is_shown(page, tmp_path):
    url = page.as_uri()
    first = shown(chromium(tmp_path, "--dump-dom", url + "#at=1"))
    last = shown(chromium(tmp_path, "--dump-dom", url + "#at=last"))
    middle = shown(chromium(tmp_path, "--dump-dom", url + "#at=7"))
    assert (first[0], middle[0], last[0]) == (1, 7, 20)
    assert first[1].startswith("training step 1 of 20") and last[1].startswith("training step 20 of 20")
    for a, b in [(first, last), (first, middle), (middle, last)]:
        assert a[2] != b[2]                   # the network's numbers
        assert a[3] != b[3]                   # the decision boundary
        assert a[4] != b[4]                   # this step's backward pass
    assert len(first[2]) == len(last[2])      # the same drawing, refilled
    assert len(first[3]) == 48 * 32 and "#ffffff" not in first[3]


def test_expand_shows_every_gate(page, tmp_path):
    collapsed = shown(chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3"))
    expanded = shown(chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3&expand"))
    assert len(expanded[2]) > len(collapsed[2]) and "transpose" in expanded[2]


def test_expanded_gates_are_drawn_readable_not_shrunk_to_a_strip(page, tmp_path):
    # every gate left to right was ~13x wider than tall: shrunk to the page, a strip of dots
    dom = chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3&expand")
    view = network(dom)
    assert view["class"] == "pb-view pb-full" and view["zoom"] == "1"   # full size, scrolled
    assert view["width"] < 3 * view["height"]                            # laid out top to bottom
    collapsed = network(chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3"))
    assert collapsed["class"] == "pb-view" and collapsed["zoom"] == "fit"  # the modules fit the page


def network(dom):
    """The network view's class, zoom, and its drawing's width and height (pt) and CSS width."""
    m = re.search(r'<div class="(pb-view[^"]*)" data-zoom="([^"]+)">\s*<svg([^>]*)>', dom)
    svg = m.group(3)
    css = re.search(r'style="width: ([\d.]+)px', svg)
    return {"class": m.group(1), "zoom": m.group(2),
            "width": float(re.search(r'width="([\d.]+)pt"', svg).group(1)),
            "height": float(re.search(r'height="([\d.]+)pt"', svg).group(1)),
            "css": float(css.group(1)) if css else None}


def test_the_network_view_zooms_like_the_stepper(page, tmp_path):
    half = network(chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3&expand&zoom=0.5"))
    assert half["zoom"] == "0.5" and half["css"] == pytest.approx(half["width"] * 1.333 * 0.5, rel=1e-3)
    fit = network(chromium(tmp_path, "--dump-dom", page.as_uri() + "#at=3&expand&zoom=fit"))
    assert fit["class"] == "pb-view" and fit["css"] is None     # shrunk to the page's width
    dom = chromium(tmp_path, "--dump-dom", page.as_uri())
    assert all(f'class="{b}"' in dom for b in ("pb-zoomout", "pb-fit", "pb-zoomin"))


def test_screenshot(page, tmp_path):
    shot = tmp_path / "playback.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1300,1600", page.as_uri() + "#at=5")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
