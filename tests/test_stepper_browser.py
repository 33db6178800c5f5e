"""The HTML stepper in a real headless Chromium: load, click "next", the frame changes.

No Python browser bindings: Chromium's --dump-dom and --screenshot on a file:// URL whose
fragment (#click=next) makes the page click its own "next" button once it has loaded.
"""

import re
import shutil
import subprocess

import pytest

import viz
from autograd import Value
from viz.render import find_renderer

CHROMIUM = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                 if shutil.which(n)), None)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt install chromium)"),
    pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars"]


def chromium(tmp_path, *args):
    profile = tmp_path / "profile"
    done = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def visible_frame(dom):
    frames = re.findall(r'<div class="frame" data-index="(\d+)"( hidden="")?', dom)
    shown = [int(i) for i, hidden in frames if not hidden]
    assert len(shown) == 1, frames
    return shown[0], len(frames)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stepper")
    a = Value(3.0, "a")
    g = a * a + a  # 3 steps: add, mul, copy
    g.label = "g"
    return viz.save_stepper(g, tmp / "stepper.html"), tmp


def test_next_changes_the_frame(page, tmp_path):
    path, _ = page
    url = f"file://{path}"
    before = chromium(tmp_path, "--dump-dom", url)
    assert visible_frame(before) == (0, 3)
    assert 'data-step="0"' in before and "frame 1 / 3" in before
    after = chromium(tmp_path, "--dump-dom", url + "#click=next")
    assert visible_frame(after) == (1, 3)
    assert 'data-step="1"' in after and "frame 2 / 3" in after
    # the step's text under the drawing is the text of the new frame
    text = re.search(r'data-index="1">.*?<pre>(.*?)</pre>', after, flags=re.S).group(1)
    assert text.startswith("step 2 of 3")


def test_step_fragment_opens_a_frame(page, tmp_path):
    path, _ = page
    dom = chromium(tmp_path, "--dump-dom", f"file://{path}#step=3")
    assert visible_frame(dom) == (2, 3) and "copy (adder)" in dom


def test_screenshot(page, tmp_path):
    path, _ = page
    shot = tmp_path / "stepper.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1100,800", f"file://{path}#click=next")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
