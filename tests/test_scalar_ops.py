"""Each Value op against central differences, its declared pattern, and its errors."""

import math

import pytest

import autograd
from autograd import Value
from autograd.core import forget

UNARY = {
    "exp": (lambda a: a.exp(), 0.7),
    "log": (lambda a: a.log(), 1.3),
    "tanh": (lambda a: a.tanh(), -0.4),
    "sigmoid": (lambda a: a.sigmoid(), 0.9),
    "relu+": (lambda a: a.relu(), 0.8),
    "relu-": (lambda a: a.relu(), -0.8),
    "neg": (lambda a: -a, 1.5),
    "pow2": (lambda a: a ** 2, -1.5),
    "pow-half": (lambda a: a ** -0.5, 2.0),
    "pow3": (lambda a: a ** 3, 0.6),
}

BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "max": lambda a, b: a.max(b),
    "min": lambda a, b: a.min(b),
    "radd": lambda a, b: 2.5 + a * b,
    "rsub": lambda a, b: 2.5 - a * b,
    "rmul": lambda a, b: 2.5 * a - b,
    "rdiv": lambda a, b: 2.5 / (a * b),
}


@pytest.mark.parametrize("name", UNARY)
def test_unary_first_and_second_order(name):
    fn, x0 = UNARY[name]
    x = Value(x0)
    assert autograd.gradcheck(fn, [x])
    assert autograd.gradgradcheck(fn, [x])


@pytest.mark.parametrize("name", BINARY)
def test_binary_first_and_second_order(name):
    fn = BINARY[name]
    a, b = Value(1.3), Value(-0.7)
    assert autograd.gradcheck(fn, [a, b])
    assert autograd.gradgradcheck(fn, [a, b])


def test_every_op_declares_its_pattern():
    patterns = {op.name: op.pattern for op in autograd.ops()}
    assert patterns["add"] is autograd.Pattern.DISTRIBUTOR
    assert patterns["mul"] is autograd.Pattern.SWAP_MULTIPLIER
    assert patterns["max"] is patterns["min"] is patterns["relu"] is autograd.Pattern.ROUTER
    assert all(isinstance(p, autograd.Pattern) for p in patterns.values())


def test_op_names_recorded_on_nodes():
    a, b = Value(2.0), Value(3.0)
    assert (a + b).op == "add" and (a * b).op == "mul" and a.op == ""
    assert (a ** 2).op == "pow" and (a ** 2).params == {"exponent": 2}
    assert (a + b).parents == (a, b)
    assert a.relu().parents == (a,) and (a ** 2).parents == (a,)
    assert (a * a).parents == (a, a)


def test_value_ops_take_one_or_two_inputs(declare):
    three = declare("three", autograd.Pattern.DISTRIBUTOR, lambda x, y, z: x + y + z,
                    (None, None, None), scalar=True)
    with pytest.raises(TypeError, match="three: Values take ops of one or two inputs, got 3"):
        three(Value(1.0), Value(2.0), Value(3.0))


def test_numbers_on_either_side():
    a = Value(4.0)
    assert (1 + a).data == 5.0 and (a + 1).data == 5.0
    assert (1 - a).data == -3.0 and (a - 1).data == 3.0
    assert (2 * a).data == 8.0 and (2 / a).data == 0.5 and (a / 2).data == 2.0


def test_max_min_tie_split_evenly():
    a, b = Value(2.0), Value(2.0)
    (step,) = autograd.backprop_steps(a.max(b))
    assert step.downstream == (0.5, 0.5)


def test_sigmoid_stable_for_large_inputs():
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().data == 0.0


@pytest.mark.parametrize("make, message", [
    (lambda: Value("3"), "real number"),
    (lambda: Value(1.0) + "a", "unsupported operand"),
    (lambda: Value(1.0) * None, "unsupported operand"),
    (lambda: Value(-1.0).log(), "log"),
    (lambda: Value(1000.0).exp(), "exp"),
    (lambda: Value(-8.0) ** 0.5, "negative base"),
    (lambda: Value(0.0) ** -1, "pow"),
    (lambda: Value(1.0) / 0, "division by zero"),
    (lambda: Value(2.0) ** Value(2.0), "exponent must be a number"),
])
def test_bad_input_is_a_clear_error(make, message):
    with pytest.raises((TypeError, ValueError, ZeroDivisionError), match=message):
        make()


def test_gradcheck_catches_a_wrong_rule():
    wrong = autograd.Op("bad_square", autograd.Pattern.ELEMENTWISE, lambda x: x * x,
                        backward=(lambda g, out, x: g * x,), scalar=True)  # should be 2x
    try:
        with pytest.raises(autograd.GradcheckError, match=r"analytic 1\.5 vs numerical 3"):
            autograd.gradcheck(lambda v: wrong(v), [Value(1.5)])
    finally:
        forget(wrong)


def test_value_repr_and_float():
    v = Value(2.5, label="w")
    assert "w" in repr(v) and "2.5" in repr(v)
    assert float(v) == 2.5
    assert math.isclose(float(v.tanh()), math.tanh(2.5))


def test_undefined_gradient_is_a_clear_error():
    y = Value(0.0) ** 0.5
    with pytest.raises(ValueError, match=r"pow: gradient of x \*\* 0.5 is undefined at x=0"):
        y.backward()


def test_overflow_says_overflow():
    with pytest.raises(ValueError, match=r"exp: overflows a float at x=1000\.0"):
        Value(1000.0).exp()
    with pytest.raises(ValueError, match=r"pow: 1e\+200 \*\* 2 overflows a float"):
        Value(1e200) ** 2


def test_square_backward_graph_has_no_power_of_one():
    x = Value(3.0)
    (g,) = autograd.grad(x ** 2, [x], create_graph=True)
    ops = {n.op for n in autograd.topological_order(g)}
    assert g.data == 6.0 and "pow" not in ops


def test_step_targets_name_unlabelled_inputs():
    x = Value(2.0, "x")
    f = 1 / (x.exp() + 1)
    text = str(autograd.backprop_steps(f)[0])
    assert "-> 1" in text and "-> (add)" in text


def test_gradcheck_names_bad_inputs_before_calling_fn():
    import numpy as np

    from autograd import Tensor
    with pytest.raises(TypeError, match="input 0 does not require grad"):
        autograd.gradcheck(lambda t: t.exp(), [Tensor(np.ones(2))])
    with pytest.raises(TypeError, match="input 0 must be a Value or Tensor"):
        autograd.gradcheck(lambda t: t.exp(), [np.ones(2)])
    assert float(Tensor([2.5])) == 2.5


def test_sqrt_gradient_at_zero_is_refused_like_pow_half():
    """sqrt(0) = 0 is fine; its slope 1/(2 sqrt x) is not a number there. A Value says so in
    one line (as x ** 0.5 does) instead of a bare ZeroDivisionError."""
    for make in (lambda v: v.sqrt(), lambda v: v ** 0.5):
        x = Value(0.0)
        y = make(x)
        assert y.data == 0.0
        with pytest.raises(ValueError, match=r"^(sqrt|pow): gradient of .* is undefined at x=0$"):
            y.backward()
    x = Value(4.0)
    x.sqrt().backward()
    assert x.grad == 0.25
    x = Value(0.0)
    with pytest.raises(ValueError, match=r"^sqrt: gradient of sqrt\(x\) is undefined at x=0$"):
        autograd.grad(x.sqrt(), [x], create_graph=True)
