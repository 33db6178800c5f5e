"""Every README picture in headless Chromium: no text overflows its box, leaves the picture or
runs into other text (tests/layout_check.py measures the text as the browser draws it).

Each picture is made anew with each renderer installed (the system dot, graphviz-pure) and
measured twice: with this machine's fonts, and with DejaVu alone, as on a minimal Linux
install (where Helvetica's substitute is DejaVu Sans, the font the pictures are laid out for).
The committed pictures in demos/images are measured too.
"""

import html
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from helpers import CHROMIUM, NEEDS_CHROMIUM, PURE, SYSTEM_DOT
from layout_check import measure, minimal_fonts, page, report

import autograd
import nn
import viz
from autograd import Tensor
from viz.fonts import text_width
from viz.pdf import HEADLESS
from viz.render import render_svgs

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "demos" / "images"

pytestmark = NEEDS_CHROMIUM
RENDERERS = [pytest.param(SYSTEM_DOT, id="system-dot",
                          marks=pytest.mark.skipif(SYSTEM_DOT is None, reason="no system dot")),
             pytest.param(PURE, id="graphviz-pure",
                          marks=pytest.mark.skipif(PURE is None, reason="no graphviz-pure"))]
FONTS = ["system-fonts", "dejavu-only"]


def readme_pictures():
    """{name: Digraph or SVG text}: what `make diagrams` draws, plus the LeNet flow, its chart of
    twelve gradient norms and the quick skip-connections picture (from one backward pass: the
    same drawings the training demos make, without the training)."""
    from demos import derivation_diagrams, readme_diagrams, skip_connections, train_lenet
    from viz.flow import draw_flow, layer_flow
    from viz.linechart import line_chart

    out = {}
    f = readme_diagrams.lecture()
    f.backward()
    out["lecture"] = viz.draw(f)
    g = readme_diagrams.fanout()
    copy = next(i for i, s in enumerate(autograd.backprop_steps(g)) if s.op == "copy")
    out["fanout-step"] = viz.draw_steps(g)[copy]
    loss = readme_diagrams.tensor_net()
    loss.backward()
    out["tensor"] = viz.draw(loss)
    out["double-backward"] = readme_diagrams.double_backward()
    model, loss = readme_diagrams.lenet_loss()
    out["lenet"] = viz.draw(loss, names=model)
    out.update(derivation_diagrams.frames())
    # LeNet-5's gradient flow and the chart of its layers' gradient norms
    nn.manual_seed(0)
    lenet = nn.LeNet5()
    x = Tensor(np.random.default_rng(0).standard_normal((4, 1, 32, 32)).astype(np.float32))
    logits, trace = lenet.forward_trace(x)
    nn.CrossEntropyLoss()(logits, np.array([1, 2, 3, 4])).backward()
    patterns = {name: layer.pattern for name, layer in lenet.named_children()}
    out["lenet_flow"] = draw_flow(train_lenet.flow_rows(lenet, trace), patterns=patterns,
                                  title="LeNet-5 gradient flow at the last step (test accuracy 98.9%)")
    norms = {name: list(np.geomspace(n, n / 10, 8)) for name, _, n in layer_flow(trace)}
    out["lenet_grad_norms"] = line_chart(
        norms, title="LeNet-5: |d loss / d layer output| at the end of each epoch")
    # the quick (20-layer) skip-connections picture: its title is wider than its panels
    xs = np.random.default_rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)
    ys = np.array([3, 7])
    results = {}
    for kind in ("plain", "skip"):
        nn.manual_seed(0)
        net = nn.ResNet(blocks=skip_connections.QUICK["blocks"], in_channels=1, skip=kind == "skip")
        once = skip_connections.measure(net, xs, ys)
        results[kind] = {"model": net, "init": once, "trained": once}
    out["skip_connections"] = skip_connections.drawing(results, skip_connections.QUICK["steps"])
    return out


@pytest.fixture(scope="module")
def pictures():
    return readme_pictures()


@pytest.fixture(scope="module")
def rendered(pictures, tmp_path_factory):
    """{renderer: {name: SVG text}}, made once per renderer."""
    cache = {}

    def svgs(renderer):
        if renderer not in cache:
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("CHAINRULE_DOT", renderer)
                dots = {k: v for k, v in pictures.items() if not isinstance(v, str)}
                texts = render_svgs(list(dots.values()))
            cache[renderer] = {**dict(zip(dots, texts)),
                               **{k: v for k, v in pictures.items() if isinstance(v, str)}}
        return cache[renderer]
    return svgs


