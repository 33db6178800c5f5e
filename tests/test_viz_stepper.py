"""viz.save_stepper: one self-contained page, one frame per step, the step text under each."""

import re
from pathlib import Path

import pytest

import autograd
import viz
from autograd import Value
from viz.render import find_renderer
from viz.stepper import stepper_html

pytestmark = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def lecture():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    return f


def test_page_is_self_contained_with_one_frame_per_step(tmp_path):
    f = lecture()
    path = viz.save_stepper(f, tmp_path / "s.html")
    html = Path(path).read_text()
    steps = autograd.backprop_steps(f)
    assert html.count('class="frame"') == len(steps) == 2
    assert html.count("<svg") == 2
    # nothing fetched from the network: no external scripts, styles, images or fonts
    assert not re.search(r'<(script|link|img|iframe)[^>]*(src|href)=', html)
    assert "@import" not in html and "url(http" not in html
    assert not re.search(r'(href|src)="(https?:)?//', html)
    # controls and the step's text
    for needle in ('id="prev"', 'id="next"', 'type="range"', "ArrowRight", "ArrowLeft"):
        assert needle in html
    for s in steps:
        assert s.lines()[0].replace(">", "&gt;") in html
    # ids are unique across frames
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert all(v.grad == 0.0 for v in f.parents[0].parents)  # .grad untouched


def test_graph_without_gates_gets_one_frame(tmp_path):
    html = Path(viz.save_stepper(Value(2.0, "x"), tmp_path / "s.html")).read_text()
    assert html.count('class="frame"') == 1 and "no gates" in html


def test_stepper_html_needs_frames():
    with pytest.raises(ValueError, match="no frames"):
        stepper_html([], [])
