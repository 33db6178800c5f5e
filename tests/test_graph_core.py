"""The shared graph core: ordering, accumulation, no_grad, grad(), memory behaviour."""

import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor, Value, topological_order


def test_backward_twice_accumulates_like_torch():
    x, y = Value(2.0), Value(3.0)
    f = x * y
    f.backward()
    f.backward()
    assert (x.grad, y.grad, f.grad) == (6.0, 4.0, 2.0)
    for v in (x, y, f):
        v.grad = 0.0
    f.backward()
    assert (x.grad, y.grad) == (3.0, 2.0)


def test_fan_out_sums_every_use():
    x = Value(3.0)
    f = x * x + x.exp() * x + 2 * x
    f.backward()
    expected = 2 * 3.0 + np.exp(3.0) * (3.0 + 1) + 2
    assert x.grad == pytest.approx(expected)


def test_million_node_chain_has_no_recursion_limit():
    x = Value(0.5)
    y = x
    for _ in range(1_000_000):
        y = -y
    assert len(topological_order(y)) == 1_000_001
    y.backward()
    assert x.grad == 1.0


def test_a_graph_is_freed_without_the_cyclic_collector():
    gc.collect()
    gc.disable()
    try:
        w = [Value(0.1 * i) for i in range(50)]
        loss = sum(wi * wi for wi in w).tanh()
        loss.backward()
        autograd.grad(loss, w, create_graph=True)
        del loss
        assert gc.collect() == 0, "nodes left reference cycles behind"
    finally:
        gc.enable()


def test_no_grad_records_nothing():
    a = Value(2.0)
    with autograd.no_grad():
        b = a * 3 + 1
        t = Tensor([1.0, 2.0], requires_grad=True) * 2
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()
    assert b.parents == () and b.op == "" and b.data == 7.0
    assert t.requires_grad is False and t.parents == ()


def test_no_grad_restores_state_after_an_error():
    with pytest.raises(RuntimeError), autograd.no_grad():
        raise RuntimeError("boom")
    assert autograd.is_grad_enabled()


def test_grad_returns_gradients_and_leaves_dot_grad_alone():
    x, y = Value(2.0), Value(-1.0)
    f = x * x * y
    gx, gy = autograd.grad(f, [x, y])
    assert (gx.data, gy.data) == (-4.0, 4.0)
    assert x.grad == 0.0 and y.grad == 0.0


def test_grad_of_an_unused_input_is_zero():
    x, y = Value(2.0), Value(5.0)
    (gy,) = autograd.grad(x * x, [y])
    assert gy.data == 0.0


def test_grad_rejects_non_nodes():
    with pytest.raises(TypeError, match="inputs must be Values or Tensors"):
        autograd.grad(Value(1.0) * 2, [3.0])


def test_second_derivative_of_a_cubic():
    x = Value(1.5)
    (g,) = autograd.grad(x ** 3, [x], create_graph=True)
    assert g.data == pytest.approx(3 * 1.5 ** 2)
    (gg,) = autograd.grad(g, [x])
    assert gg.data == pytest.approx(6 * 1.5)


def test_third_derivative_of_tanh():
    x = Value(0.3)
    (g1,) = autograd.grad(x.tanh(), [x], create_graph=True)
    (g2,) = autograd.grad(g1, [x], create_graph=True)
    (g3,) = autograd.grad(g2, [x])
    t = np.tanh(0.3)
    assert g3.data == pytest.approx(-2 * (1 - t * t) * (1 - 3 * t * t))


def test_derived_backward_graph_is_made_of_primitives():
    x, y = Value(2.0), Value(3.0)
    (gx,) = autograd.grad(x * y, [x], create_graph=True)
    ops = {n.op for n in topological_order(gx)}
    assert "mul" in ops
    assert gx.data == 3.0


def test_backward_on_tensor_needs_grad_for_non_scalar():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*backward\(grad=\.\.\.\)"):
        (t * 2).backward()


def test_joint_rule_runs_once_per_node_for_the_needed_inputs_and_never_while_recording(declare):
    """A plain backward calls the joint rule once per node (telling it which inputs need a
    gradient); create_graph uses the per-input rules, which record."""
    seen = []

    def joint(needs, g, out, a, b):
        seen.append(tuple(needs))
        return tuple(g.copy() if need else None for need in needs)

    def rule(g, out, a, b):
        return g

    pair_op = declare("pair", autograd.Pattern.DISTRIBUTOR, lambda a, b: a + b, (rule, rule))
    pair_op.joint = joint       # what kernels attach: a faster form of the rules
    a = Tensor(np.ones((3, 4)), requires_grad=True)
    b = Tensor(np.ones((3, 4)), requires_grad=True)
    up = np.arange(12.0).reshape(3, 4)
    pair_op(a, b).backward(up)
    assert seen == [(True, True)]
    np.testing.assert_array_equal(a.grad.data, up)
    np.testing.assert_array_equal(b.grad.data, up)
    pair_op(a, Tensor(np.ones((3, 4)))).backward(up)
    assert seen == [(True, True), (True, False)]
    ga, = autograd.grad(pair_op(a, b), [a], grad_output=Tensor(up), create_graph=True)
    assert len(seen) == 2 and isinstance(ga, Tensor)
    np.testing.assert_array_equal(ga.data, up)


def test_a_saving_forward_is_told_whether_its_node_is_recorded(declare):
    """A forward with a ``record`` argument returns (output, saved); saved reaches the
    node's ``.saved`` and its rules only when the node is recorded."""
    calls = []

    def forward(x, record):
        calls.append(record)
        return x * 2.0, ("kept" if record else None)

    def rule(g, out, x, saved):
        assert saved == "kept"
        return 2.0 * g

    double = declare("double", autograd.Pattern.SCALE, forward, (rule,))
    assert double.saves
    y = double(Tensor(np.ones(3)))
    assert calls == [False] and y.saved is None and y.is_leaf and autograd.is_grad_enabled()
    x = Tensor(np.ones(3), requires_grad=True)
    y = double(x)
    assert calls == [False, True] and y.saved == "kept" and y.params == {}
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(double(np.ones(2)), [2.0, 2.0])    # raw: output only


@given(st.lists(st.floats(-3, 3, allow_nan=False).filter(lambda v: abs(v) > 0.1),
                min_size=3, max_size=3))
@settings(max_examples=40, deadline=None)
def test_the_two_input_shortcut_and_the_generic_loop_give_the_same_gradients(xs):
    """A plain backward takes _scalar_gate for add, sub, mul, div, max and min; grad()
    with create_graph=True takes the generic loop. Fan-out, constants on either side and
    ties (x.max(x)) included."""
    def f(a, b, c):
        return (a * b - c / b + 2.0 * a.max(c) - (b.min(a) + 1.0) * c + (a - 3.0) / (c * c)
                + a.max(a))
    leaves = [Value(v) for v in xs]
    f(*leaves).backward()
    fast = [v.grad for v in leaves]
    fresh = [Value(v) for v in xs]
    generic = [g.data for g in autograd.grad(f(*fresh), fresh, create_graph=True)]
    assert fast == pytest.approx(generic, rel=1e-12, abs=1e-12)
    assert any(g != 0.0 for g in fast)
