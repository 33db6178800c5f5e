"""The derivation stepper in headless Chromium: load, step, and the highlighted graph node
and the pixel frame change together; a screenshot at 1280x720 is kept as a test artifact
(tests/artifacts/derive_stepper.png) to look at.
"""

import re
from pathlib import Path

import numpy as np
import pytest
from helpers import NEEDS_BROWSER, chromium

import viz
from autograd import Tensor
from autograd import functional as F

ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = NEEDS_BROWSER

@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """conv2d then max_pool2d: two derived ops, so stepping crosses from one to the other."""
    tmp = tmp_path_factory.mktemp("derive")
    x = Tensor(np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])[None, None], requires_grad=True, label="X")
    w = Tensor(np.array([[1.0, 2], [3, 4]])[None, None], requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.label = "O"
    p = F.max_pool2d(o, 2, stride=1)
    p.label = "P"
    p.backward(np.array([[[[1.0]]]]))
    path = tmp / "stepper.html"
    viz.save_stepper(p, path, derivation=True)
    return tmp / "stepper-derivation.html", path


def state(dom):
    root = re.search(r'<div class="chainrule-derive"[^>]*data-step="(\d+)"[^>]*data-node="(n\d+)"', dom)
    shown = re.findall(r'<div class="frame" data-index="(\d+)" data-node="(n\d+)" data-op="(\d+)" '
                       r'data-opname="(\w+)"( hidden="")?', dom)
    visible = [(int(i), n, op) for i, n, _, op, hidden in shown if not hidden]
    current = re.findall(r'<g id="[^"]*" class="node current">\s*<title>(n\d+)</title>', dom)
    assert root and len(visible) == 1, (root, visible)
    return int(root.group(1)), root.group(2), visible[0], current


def test_step_moves_frame_and_highlight_together(page, tmp_path):
    path, _ = page
    dom = chromium(tmp_path, "--dump-dom", f"file://{path}")
    step, node, (index, frame_node, op), current = state(dom)
    assert (step, index) == (0, 0) and op == "conv2d"
    assert current == [node] == [frame_node]          # the conv node is highlighted
    conv = node
    # the last conv frame, then "next": the pool's first frame, and the highlight moves
    n_conv = len(re.findall(r'data-opname="conv2d"', dom))
    after = chromium(tmp_path, "--dump-dom", f"file://{path}#step={n_conv}&click=next")
    step, node, (index, frame_node, op), current = state(after)
    assert (step, index, op) == (n_conv, n_conv, "max_pool2d")
    assert current == [node] == [frame_node] and node != conv
    total = len(re.findall(r'<div class="frame" data-index=', after))
    assert f'<span class="counter">frame {n_conv + 1} of {total}</span>' in after  # the stepper's wording


def test_ordinary_stepper_links_to_the_derivation(page, tmp_path):
    deriv, stepper = page
    html = stepper.read_text(encoding="utf-8")
    links = re.findall(r'href="(stepper-derivation\.html#node=\d)"', html)
    assert sorted(links) == ["stepper-derivation.html#node=1", "stepper-derivation.html#node=2"]
    dom = chromium(tmp_path, "--dump-dom", f"file://{deriv}#node=2")
    assert state(dom)[2][2] == "max_pool2d"


def test_screenshot_is_legible_at_1280x720(page, tmp_path):
    path, _ = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "derive_stepper.png"
    chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,720", f"file://{path}#step=8")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


def test_two_steppers_share_a_page(tmp_path):
    """Embedded twice on one page, each stepper keeps its own frame and highlight."""
    from viz.derive.page import derivation_html, page
    entries = [("n1", 0, "conv2d", '<svg width="10" height="10"></svg>', "first"),
               ("n2", 0, "conv2d", '<svg width="10" height="10"></svg>', "second")]
    graph = ('<svg><g class="node"><title>n1</title><polygon/></g>'
             '<g class="node"><title>n2</title><polygon/></g></svg>')
    both = page(derivation_html(graph, entries, uid="a") + derivation_html(graph, entries[:1], uid="b"),
                "two")
    path = tmp_path / "two.html"
    path.write_text(both, encoding="utf-8")
    dom = chromium(tmp_path, "--dump-dom", f"file://{path}#click=next")
    roots = re.findall(r'<div class="chainrule-derive"[^>]*data-step="(\d+)"[^>]*data-node="(n\d)"', dom)
    assert roots == [("1", "n2"), ("0", "n1")]      # the first stepped, the second has one frame
    assert dom.count('class="node current"') == 2
