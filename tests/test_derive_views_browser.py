"""The new derivation frames (forward scan, scatter view, both ways, symbols, 1-D bars) in the
stepper, loaded in headless Chromium: the frame a URL names is the one shown, with its text,
and a 1280x720 screenshot of each is kept in tests/artifacts/ to look at.
"""

import re
from pathlib import Path

import numpy as np
from helpers import NEEDS_BROWSER, chromium

import viz
from autograd import Tensor
from autograd import functional as F
from viz.derive import derive

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = NEEDS_BROWSER


def lecture_conv():
    x = Tensor(np.arange(1.0, 10).reshape(1, 1, 3, 3), requires_grad=True, label="X")
    w = Tensor(np.array([[[[1.0, 2], [3, 4]]]]), requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.label = "O"
    o.backward(np.array([[[[1.0, 2], [-1, 1]]]]))
    return o


def page_of(root, path, **options):
    viz.save_stepper(root, path, grad=np.ones(root.shape) if root.data.size > 1 else None,
                     derivation=options or True)
    return path.with_name(path.stem + "-derivation.html")


def shown(dom):
    """(index, text) of the one visible frame."""
    frames = re.findall(r'<div class="frame" data-index="(\d+)"[^>]*?( hidden="")?>.*?<pre>(.*?)</pre>',
                        dom, re.S)
    visible = [(int(i), text) for i, hidden, text in frames if not hidden]
    assert len(visible) == 1
    return visible[0]


def step_of(d, start):
    return next(k for k, f in enumerate(d.frames) if f.title.startswith(start)) + 1


def look(tmp_path, page, step, name):
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / f"derive_{name}.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,720", f"file://{page}#step={step}")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    return chromium(tmp_path, "--dump-dom", f"file://{page}#step={step}")


def test_the_lecture_example_frame_by_frame(tmp_path):
    o = lecture_conv()
    page = page_of(o, tmp_path / "conv.html")
    d = derive(o)
    for start, name, text in [
        ("O[0][0,0]", "forward", "O[0][0,0] = 1*1 + 2*2 + 4*3 + 5*4 = 37"),
        ("X[0][1,1]", "scatter view", "= 1*4 + 2*3 - 1*2 + 1*1 = 9"),
        ("dE/dX both ways", "both_ways", "gather:  1*4 + 2*3 - 1*2 + 1*1 = 9"),
    ]:
        step = step_of(d, start)
        index, shown_text = shown(look(tmp_path, page, step, name))
        assert index == step - 1 and text in shown_text, (name, shown_text)


def test_symbols_in_the_stepper(tmp_path):
    o = lecture_conv()
    page = page_of(o, tmp_path / "symbols.html", symbolic=True)
    d = derive(o, symbolic=True)
    step = step_of(d, "dE/dX22")
    _, text = shown(look(tmp_path, page, step, "symbolic"))
    assert "dE/dX22 = dE/dO11 F22 + dE/dO12 F21 + dE/dO21 F12 + dE/dO22 F11" in text


def test_bars_and_channels_in_the_stepper(tmp_path):
    x = Tensor(np.array([[[0.0, 1, 2, 1, 0, -1], [1, 0, 0, 1, 2, 1]]]), requires_grad=True)
    w = Tensor(np.array([[[-1.0, 0, 1], [0, 1, 0]], [[1.0, 0, -1], [1, -1, 0]]]), requires_grad=True)
    y = F.conv1d(x, w)
    y.backward(np.ones(y.shape))
    page = page_of(y, tmp_path / "tdnn.html")
    d = derive(y.parents[0])
    _, text = shown(look(tmp_path, page, step_of(d, "conv1d as bars"), "bars"))
    assert "the same 3 weights" in text
    _, text = shown(look(tmp_path, page, step_of(d, "convolve each input channel"), "collapse"))
    assert "O[0][0,0] = 2 + 0 = 2" in text and "sums the 2 convolved channels" in text
