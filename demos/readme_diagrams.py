"""Regenerate the README's pictures in demos/images/ (run by `make diagrams`).

  lecture.svg        the lecture example f = (x + y) * z after backward
  fanout-step.svg    a step frame of f = x*x + exp(y)/x: the copy gate summing its parts
  tensor.svg         a tiny tensor network with its values and gradients as matrices
  double-backward.svg  the graph of a gradient made with create_graph=True
  stepper.png        the HTML stepper in headless Chromium, at the copy gate of x
  lenet.svg          LeNet-5 drawn with viz.draw(loss, names=model): one box per module
  notebook-stepper.png  the stepper inside the executed lecture notebook (needs the notebooks extra)
  quiz.png           a page of `chainrule quiz --level scalar`, one answer checked
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import viz  # noqa: E402
from autograd import Tensor, Value  # noqa: E402
from demos.drawing import screenshot  # noqa: E402

IMAGES = ROOT / "demos" / "images"


def lecture():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    return f


def fanout():
    x, y = Value(2.0, "x"), Value(1.0, "y")
    f = x * x + y.exp() / x
    f.label = "f"
    return f


def tensor_net():
    w = Tensor([[0.5, -1.0], [1.5, 0.25], [-0.5, 1.0]], requires_grad=True, label="W")
    x = Tensor([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0]], requires_grad=True, label="x")
    b = Tensor([0.1, -0.2, 0.3], requires_grad=True, label="b")
    h = (w @ x).relu()
    loss = (h.sum(axis=1) + b).sum()
    loss.label = "loss"
    return loss


def double_backward():
    F = autograd.functional
    if hasattr(F, "conv2d"):
        x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3) / 4, requires_grad=True, label="x")
        w = Tensor([[[[1.0, -1.0], [0.5, 2.0]]]], requires_grad=True, label="w")
        out = F.conv2d(x, w).sum()
    else:  # before conv exists: the matmul's input gradient upstream @ W^T
        x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="x")
        w = Tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True, label="w")
        out = (x @ w).sum()
    (gx,) = autograd.grad(out, [x], create_graph=True)
    gx.label = "dout/dx"
    return viz.draw(gx, forward=out, title="gradient of x, drawn (dashed: backward nodes)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Regenerate the README's pictures (overwrites the files in --out).")
    parser.add_argument("--out", type=Path, default=IMAGES, metavar="DIR",
                        help=f"where to write the pictures (default: {IMAGES.relative_to(ROOT)})")
    images = parser.parse_args(argv).out  # --help exits here, before anything is written
    images.mkdir(parents=True, exist_ok=True)
    _write_all(images)


def _write_all(images):
    f = lecture()
    f.backward()
    print("wrote", viz.render(viz.draw(f), images / "lecture.svg"))
    g = fanout()
    steps = autograd.backprop_steps(g)
    k = next(i for i, s in enumerate(steps) if s.op == "copy")
    print("wrote", viz.render(viz.draw_steps(g)[k], images / "fanout-step.svg"))
    loss = tensor_net()
    loss.backward()
    print("wrote", viz.render(viz.draw(loss), images / "tensor.svg"))
    print("wrote", viz.render(double_backward(), images / "double-backward.svg"))
    for gv in images.glob("*.gv"):
        gv.unlink()  # the DOT text is regenerated from code; keep only the pictures
    with tempfile.TemporaryDirectory() as tmp:
        html = Path(viz.save_stepper(fanout(), Path(tmp) / "stepper.html",
                                     title="chainrule: f = x*x + exp(y)/x, step by step"))
        copy = next(i for i, s in enumerate(autograd.backprop_steps(fanout())) if s.op == "copy")
        # the frame the README describes: the copy gate of x (after the forward and seed frames)
        screenshot(html, images / "stepper.png", fragment=f"#step={copy + 3}")
        lenet = lenet_loss()
        print("wrote", viz.render(viz.draw(lenet[1], names=lenet[0]), images / "lenet.svg"))
        (images / "lenet.gv").unlink()
        notebook_page(Path(tmp), images / "notebook-stepper.png")
        quiz_page(Path(tmp), images / "quiz.png")


def lenet_loss():
    import nn
    nn.manual_seed(0)
    model = nn.LeNet5(dtype=np.float64)
    x = Tensor(np.random.default_rng(0).standard_normal((2, 1, 32, 32)))
    loss = nn.CrossEntropyLoss()(model(x), np.array([3, 7]))
    loss.label = "loss"
    loss.backward()
    return model, loss


def notebook_page(tmp, png):
    """Execute the scalar lecture notebook and screenshot its first stepper, as exported."""
    try:
        import nbclient
        import nbformat
    except ImportError:
        print(f"no nbclient (pip install -e '.[notebooks]'): kept {png.name} as it was")
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from test_notebooks import export_html

    path = ROOT / "demos" / "notebooks" / "01_scalar_backprop.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(path.parent)}}).execute()
    page = tmp / "notebook.html"
    page.write_text(export_html(nb), encoding="utf-8")
    screenshot(page, png, "1000,900", "#click=next@1&click=next@1&click=next@1")


def quiz_page(tmp, png):
    """A scalar quiz with two answers typed and checked: one right, one wrong."""
    from viz.cli import main as chainrule

    chainrule(["quiz", "--level", "scalar", "--count", "2", "--seed", "3", "--out", str(tmp / "quiz")])
    page = tmp / "quiz" / "quiz.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</body>", """<script>
      var boxes = document.getElementsByClassName('answer');
      boxes[0].getElementsByTagName('input')[0].value = '-4.5';
      boxes[0].getElementsByTagName('button')[0].click();
      boxes[1].getElementsByTagName('input')[0].value = '0.5';
      boxes[1].getElementsByTagName('button')[0].click();
    </script></body>"""), encoding="utf-8")
    screenshot(page, png, "1000,1100", "#click=next@1&click=next@1")


if __name__ == "__main__":
    main()
