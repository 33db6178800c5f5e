"""Helper constants of derived backward graphs are drawn by role, inferred from the forward graph."""

import re

import autograd
import viz
from autograd import Tensor, Value
from viz.frames import seed_frame


def heads(root, forward):
    return re.findall(r"<B>([^<]*)</B>", viz.draw(root, forward=forward).source)


def grad_graph(out, x):
    (g,) = autograd.grad(out, [x], create_graph=True)
    return g


def test_tensor_roles():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True, label="x")
    out = (x ** 2).sum()
    names = heads(grad_graph(out, x), out)
    assert "2 (d x**2/dx)" in names and "upstream (1)" in names
    out = x.mean()
    assert "1/3 (mean)" in heads(grad_graph(out, x), out)
    out = x.relu().sum()
    assert "relu mask (x &gt; 0)" in heads(grad_graph(out, x), out)
    assert "constant" not in heads(grad_graph(out, x), out)


def test_scalar_roles_and_no_guessing():
    v = Value(3.0, "v")
    out = v ** 3
    assert "3 (d x**3/dx)" in heads(grad_graph(out, v), out)
    # a constant the forward graph cannot explain keeps its value (or 'constant')
    w = Tensor([2.0, 5.0], requires_grad=True, label="w")
    out = (w * Tensor([0.5, 4.0])).sum()
    names = heads(grad_graph(out, w), out)
    assert not any("mean" in n or "mask" in n or "d x**" in n for n in names)
    # without forward= nothing is renamed: the roles come from the forward graph
    x = Tensor([1.0, -2.0], requires_grad=True, label="x")
    g = grad_graph(x.relu().sum(), x)
    assert "relu mask" not in viz.draw(g).source and "<B>constant</B>" in viz.draw(g).source


def test_labels_survive_as_grad_output_and_inside_losses():
    import nn

    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="x")
    W = Tensor([[1.0, 0.0], [2.0, 1.0]], requires_grad=True, label="W")
    upstream = Tensor([[1.0, -1.0], [0.5, 2.0]], label="dE/dO")
    y = x @ W
    (g,) = autograd.grad(y, [x], grad_output=upstream, create_graph=True)
    assert "<B>dE/dO</B>" in viz.draw(g, forward=y).source
    assert "seed: the given upstream gradient dE/dO" in seed_frame(y, grad=upstream).source
    target = Tensor([[0.0, 1.0], [1.0, 0.0]], label="target")
    loss = nn.MSELoss()(y, target)
    assert "<B>target</B>" in viz.draw(loss).source
