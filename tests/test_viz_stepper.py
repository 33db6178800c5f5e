"""viz.save_stepper: one self-contained page, one frame per step, the step text under each."""

import html as html_lib
import json
import re
import tempfile
from pathlib import Path

import pytest

import autograd
import viz
from autograd import Value
from viz.draw import WIRE_PT
from viz.render import find_renderer
from viz.stepper import stepper_html, story

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
    assert html.count('class="frame"') == len(steps) + 2 == 4  # forward, seed, each step
    assert html.count("<svg") == 4
    # nothing fetched from the network: no external scripts, styles, images or fonts
    assert not re.search(r'<(script|link|img|iframe)[^>]*(src|href)=', html)
    assert "@import" not in html and "url(http" not in html
    assert not re.search(r'(href|src)="(https?:)?//', html)
    # controls and the step's text
    for needle in ('class="prev"', 'class="next"', 'type="range"', "ArrowRight", "ArrowLeft",
                   'class="fit"', 'class="zoomin"', "step 1 of 4"):
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


def test_frames_tell_the_whole_story():
    f = lecture()
    drawings, texts, answers = story(f)
    assert len(drawings) == len(texts) == len(answers) == 4
    assert texts[0].startswith("forward pass") and texts[1].startswith("seed")
    assert texts[2].startswith("backward step 1 of 2") and texts[3].startswith("backward step 2 of 2")
    assert "forward pass" in drawings[0].source and "seed" in drawings[1].source
    # the forward frame shows values and no gradient; the seed frame only dL/dL = 1 on the output
    assert 'COLOR="#c0262d"' not in drawings[0].source.split("label=<<TABLE BORDER=\"1\"")[0]
    out_edge = next(ln for ln in drawings[1].source.splitlines() if "-> out" in ln)
    assert f'"#c0262d" POINT-SIZE="{WIRE_PT}">1<' in out_edge
    assert answers == [[], [], [], []]


def test_notebook_display_is_scoped_and_self_contained():
    one, two = viz.stepper(lecture()), viz.stepper(lecture())
    a, b = one._repr_html_(), two._repr_html_()
    ids = re.findall(r'\bid="([^"]+)"', a + b)
    assert len(ids) == len(set(ids))  # two steppers in one notebook never share an id
    assert "querySelectorAll" not in a and "document.getElementById('" + one.id + "')" in a
    assert a.count('class="frame"') == len(one) == 4
    # save_stepper returns the path, which also displays in a notebook
    assert "<svg" in viz.save_stepper(lecture(), Path(tempfile.mkdtemp()) / "s.html")._repr_html_()


def test_a_list_of_frames_displays_as_a_stepper():
    frames = viz.draw_steps(lecture())
    html = frames._repr_html_()
    assert html.count('class="frame"') == len(frames) == 2 and html.count("<svg") == 2
    mine = viz.Frames([viz.draw(lecture()), *frames])  # any list of drawings, wrapped
    assert mine._repr_html_().count('class="frame"') == 3 and viz.Frames()._repr_html_() is None


def test_quiz_hides_downstream_and_carries_the_answers(tmp_path):
    f = lecture()
    page = Path(viz.save_stepper(f, tmp_path / "q.html", quiz=True)).read_text()
    steps = autograd.backprop_steps(f)
    boxes = re.findall(r'<div class="answer"[^>]*data-expected="([^"]*)"[^>]*data-shown="([^"]*)"'
                       r'[^>]*data-why="([^"]*)"', page)
    assert len(boxes) == 4  # two inputs per step, two steps
    expected = [json.loads(html_lib.unescape(e)) for e, _, _ in boxes]
    assert expected == [[float(d)] for s in steps for d in s.downstream]
    assert "upstream 1 x local -4 = -4" in html_lib.unescape(boxes[0][2])
    assert "[downstream ?]" in page and "[downstream -4]" not in page
    assert re.search(r"1 x (-|&#45;)4 = \?<", page)  # drawn with the answer hidden too
    assert "score: 0 of 4" in page
