"""viz/budget.py's page budget: every writer of pages and frames (viz.stepper,
viz.save_stepper, viz.draw_steps, viz.derive.save_derivation, Stepper.from_drawings, the CLI)
refuses a drawing over the budget in one line naming its size, after at most one frame is
made and before anything is rendered."""

import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import cli_budget_bench, run

import viz
import viz.frames
import viz.parse as P
from autograd import Tensor, Value
from autograd import functional as F
from viz import budget

ROOT = Path(__file__).resolve().parent.parent
# viz.draw, viz.render and viz.stepper are also the names of functions
DRAW, RENDER, STEPPER = (sys.modules[f"viz.{m}"] for m in ("draw", "render", "stepper"))


@pytest.fixture
def nothing_rendered(monkeypatch):
    """Counts the frames built; fails the test if anything reaches a renderer."""
    built = []
    real = DRAW.build

    def counted(*a, **k):
        built.append(1)
        if len(built) > 10:
            pytest.fail("more than 10 frames were built before the budget refused the page")
        return real(*a, **k)

    fail = lambda *a, **k: pytest.fail("rendered")
    for module in (viz.frames, DRAW):
        monkeypatch.setattr(module, "build", counted)
    import viz.derive.page as page
    for module in (RENDER, STEPPER, page):
        monkeypatch.setattr(module, "render_svgs", fail)
    monkeypatch.setattr(RENDER, "render_many", fail)
    monkeypatch.setattr(page, "render_many", fail)
    return built


def chain(n):
    x = Value(0.5, label="x")
    y = x
    for _ in range(n):
        y = y * 1.001
    y.backward()
    return y


@pytest.mark.parametrize("writer", [
    lambda root, tmp: viz.save_stepper(root, tmp / "s.html"),
    lambda root, tmp: viz.stepper(root),
    lambda root, tmp: viz.draw_steps(root),
    lambda root, tmp: viz.save_stepper(root, tmp / "q.html", quiz=True, digits=5),
])
def test_an_800_gate_chain_is_refused_after_one_frame(tmp_path, nothing_rendered, writer):
    """It took 343 s and 3.2 GB and wrote an 841 MB page."""
    with pytest.raises(ValueError) as e:
        writer(chain(800), tmp_path)
    assert type(e.value).__name__ == "TooLarge"
    msg = str(e.value)
    assert "\n" not in msg and msg.startswith("viz: too large to draw: ")
    assert " MB of drawing in all (the limit is " in msg
    frames = int(msg.split("draw: ")[1].split(" frames")[0])
    assert frames in (800, 802)                     # the steps, or the steps, forward and seed
    assert len(nothing_rendered) <= 3               # forward, seed, the first step: then refused
    assert list(tmp_path.iterdir()) == []


def test_shared_wires_are_counted(tmp_path, nothing_rendered):
    """x used 40 times: small text, but 11 s of layout; six names used 8 times each: 30 s."""
    x = Value(0.9, label="x")
    y = x
    for _ in range(budget.MAX_PAGE_USES):
        y = y * x
    y.backward()
    uses = budget.MAX_PAGE_USES
    with pytest.raises(ValueError, match=rf"^viz: too large to draw: nodes used more than once are "
                                              rf"used {uses + 1} times in all \(the limit is {uses}: "):
        viz.save_stepper(y, tmp_path / "s.html")
    assert len(nothing_rendered) <= 3


def test_a_long_label_counts_in_every_frame(tmp_path, nothing_rendered):
    x = Value(0.5, label="x" * (budget.MAX_PAGE_BYTES // 3))
    y = (x * 2 + 1) * 3
    y.backward()
    with pytest.raises(ValueError, match=r"^viz: too large to draw: 5 frames of about "):
        viz.save_stepper(y, tmp_path / "s.html")


def test_derivations_stop_at_the_budget_before_deriving_the_rest(tmp_path, monkeypatch, nothing_rendered):
    import viz.derive.page as page
    derived = []
    real = page.derive
    monkeypatch.setattr(page, "derive", lambda n, **k: derived.append(n) or real(n, **k))
    x = Tensor(np.arange(64.0).reshape(1, 1, 8, 8), requires_grad=True)
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y = x
    for _ in range(60):
        y = F.conv2d(y, w, padding=1) * 0.01
    y.sum().backward()
    with pytest.raises(ValueError, match=r"^viz\.derive: too large to draw: \d+ frames of about "):
        viz.derive.save_derivation(y, tmp_path / "d.html", frames_dir=tmp_path / "frames")
    assert 1 <= len(derived) < 60
    assert list(tmp_path.iterdir()) == []


def test_given_drawings_are_measured_before_rendering(nothing_rendered):
    big = DRAW.draw(chain(120))
    with pytest.raises(ValueError, match=r"^stepper: too large to draw: 200 frames of about "):
        viz.Stepper.from_drawings([big] * 200)


def test_everything_the_cli_accepts_fits_the_page_budget():
    """The CLI's syntax budget is the tighter one: the worst expressions it accepts stay under
    half the page budget, so explain never refuses after printing."""
    from viz.frames import _step_drawings  # the first step frame, as the budget measures it
    for name, (expr, values) in cli_budget_bench().candidates().items():
        built = P.build(expr, P.parse_values(values))
        built.root.backward()
        steps = _step_drawings(built.root, None, other_frames=2, caption=True)
        first = next(steps)
        frames = len(viz.frames.backprop_steps(built.root)) + 2
        assert frames * len(first.source) < budget.MAX_PAGE_BYTES / 1.5, name


def test_conv_refuses_a_derivation_over_the_budget_before_printing(tmp_path):
    """An 8x8 filter with padding 4 and dilation 2 is 265 frames, 19 MB of drawing: conv
    printed the whole derivation, rendered for 14 s and only then refused."""
    m = "; ".join(" ".join(str((r * 8 + c) % 7 - 3) for c in range(8)) for r in range(8))
    code, stdout, err = run("conv", "--input", m, "--filter", m, "--padding", "4", "--dilation", "2",
                            "--out", str(tmp_path / "o"))
    assert (code, stdout) == (2, ""), err
    assert err.startswith("chainrule: error: viz.derive: too large to draw: ") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.skipif(viz.find_renderer() is None, reason="no Graphviz renderer installed")
def test_png_frames_are_scaled_to_the_pixel_budget(tmp_path):
    """A 60-gate circuit at 96 dpi was a 15,265 x 3,219 PNG per frame: 2.5 s each."""
    import re
    import struct
    side = getattr(budget, "MAX_PNG_SIDE", 1920)
    path = viz.render(DRAW.draw(chain(40)), tmp_path / "big", format="png")
    width, height = struct.unpack(">II", Path(path).read_bytes()[16:24])   # the PNG's IHDR
    assert max(width, height) <= side
    svg = Path(viz.render(DRAW.draw(chain(40)), tmp_path / "big", format="svg")).read_text()
    points = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert points * 96 / 72 > 2 * side               # it was larger: scaled, not clipped
    small = viz.render(DRAW.draw(chain(2)), tmp_path / "small", format="png")
    assert struct.unpack(">II", Path(small).read_bytes()[16:24])[0] < side   # untouched
