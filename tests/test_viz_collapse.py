"""viz.draw at slide scale: parameters named after the model, one box per module, constants
without gradients."""

import re
from pathlib import Path

import numpy as np
import pytest

import autograd
import viz
from autograd import Tensor
from autograd.teaching.display import format_number
from demos.readme_diagrams import lenet_loss
from viz.collapse import groups, parameter_names
from viz.render import find_renderer


def test_lenet_collapses_to_one_box_per_module():
    model, loss = lenet_loss()
    assert len(autograd.topological_order(loss)) > 30
    src = viz.draw(loss, names=model).source
    boxes = re.findall(r"^\s*(m\d+) \[", src, flags=re.M)
    parts, _ = groups(loss, parameter_names(model))
    assert len(boxes) == len(parts) <= 12
    modules = [key[1] for key, kind, _ in parts if kind == "module"]
    assert modules == ["conv1", "conv2", "fc1", "fc2", "fc3"]  # in the order the data flows
    for name, p in model.named_parameters():  # every parameter's shape is in its module's box
        module, short = name.rsplit(".", 1)
        box = next(line for line in src.splitlines() if f"<B>{module}</B>" in line)
        assert f"{short} {tuple(p.shape)}" in box
    assert "relu &gt; max_pool2d" in src and "<B>loss</B>" in src
    # every box but the input shows the norm of its output's gradient; fc3's is d loss/d logits,
    # which for a mean cross-entropy is (softmax - one hot) / N
    assert len(re.findall(r"\|grad\| \d", src)) == len(parts) - 1
    logits = model(Tensor(np.random.default_rng(0).standard_normal((2, 1, 32, 32)))).data
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    p[[0, 1], [3, 7]] -= 1
    fc3 = next(line for line in src.splitlines() if "<B>fc3</B>" in line)
    assert f"|grad| {format_number(np.linalg.norm(p / 2))}" in fc3


def test_full_graph_names_parameters_and_constants_draw_no_gradient():
    model, loss = lenet_loss()
    full = viz.draw(loss, names=model, collapse=False).source
    for name, _ in model.named_parameters():
        assert f"<B>{name}</B>" in full
    assert "<B>leaf</B>" not in full
    # the input image is a constant (requires_grad=False): no gradient block in its box
    x = Tensor([1.0, 2.0], label="c")
    w = Tensor([0.5, -1.0], requires_grad=True, label="w")
    out = (x * w).sum()
    out.backward()
    src = viz.draw(out, grads=True).source
    box = lambda label: next(ln for ln in src.splitlines() if f"<B>{label}</B>" in ln)
    assert "grad" not in box("c") and "grad" in box("w")


def test_collapse_options():
    _, loss = lenet_loss()
    assert "m0 [" in viz.draw(loss).source          # auto: large network -> modules, even unnamed
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    small = (x * x).sum()
    assert "m0 [" not in viz.draw(small).source and "m0 [" in viz.draw(small, collapse="modules").source
    with pytest.raises(ValueError, match="collapse"):
        viz.draw(small, collapse="layers")
    with pytest.raises(TypeError, match="named_parameters"):
        viz.draw(small, names=[x])


@pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")
def test_collapsed_lenet_fits_a_16_9_slide(tmp_path):
    """Rendered, the collapsed LeNet-5 fits a 13.33 x 7.5 in (960 x 540 pt) slide unscaled;
    the full graph (7,832 pt wide) does not."""
    def size(drawing, name):
        svg = Path(viz.render(drawing, tmp_path / name)).read_text(encoding="utf-8")
        w, h = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
        return float(w), float(h)

    model, loss = lenet_loss()
    w, h = size(viz.draw(loss, names=model), "collapsed")
    assert w <= 960 and h <= 540, (w, h)
    assert size(viz.draw(loss, names=model, collapse=False), "full")[0] > 960
