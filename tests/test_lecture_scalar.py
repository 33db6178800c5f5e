"""The lecture's worked numbers, reproduced exactly by the scalar engine."""

import math

import pytest

import autograd
from autograd import Value


def circuit():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    return x, y, z, q, q * z


def test_circuit_forward_and_gradients():
    x, y, z, q, f = circuit()
    assert f.data == -12.0
    f.backward()
    assert (x.grad, y.grad, z.grad, q.grad, f.grad) == (-4.0, -4.0, 3.0, -4.0, 1.0)


def test_circuit_steps_mul_then_add():
    x, y, z, q, f = circuit()
    mul, add = autograd.backprop_steps(f)
    assert (mul.op, mul.pattern) == ("mul", "swap multiplier")
    assert mul.upstream == 1.0 and mul.local == (-4.0, 3.0) and mul.downstream == (-4.0, 3.0)
    assert mul.inputs == (q, z) and mul.output is f
    assert (add.op, add.pattern) == ("add", "distributor")
    assert add.upstream == -4.0 and add.local == (1.0, 1.0) and add.downstream == (-4.0, -4.0)
    assert add.inputs == (x, y)


def test_step_text_reads_like_the_lecture():
    *_, f = circuit()
    text = str(autograd.backprop_steps(f)[0])
    assert "mul (swap multiplier): [upstream 1] x [local -4] = [downstream -4]" in text
    assert "[upstream 1] x [local 3] = [downstream 3]" in text


def neuron_inputs():
    names = ["w0", "x0", "w1", "x1", "w2"]
    return [Value(v, n) for v, n in zip([2.0, -1.0, -3.0, -2.0, -3.0], names)]


EXPECTED = [-0.20, 0.39, -0.39, -0.59, 0.20]


def test_sigmoid_neuron_through_small_gates():
    w0, x0, w1, x1, w2 = v = neuron_inputs()
    f = 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())
    assert f.data == pytest.approx(0.73, abs=0.005)
    f.backward()
    assert [round(n.grad, 2) for n in v] == EXPECTED


def test_sigmoid_neuron_through_one_sigmoid_gate():
    w0, x0, w1, x1, w2 = v = neuron_inputs()
    s = (w0 * x0 + w1 * x1 + w2).sigmoid()
    s.backward()
    assert [round(n.grad, 2) for n in v] == EXPECTED
    step = autograd.backprop_steps(s)[0]
    assert step.op == "sigmoid"
    sig = 1 / (1 + math.exp(-1.0))
    assert step.local[0] == pytest.approx((1 - sig) * sig)


def test_add_distributes():
    a, b = Value(3.0), Value(4.0)
    (step,) = autograd.backprop_steps(a + b, grad=2.0)
    assert step.pattern == "distributor" and step.downstream == (2.0, 2.0)


def test_mul_swaps():
    a, b = Value(2.0), Value(3.0)
    (step,) = autograd.backprop_steps(a * b, grad=5.0)
    assert step.pattern == "swap multiplier" and step.downstream == (15.0, 10.0)


def test_max_routes():
    a, b = Value(4.0), Value(5.0)
    (step,) = autograd.backprop_steps(a.max(b), grad=9.0)
    assert step.pattern == "router" and step.downstream == (0.0, 9.0)


def test_copy_adds():
    x = Value(7.0, "x")
    out = x * 4.0 + x * 2.0
    copies = [s for s in autograd.backprop_steps(out) if s.op == "copy"]
    assert len(copies) == 1
    (copy,) = copies
    assert copy.pattern == "adder" and copy.inputs == (x,)
    assert sorted(copy.upstream) == [2.0, 4.0] and copy.downstream == (6.0,)
    assert "copy (adder): [upstream" in str(copy) and "= [downstream 6]" in str(copy)
    out.backward()
    assert x.grad == 6.0


def test_copy_of_a_node_used_twice_by_one_gate():
    x = Value(3.0, "x")
    steps = autograd.backprop_steps(x * x)
    assert [s.op for s in steps] == ["mul", "copy"]
    assert steps[1].upstream == (3.0, 3.0) and steps[1].downstream == (6.0,)


def test_steps_leave_grad_untouched():
    *_, f = circuit()
    autograd.backprop_steps(f)
    assert f.grad == 0.0 and all(p.grad == 0.0 for p in f.parents)
