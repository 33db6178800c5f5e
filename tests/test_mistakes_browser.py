"""The mistakes lab's page in a real headless Chromium: both columns in every frame, the
stepper's controls step through the verdict and the two backward passes, a screenshot."""

import re

import pytest
from helpers import NEEDS_BROWSER, chromium, frames_of, run

pytestmark = NEEDS_BROWSER


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = tmp_path_factory.mktemp("lab")
    code, _, err = run("explain", "x*x + x", "x=3", "--mistake", "overwrite", "--out", str(out))
    assert code == 0, err
    return out / "mistake.html"


def shown(dom):
    (frames,) = frames_of(dom)
    return [k for k, hidden in frames if not hidden], len(frames)


def test_the_page_opens_on_the_verdict_and_steps_through_both_passes(page, tmp_path):
    dom = chromium(tmp_path, "--dump-dom", f"file://{page}")
    assert shown(dom) == ([0], 4) and "step 1 of 4: where they differ" in dom
    assert "first difference, in backprop order: x (right df/dx = 7, wrong df/dx = 3)" in dom
    last = chromium(tmp_path, "--dump-dom", f"file://{page}#click=next&click=next&click=next")
    assert shown(last) == ([3], 4) and "step 4 of 4: backward step 3" in last
    frame = last[last.index('data-index="3"'):]
    assert re.findall(r'class="side (right|wrong)"><h2>', frame) == ["right", "wrong"]
    right, wrong = frame.split('class="side wrong"')
    assert "[upstream 3 + 3 + 1] = [downstream 7]" in right
    assert "[upstream 3 + 3 + 1] -&gt; [downstream 3] (not their sum)" in wrong


def test_screenshot_of_the_verdict(page, tmp_path):
    shot = tmp_path / "lab.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,800", f"file://{page}")
    assert shot.stat().st_size > 20_000      # two drawings, not a blank page