def fonts_env(which, tmp_path):
    if which == "system-fonts":
        return None
    env = minimal_fonts(tmp_path / "fontconfig")
    if env is None:
        pytest.skip("no DejaVu Sans on this machine (apt install fonts-dejavu-core)")
    return env


@pytest.mark.parametrize("fonts", FONTS)
@pytest.mark.parametrize("renderer", RENDERERS)
def test_no_text_overflows_in_the_readme_pictures(rendered, renderer, fonts, tmp_path):
    svgs = rendered(renderer)
    problems, counts = measure(svgs, tmp_path / "page", fonts_env(fonts, tmp_path))
    assert set(counts) == set(svgs) and all(counts[k] > 3 for k in svgs), counts   # all measured
    assert not problems, "\n" + report(problems)


@pytest.mark.parametrize("fonts", FONTS)
def test_no_text_overflows_in_the_committed_pictures(fonts, tmp_path):
    svgs = {p.name: p.read_text(encoding="utf-8") for p in sorted(IMAGES.glob("*.svg"))}
    assert len(svgs) >= 10
    problems, _ = measure(svgs, tmp_path / "page", fonts_env(fonts, tmp_path))
    assert not problems, "\n" + report(problems)


def test_the_checker_finds_a_title_cut_and_text_running_together(tmp_path):
    # a picture laid out for narrower glyphs than it is drawn with: the measurement must see it
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="200pt" height="60pt" viewBox="0 0 200 60">'
           '<g class="graph"><text x="4" y="20" font-family="DejaVu Sans" font-size="14">'
           "a title much too long for its picture</text>"
           '<text x="4" y="50" font-family="DejaVu Sans" font-size="10">gate pattern: </text>'
           '<text x="60" y="50" font-family="DejaVu Sans" font-size="10">distributor</text></g>'
           '<g class="node"><polygon points="120,30 190,30 190,58 120,58" fill="none" stroke="black"/>'
           '<text x="124" y="48" font-family="DejaVu Sans" font-size="12">overflowing</text></g></svg>')
    problems, counts = measure({"bad": svg}, tmp_path / "page")
    found = {(p["problem"], p["text"].split(" | ")[0]) for p in problems}
    assert ("outside the picture", "a title much too long for its picture") in found
    assert ("text overlaps text", "gate pattern:") in found
    assert ("overflows its box", "overflowing") in found
    assert counts == {"bad": 4}


def test_text_width_is_what_chromium_draws_in_dejavu_sans(tmp_path):
    env = fonts_env("dejavu-only", tmp_path)
    samples = [("mul, matmul, conv: upstream x the other input", 9, False),
               ("dE/dW[0][0][0,1]: the upstream slides over X as a weight map", 16, True),
               ("-0.632 27.1 0.368", 12, False), ("relu &gt; max_pool2d &gt; reshape", 11, False)]
    bold_attr = ' font-weight="bold"'
    texts = "".join(f'<text x="0" y="{30 * (k + 1)}" font-family="DejaVu Sans" font-size="{size}"'
                    f'{bold_attr if bold else ""}>{t}</text>' for k, (t, size, bold) in enumerate(samples))
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="900pt" height="150pt" viewBox="0 0 900 150">'
           f'<g class="graph">{texts}</g></svg>')
    script = ("<script>document.body.setAttribute('data-widths', Array.prototype.map.call("
              "document.querySelectorAll('text'), function (t) { return t.getComputedTextLength(); })"
              ".join(' '));</script></body>")
    path = tmp_path / "widths.html"
    path.write_text(page({"widths": svg}).replace("</body>", script), encoding="utf-8")
    done = subprocess.run([CHROMIUM, *HEADLESS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           path.as_uri()], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **env})
    widths = [float(w) for w in re.search(r'data-widths="([^"]+)"', done.stdout).group(1).split()]
    assert len(widths) == len(samples)
    for (t, size, bold), w in zip(samples, widths):
        assert text_width(html.unescape(t), size, bold) == pytest.approx(w, rel=0.01), t
