"""backprop_steps on Tensor graphs: arrays flow, locals describe implicit Jacobians in words."""

import numpy as np

import autograd
from autograd import Pattern, Tensor, backprop_steps
from autograd import functional as F
from autograd.ops.products import MATMUL
from autograd.ops.reductions import AMAX, MEAN, SUM
from autograd.ops.routers import RELU
from autograd.ops.shape import BROADCAST_TO


def test_every_tensor_op_declares_its_pattern():
    assert SUM.pattern is MEAN.pattern is Pattern.DISTRIBUTOR
    assert BROADCAST_TO.pattern is Pattern.ADDER
    assert MATMUL.pattern is Pattern.SWAP_MULTIPLIER
    assert AMAX.pattern is RELU.pattern is Pattern.ROUTER
    assert all(isinstance(op.pattern, Pattern) for op in autograd.ops())


def test_relu_step_reads_like_the_lecture():
    x = Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True, label="x")
    y = x.relu()
    (step,) = backprop_steps(y, np.array([4.0, -1.0, 5.0, 9.0]))
    assert (step.op, step.pattern, step.local) == ("relu", "router", ("diag(x > 0)",))
    np.testing.assert_array_equal(step.upstream, [4.0, -1.0, 5.0, 9.0])
    np.testing.assert_array_equal(step.downstream[0], [4.0, 0.0, 5.0, 0.0])
    assert str(step) == ("relu (router): [upstream [4, -1, 5, 9]] x "
                         "[local diag(x > 0)] = [downstream [4, 0, 5, 0]]  -> x")
    assert x.grad is None                           # steps leave .grad alone


def test_matmul_step_is_the_swap_multiplier():
    x = Tensor([[2.0, 1, -3], [-3, 4, 2]], requires_grad=True)
    w = Tensor([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]], requires_grad=True)
    up = np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]])
    (step,) = backprop_steps(x @ w, up)
    assert step.pattern == "swap multiplier"
    assert "W^T" in step.local[0].replace("B^T", "W^T") and "A^T" in step.local[1]
    np.testing.assert_array_equal(step.downstream[0], up @ w.data.T)
    np.testing.assert_array_equal(step.downstream[1], x.data.T @ up)


def test_broadcast_and_fan_out_show_up_as_steps(rng):
    x = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(3,)), requires_grad=True)
    h = x * b                                   # b is broadcast over 2 rows
    loss = (h + h.exp()).sum()                  # h fans out to two consumers
    steps = backprop_steps(loss)
    ops = [s.op for s in steps]
    assert ops[0] == "sum" and steps[0].pattern == "distributor"
    copy = next(s for s in steps if s.op == "copy")
    assert copy.pattern == "adder" and len(copy.upstream) == 2
    np.testing.assert_allclose(copy.downstream[0], copy.upstream[0] + copy.upstream[1])
    mul = next(s for s in steps if s.op == "mul")
    assert mul.downstream[1].shape == (3,)      # reduced over the broadcast axis
    np.testing.assert_allclose(mul.downstream[1], (copy.downstream[0] * x.data).sum(axis=0))
    for s in steps:
        assert all(isinstance(loc, str) for loc in s.local)   # never a formed Jacobian


def test_steps_of_a_small_network_cover_its_gates(rng):
    x = Tensor(rng.normal(size=(4, 3)))
    w = Tensor(rng.normal(size=(3, 5)), requires_grad=True)
    loss = F.cross_entropy((x @ w).relu(), [0, 1, 2, 3])
    steps = backprop_steps(loss)
    patterns = {s.op: s.pattern for s in steps}
    assert patterns["relu"] == "router" and patterns["matmul"] == "swap multiplier"
    assert patterns["getitem"] == "gather" and "log_softmax" in patterns
    final = next(s for s in steps if s.op == "matmul").downstream[1]
    (gw,) = autograd.grad(loss, [w])
    np.testing.assert_allclose(final, gw.data)
