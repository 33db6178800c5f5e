"""One declaration per op: Value, Tensor, scalar expansion, steps, drawings and the CLI's
parser all learn an op from its Op(..., method=...) declaration; locals come from the rules."""

import math

import numpy as np
import pytest

import autograd
import viz
from autograd import Op, Pattern, Tensor, Value
from autograd.core import forget, registry
from autograd.ops.arithmetic import POW
from autograd.teaching.expand import ValueArray, compare, to_values
from viz import parse


@pytest.fixture
def cube():
    """A throw-away unary op, declared once (like its siblings in autograd/ops/functions.py)."""
    op = Op("cube", Pattern.ELEMENTWISE, lambda x: x * x * x,
            backward=(lambda g, out, x: g * (3.0 * x * x),),
            jacobian=("diag(3 x^2)",), method="cube", scalar=True)
    yield op
    forget(op)


def test_one_declaration_teaches_every_layer_the_new_op(cube, rng):
    # Value: a method, with its gradient
    x = Value(2.0, label="x")
    y = x.cube()
    assert y.data == 8.0 and y.op == "cube" and y.pattern is Pattern.ELEMENTWISE
    y.backward()
    assert x.grad == 12.0
    # Tensor: a method, checked against finite differences to second order
    t = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    np.testing.assert_allclose(t.cube().data, t.data ** 3)
    assert autograd.gradcheck(lambda a: a.cube(), [t])
    assert autograd.gradgradcheck(lambda a: a.cube(), [t])
    # scalar expansion: ValueArrays carry it, and the gates agree with the tensor backward
    assert isinstance(to_values(np.ones(2)).cube(), ValueArray)
    r = compare(lambda a: (a.cube() * a).sum(), [rng.normal(size=(2, 2))])
    assert r.gates["cube"] == 4 and r.max_difference() < 1e-12
    # steps: local = the rule at upstream 1 = 3 x^2
    step = next(s for s in autograd.backprop_steps(Value(2.0).cube()) if s.op == "cube")
    assert step.local == (12.0,) and step.downstream == (12.0,)
    # drawings and the CLI's parser
    assert "cube" in viz.draw(Value(2.0, label="x").cube()).source
    assert "cube" in parse.FUNCTIONS
    built = parse.build("cube(x) + 1", {"x": 2.0})
    assert built.root.data == 9.0


def test_forgetting_a_declaration_removes_it_everywhere():
    op = Op("square_test", Pattern.ELEMENTWISE, lambda x: x * x,
            backward=(lambda g, out, x: g * (2.0 * x),), method="square_test", scalar=True)
    assert Value(3.0).square_test().data == 9.0
    forget(op)
    assert op not in autograd.ops()
    for cls in (Value, Tensor, ValueArray):
        assert not hasattr(cls, "square_test")
    assert "square_test" not in parse.FUNCTIONS
    with pytest.raises(parse.ExprError, match="unknown function 'square_test'"):
        parse.parse("square_test(x)")
    assert hasattr(Value, "exp") and Tensor.max is not None      # the others stay


def test_a_method_name_is_declared_once():
    with pytest.raises(ValueError, match="'exp' is already declared"):
        Op("exp2", Pattern.ELEMENTWISE, np.exp, backward=(lambda g, out, x: g * out,), method="exp")
    assert "exp2" not in [op.name for op in autograd.ops()]     # refused before declaring


def test_an_op_name_is_declared_once():
    with pytest.raises(ValueError, match="op 'exp' is already declared"):
        Op("exp", Pattern.ELEMENTWISE, np.exp, backward=(lambda g, out, x: g * out,))


def test_a_pattern_is_a_pattern():
    with pytest.raises(TypeError, match=r"pattern must be an autograd\.Pattern"):
        Op("cube2", "elementwise", np.exp, backward=(lambda g, out, x: g * out,))


def test_the_parser_whitelist_is_the_registry():
    scalar = {name: op for name, (op, _) in registry.METHODS.items()
              if not name.startswith("_") and op.scalar}
    assert set(parse.UNARY) == {n for n, op in scalar.items() if op.arity == 1}
    assert set(parse.VARIADIC) == {n for n, op in scalar.items() if op.arity == 2} == {"max", "min"}
    assert {"exp", "log", "tanh", "sigmoid", "relu", "leaky_relu", "gelu", "erf"} <= set(parse.UNARY)
    assert all(hasattr(Value, name) and hasattr(Tensor, name) for name in parse.UNARY)


def test_declared_locals_equal_the_rules_at_upstream_one(rng):
    """Where an op declares its local gradients, they agree with its rules at upstream 1."""
    for op in autograd.ops():
        if op.local is not None:
            x = rng.normal(size=op.arity)
            out = op.forward(*x)
            np.testing.assert_allclose(op.local(out, *x), op.derived_local(out, *x))


CASES = {op.name: op for op in autograd.ops() if op.scalar and op.name != "pow"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_scalar_local_is_the_derivative(name, rng):
    """The locals steps print (rules at upstream 1) are the forward's partial derivatives."""
    op = CASES[name]
    for _ in range(5):
        x = [float(v) for v in rng.uniform(0.3, 2.0, size=op.arity) * rng.choice([-1, 1], op.arity)]
        if name in ("log", "sqrt", "log1p"):
            x = [abs(v) for v in x]
        out = op.forward(*x)
        local = op.local_grads(out, *x)
        for i in range(op.arity):
            h = 1e-6
            up = op.forward(*[v + h * (j == i) for j, v in enumerate(x)])
            down = op.forward(*[v - h * (j == i) for j, v in enumerate(x)])
            assert local[i] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-7)


