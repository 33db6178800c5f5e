"""Batch norm as a graph of primitives (demos/batchnorm_graph.py): every intermediate gradient
the engine records equals the classic hand derivation; dx, dgamma, dbeta equal the closed
form written here and torch's; the stepper shows the derivation's words."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Tensor, backprop_steps
from demos import batchnorm_graph as demo


def closed_form(x, gamma, dy, eps):
    """Written here, independently of the demo: xhat = (x - mean) / sqrt(var + eps),
    dbeta = sum dy, dgamma = sum dy xhat, dx = gamma / (N std) (N dy - sum dy - xhat sum dy xhat)."""
    n = x.shape[0]
    std = np.sqrt(((x - x.mean(axis=0)) ** 2).mean(axis=0) + eps)
    xhat = (x - x.mean(axis=0)) / std
    dx = (gamma / (n * std)) * (n * dy - dy.sum(axis=0) - xhat * (dy * xhat).sum(axis=0))
    return dx, (dy * xhat).sum(axis=0), dy.sum(axis=0)


def leaves(x, g, b):
    return (Tensor(x, requires_grad=True, label="x"), Tensor(g, requires_grad=True, label="gamma"),
            Tensor(b, requires_grad=True, label="beta"))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 6), c=st.integers(1, 3), eps=st.sampled_from([0.0, 1e-5, 0.5]),
       seed=st.integers(0, 2**16))
def test_engine_gradients_are_the_derivation_and_the_closed_form(n, c, eps, seed):
    rng = np.random.default_rng(seed)
    x, g, b, dy = rng.normal(size=(n, c)), rng.normal(size=c), rng.normal(size=c), rng.normal(size=(n, c))
    x[0] += 3.0                                          # never a constant column (variance 0)
    xt, gt, bt = leaves(x, g, b)
    y, nodes = demo.named_graph(xt, gt, bt, eps)
    got = demo.engine_grads(y, nodes, (xt, gt, bt), dy)
    for name, _, value in demo.hand_derivation(x, g, dy, eps):     # each of the nine gates
        np.testing.assert_allclose(got[name], np.broadcast_to(value, np.shape(got[name])), rtol=1e-10,
                                   atol=1e-12, err_msg=name)
    for got_, want in zip((got["x"], got["gamma"], got["beta"]), closed_form(x, g, dy, eps)):
        np.testing.assert_allclose(got_, want, rtol=1e-9, atol=1e-12)


def test_the_lecture_gates_in_order_with_their_patterns():
    x, g, b, dy = demo.example()
    y, nodes = demo.named_graph(x, g, b)
    assert list(nodes) == ["mu", "xmu", "sq", "var", "var+eps", "std", "xhat", "gxhat", "y"]
    steps = backprop_steps(y, dy)
    seen = [(s.op, s.output.label) for s in steps]
    # backprop visits the shift first and the first mean last; x and xmu fan out (copy gates)
    assert seen[0] == ("add", "y") and seen[-1] == ("copy", "x")
    assert ("copy", "xmu") in seen and seen.index(("copy", "xmu")) < seen.index(("sub", "xmu"))
    patterns = {s.output.label: s.pattern for s in steps if s.op != "copy"}
    assert patterns["y"] == patterns["var+eps"] == "distributor"
    assert patterns["gxhat"] == "swap multiplier"
    # the mean's downstream is its upstream / N, handed to each of the N samples
    mean_step = next(s for s in steps if s.output.label == "var")
    np.testing.assert_allclose(np.asarray(mean_step.downstream[0]),
                               np.broadcast_to(np.asarray(mean_step.upstream) / 4, (4, 2)))


def test_worked_example_numbers():
    """x's columns have mean 4 and 1 and both variance 5: xhat is (x - mean) / sqrt(5 + eps)."""
    x, g, b, dy = demo.example()
    y, nodes = demo.named_graph(x, g, b)
    np.testing.assert_allclose(nodes["mu"].data, [[4.0, 1.0]])
    np.testing.assert_allclose(nodes["var"].data, [[5.0, 5.0]])
    np.testing.assert_allclose(nodes["xhat"].data[:, 0], np.array([-3, -1, 1, 3]) / np.sqrt(5 + 1e-5))
    got = demo.engine_grads(y, nodes, (x, g, b), dy)
    np.testing.assert_allclose(got["beta"], [2.0, 6.0])
    np.testing.assert_allclose(got["x"].sum(axis=0), 0.0, atol=1e-12)   # shifting x changes nothing


def test_matches_torch_batch_norm():
    torch = pytest.importorskip("torch")
    x, g, b, dy = demo.example()
    y, nodes = demo.named_graph(x, g, b)
    got = demo.engine_grads(y, nodes, (x, g, b), dy)
    tx, tg, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, g, b))
    ty = torch.nn.functional.batch_norm(tx, None, None, tg, tb, training=True, eps=demo.EPS)
    ty.backward(torch.tensor(dy))
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    for name, t in (("x", tx), ("gamma", tg), ("beta", tb)):
        np.testing.assert_allclose(got[name], t.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_demo_quick_writes_both_drawings(tmp_path, capsys):
    result = demo.main(["--quick", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert result["worst_step"] < 1e-12 and result["closed_form"] < 1e-12
    assert out.count("|hand - engine|") == 12
    src = (tmp_path / "batchnorm-graph.gv").read_text()
    for label in ("mu", "xmu", "sq", "var", "var+eps", "std", "xhat", "gxhat", "y"):
        assert f"<I>{label}:</I>" in src or f"{label}:" in src
    back = (tmp_path / "batchnorm-backward.gv").read_text()
    assert "dL/dx" in back and "dashed" in back
    assert not (tmp_path / "batchnorm-stepper.html").exists()


def test_stepper_frames_carry_the_derivation(tmp_path):
    import viz
    x, g, b, dy = demo.example()
    y, _ = demo.named_graph(x, g, b)
    try:
        viz.save_stepper(y, tmp_path / "bn.html", grad=dy, notes=demo.note)
    except viz.RenderError:
        pytest.skip("no Graphviz renderer")
    page = (tmp_path / "bn.html").read_text()
    for k in range(1, 10):                                   # the derivation's nine steps
        assert f"Step {k}," in page
    assert "the adder sums both parts" in page
    # the forward pass and the seed, then one frame per backward step
    assert page.count('class="frame"') == 2 + len(backprop_steps(y, dy))
