"""The HTML stepper in a real headless Chromium: load, click "next", the frame changes.

No Python browser bindings: Chromium's --dump-dom and --screenshot on a file:// URL whose
fragment (#click=next) makes the page click its own "next" button once it has loaded.
"""

import re

import pytest
from helpers import NEEDS_BROWSER, chromium, frames_of

import viz
from autograd import Value

pytestmark = NEEDS_BROWSER

def visible_frame(dom, which=0):
    frames = frames_of(dom)[which]
    shown = [i for i, hidden in frames if not hidden]
    assert len(shown) == 1, frames
    return shown[0], len(frames)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stepper")
    a = Value(3.0, "a")
    g = a * a + a  # frames: forward, seed, then 3 steps: add, mul, copy
    g.label = "g"
    return viz.save_stepper(g, tmp / "stepper.html"), tmp


def test_next_changes_the_frame(page, tmp_path):
    path, _ = page
    url = f"file://{path}"
    before = chromium(tmp_path, "--dump-dom", url)
    assert visible_frame(before) == (0, 5)
    assert 'data-step="0"' in before and "step 1 of 5: forward pass" in before
    after = chromium(tmp_path, "--dump-dom", url + "#click=next")
    assert visible_frame(after) == (1, 5)
    assert 'data-step="1"' in after and "step 2 of 5: seed" in after
    # the step's text under the drawing is the text of the new frame
    text = re.search(r'data-index="1"[^>]*>.*?<pre>(.*?)</pre>', after, flags=re.S).group(1)
    assert text.startswith("seed")


def test_step_fragment_opens_a_frame(page, tmp_path):
    path, _ = page
    dom = chromium(tmp_path, "--dump-dom", f"file://{path}#step=5")
    assert visible_frame(dom) == (4, 5) and "copy (adder)" in dom


def test_screenshot(page, tmp_path):
    path, _ = page
    shot = tmp_path / "stepper.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,800", f"file://{path}#click=next")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_two_steppers_on_one_page_step_independently(tmp_path):
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    f = (x * y).tanh()
    g = x * x + y
    one, two = viz.stepper(f), viz.stepper(g)
    page = tmp_path / "two.html"
    page.write_text("<!DOCTYPE html><html><body>" + one._repr_html_() + "<p>between</p>"
                    + two._repr_html_() + "</body></html>")
    url = f"file://{page}"
    dom = chromium(tmp_path, "--dump-dom", url + "#click=next@2&click=next@2")
    assert visible_frame(dom, 0) == (0, len(one)) and visible_frame(dom, 1) == (2, len(two))
    dom = chromium(tmp_path, "--dump-dom", url + "#click=next@1")
    assert visible_frame(dom, 0) == (1, len(one)) and visible_frame(dom, 1) == (0, len(two))
    ids = re.findall(r'\bid="([^"]+)"', dom)
    assert len(ids) == len(set(ids))  # scoped: no id appears twice on the page


def test_quiz_checks_answers_and_keeps_score(tmp_path):
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    quiz = viz.stepper(f, quiz=True)
    # a student types -4.001 (right within 1%) for the first box and 7 (wrong) for the second
    student = """<script>
      var boxes = document.getElementsByClassName('answer');
      boxes[0].getElementsByTagName('input')[0].value = '-4.001';
      boxes[0].getElementsByTagName('button')[0].click();
      boxes[1].getElementsByTagName('input')[0].value = '7';
      boxes[1].getElementsByTagName('button')[0].click();
    </script>"""
    page = tmp_path / "quiz.html"
    page.write_text("<!DOCTYPE html><html><body>" + quiz._repr_html_() + student + "</body></html>")
    dom = chromium(tmp_path, "--dump-dom", f"file://{page}")
    verdicts = re.findall(r'<span class="verdict (ok|bad)">([^<]*)</span>', dom)
    assert verdicts[0] == ("ok", " right")
    assert verdicts[1][0] == "bad" and "expected 3 because upstream 1 x local 3 = 3" in verdicts[1][1]
    assert "score: 1 of 4 (2 answered)" in dom


def test_zoom_and_fit_width(tmp_path):
    x, y = Value(2.0, "x"), Value(-3.0, "y")
    one = viz.stepper(x * y + x)
    clicks = """<script>
      var root = document.getElementsByClassName('chainrule-stepper')[0];
      root.getElementsByClassName('zoomin')[0].click();
      var svg = root.getElementsByTagName('svg')[0];
      document.body.setAttribute('data-zoomed', svg.style.width + ' ' + root.classList.contains('fit'));
      root.getElementsByClassName('fit')[0].click();
      document.body.setAttribute('data-fit', svg.style.width + '|' + root.classList.contains('fit'));
    </script>"""
    page = tmp_path / "zoom.html"
    page.write_text("<!DOCTYPE html><html><body>" + one._repr_html_() + clicks + "</body></html>")
    dom = chromium(tmp_path, "--dump-dom", f"file://{page}")
    width = float(re.search(r'data-zoomed="([\d.]+)px false"', dom).group(1))
    natural = float(re.search(r'<svg width="([\d.]+)pt"', one._repr_html_()).group(1))
    assert width == pytest.approx(natural * 1.333 * 1.25, rel=1e-3)  # one step of zoom: 125%
    assert 'data-fit="|true"' in dom  # fit width: the drawing takes the page's width again