def test_pow_local_is_the_power_rule():
    out = POW.forward(1.5, 3)
    assert POW.local_grads(out, 1.5, exponent=3) == pytest.approx((3 * 1.5 ** 2,))


# ---------------------------------------------------------------- Value and Tensor agree

def test_max_and_min_are_elementwise_for_both_kinds():
    a, b = Value(2.0), Value(5.0)
    assert a.max(b).data == 5.0 and a.min(b).data == 2.0
    t = Tensor([1.0, 4.0, 3.0], requires_grad=True)
    u = Tensor([2.0, 2.0, 3.0], requires_grad=True)
    m = t.max(u)
    np.testing.assert_array_equal(m.data, [2.0, 4.0, 3.0])
    m.sum().backward()
    np.testing.assert_array_equal(t.grad.data, [0.0, 1.0, 0.5])      # ties split, like Value
    np.testing.assert_array_equal(u.grad.data, [1.0, 0.0, 0.5])
    np.testing.assert_array_equal(t.min(u).data, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(t.max(np.array([3.0, 3.0, 3.0])).data, [3.0, 4.0, 3.0])
    np.testing.assert_array_equal(t.max(2.5).data, [2.5, 4.0, 3.0])   # a float: elementwise
    assert t.max().data == 4.0 and t.max(0).data == 4.0              # an int: an axis


def test_tensor_min_is_a_reduction_routing_to_the_first_arg_min(rng):
    x = Tensor([[3.0, 1.0, 1.0], [0.0, 5.0, -2.0]], requires_grad=True)
    y = x.min(axis=1)
    np.testing.assert_array_equal(y.data, [1.0, -2.0])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [0, 0, 1]])
    assert x.min().data == -2.0 and x.min(axis=0, keepdims=True).shape == (1, 3)
    z = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    assert autograd.gradcheck(lambda a: a.min(axis=0), [z])
    with pytest.raises(ValueError, match="min: empty tensor"):
        Tensor(np.zeros((0,))).min()


def test_number_to_the_power_of_a_node_for_both_kinds():
    x = Value(3.0)
    y = 2 ** x
    y.backward()
    assert y.data == pytest.approx(8.0) and x.grad == pytest.approx(8.0 * math.log(2))
    t = Tensor([0.0, 1.0], requires_grad=True)
    (2 ** t).sum().backward()
    np.testing.assert_allclose(t.grad.data, [math.log(2), 2 * math.log(2)])
    for node in (Value(1.0), Tensor([1.0])):
        with pytest.raises(ValueError, match=r"pow: -2 \*\* .* needs a positive number"):
            (-2) ** node
        with pytest.raises(ValueError, match="needs a positive number"):
            0 ** node


def test_comparisons_behave_like_the_data():
    a, b = Value(1.0), Value(2.0)
    assert (a < b) is True and (a >= b) is False and (a < 1.5) is True
    # == and hash are by identity (equal objects hash equal): a Value is a node, not a number
    c = Value(1.0)
    assert (a == c) is False and (a == a) is True and (a != c) is True
    assert c not in [a] and c not in {a} and len({a, c}) == 2
    t = Tensor([1.0, 3.0])
    np.testing.assert_array_equal(t > 2, [False, True])
    np.testing.assert_array_equal(t == Tensor([1.0, 0.0]), [True, False])


@pytest.mark.parametrize("fn", ["relu", "sigmoid", "tanh", "softmax", "log_softmax"])
@pytest.mark.parametrize("given", [[1.0, -2.0], np.array([1.0, -2.0]), Tensor([1.0, -2.0])])
def test_every_activation_takes_raw_data_and_returns_a_tensor(fn, given):
    from autograd import functional as F
    out = getattr(F, fn)(given)
    assert isinstance(out, Tensor)
    expected = getattr(F, fn)(Tensor(np.array([1.0, -2.0])))
    np.testing.assert_allclose(out.data, expected.data)


def test_activations_of_a_number_are_zero_d_tensors():
    from autograd import functional as F
    assert isinstance(F.relu(-3.0), Tensor) and F.relu(-3.0).data == 0.0
    assert F.sigmoid(0.0).data == 0.5


# ---------------------------------------------------------------- one topological order

def _reference_order(root):
    """The recursive definition: visit each input in order, list a node after its inputs."""
    order, seen = [], {id(root)}

    def visit(node):
        for p in node.parents:
            if id(p) not in seen:
                seen.add(id(p))
                visit(p)
        order.append(node)
    visit(root)
    return order


def test_topological_order_visits_inputs_in_order(rng):
    x, y, z = Value(1.0, "x"), Value(2.0, "y"), Value(3.0, "z")
    f = (x * y + y.exp() / x) * z + x.tanh()
    assert autograd.topological_order(f) == _reference_order(f)
    order = autograd.topological_order((x + y) * z)
    assert [n.label or n.op for n in order] == ["x", "y", "add", "z", "mul"]
    a = Tensor(rng.normal(size=(2, 2)), requires_grad=True)
    b = autograd.concat([a, a * 2, a.relu()], axis=0).sum() + a.sum()
    assert autograd.topological_order(b) == _reference_order(b)


def test_a_forward_failing_inside_numpy_is_named_after_its_op():
    """numpy's own TypeError subclasses take other arguments than a message: the op's name
    still leads the one-line error, which keeps numpy's words."""
    def into_bytes(x):
        return np.multiply(x, 1.5, out=np.zeros(np.shape(x), np.uint8))   # float into uint8
    op = Op("into_bytes", Pattern.ELEMENTWISE, into_bytes, backward=(lambda g, out, x: g,))
    try:
        with pytest.raises(TypeError, match=r"^into_bytes: .*cast"):
            op(np.ones(3))
    finally:
        forget(op)
