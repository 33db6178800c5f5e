"""Tensor ops against central differences, first and second order, over shapes and values.

Shapes (), (3,), (2, 3), (1, 3), (2, 1, 3) and every broadcasting pair of them; values
come from hypothesis. Routers (relu, max) are checked away from their kinks.
"""

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor, gradcheck, gradgradcheck

SHAPES = [(), (3,), (2, 3), (1, 3), (2, 1, 3)]


def arrays(shape, lo=-2.0, hi=2.0):
    return hnp.arrays(np.float64, shape, elements=st.floats(lo, hi, allow_nan=False, width=64))


@st.composite
def one(draw, lo=-2.0, hi=2.0):
    return draw(arrays(draw(st.sampled_from(SHAPES)), lo, hi))


@st.composite
def pair(draw, lo=-2.0, hi=2.0):
    a = draw(arrays(draw(st.sampled_from(SHAPES)), lo, hi))
    b = draw(arrays(draw(st.sampled_from(SHAPES)), lo, hi))
    return a, b


def check(fn, *arrays_, second=True):
    """gradcheck (and gradgradcheck) of fn at copies of the given arrays."""
    xs = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays_]
    assert gradcheck(fn, xs)
    if second:
        assert gradgradcheck(fn, xs)


def away_from(values, point, gap=1e-2):
    return np.all(np.abs(np.asarray(values) - point) > gap)


# ---------------------------------------------------------------- arithmetic with broadcasting

@pytest.mark.parametrize("fn", [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b,
], ids=["add", "sub", "mul"])
@given(ab=pair())
def test_binary_broadcasting(fn, ab):
    check(fn, *ab)


@given(ab=pair())
def test_div_broadcasting(ab):
    a, b = ab
    b = np.where(np.asarray(b) >= 0, np.asarray(b) + 0.5, np.asarray(b) - 0.5)  # away from 0
    check(lambda x, y: x / y, a, b)


@given(ab=pair())
def test_max_min_route_to_the_winner(ab):
    a, b = ab
    assume(away_from(np.subtract(*np.broadcast_arrays(a, b)), 0.0))
    check(lambda x, y: x.maximum(y), a, b)
    check(lambda x, y: x.minimum(y), a, b)


@given(a=one(), c=st.floats(0.5, 3.0))
def test_python_scalars_on_either_side(a, c):
    check(lambda x: c + x, a)
    check(lambda x: c - x, a)
    check(lambda x: x - c, a)
    check(lambda x: c * x * c, a)
    check(lambda x: x / c, a)
    check(lambda x: c ** x, a)


@given(a=one(lo=0.3, hi=2.0))
def test_rdiv_and_powers(a):
    check(lambda x: 1.5 / x, a)
    for p in (2, 3, 0.5, -1, -1.5):
        check(lambda x, p=p: x ** p, a)


@given(a=one())
def test_neg_and_square(a):
    check(lambda x: -x, a)
    check(lambda x: x ** 2, a)


# ---------------------------------------------------------------- elementwise functions

@pytest.mark.parametrize("name", ["exp", "tanh", "sigmoid"])
@given(a=one())
def test_smooth_unary(name, a):
    check(lambda x: getattr(x, name)(), a)


@given(a=one(lo=0.2, hi=3.0))
def test_log(a):
    check(lambda x: x.log(), a)


@given(a=one())
def test_relu(a):
    assume(away_from(a, 0.0))
    check(lambda x: x.relu(), a)
    check(lambda x: x.relu() * x, a)  # a non-zero second derivative through the router


# ---------------------------------------------------------------- reductions

def axis_choices(ndim):
    choices = [None]
    if ndim:
        choices += list(range(-ndim, ndim))
        choices += [tuple(range(ndim))]
    if ndim >= 2:
        choices += [(0, ndim - 1)]
    return choices


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(data=st.data())
def test_sum_mean_axes(name, data):
    a = data.draw(one())
    axis = data.draw(st.sampled_from(axis_choices(a.ndim)))
    keepdims = data.draw(st.booleans())
    check(lambda x: getattr(x, name)(axis=axis, keepdims=keepdims) * 1.5, a)
    check(lambda x: getattr(x * x, name)(axis=axis, keepdims=keepdims), a)


@given(data=st.data())
def test_max_reduction_axes(data):
    shape = data.draw(st.sampled_from(SHAPES))
    n = int(np.prod(shape))
    values = data.draw(st.permutations(list(range(n))))   # distinct: no ties
    noise = data.draw(arrays(shape, 0.0, 0.4))
    a = np.asarray(values, dtype=np.float64).reshape(shape) + noise
    axis = data.draw(st.sampled_from(axis_choices(len(shape))))
    keepdims = data.draw(st.booleans())
    check(lambda x: x.max(axis=axis, keepdims=keepdims), a)
    check(lambda x: (x * x).max(axis=axis, keepdims=keepdims), a + 0.5)


# ---------------------------------------------------------------- matmul

MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
    ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
    ((1, 2, 3), (2, 3, 4)), ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 3), (3,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
@given(data=st.data())
def test_matmul_batched_and_1d(sa, sb, data):
    a = data.draw(arrays(sa))
    b = data.draw(arrays(sb))
    check(lambda x, y: x @ y, a, b)


def test_matmul_with_an_array_operand(rng):
    w = rng.normal(size=(3, 2))
    check(lambda x: x @ w, rng.normal(size=(4, 3)))
    check(lambda x: w.T @ x, rng.normal(size=(3, 5)))


# ---------------------------------------------------------------- shape ops

@given(a=one())
def test_reshape_flatten_transpose(a):
    check(lambda x: x.flatten() * np.arange(1.0, a.size + 1), a)
    check(lambda x: x.reshape(-1, 1) * np.arange(1.0, a.size + 1).reshape(-1, 1), a)
    check(lambda x: x.T * np.arange(1.0, a.size + 1).reshape(a.shape[::-1]), a)
    if a.ndim == 3:
        check(lambda x: x.transpose(1, 2, 0).reshape(3, -1) @ np.ones((a.size // 3, 2)), a)


@pytest.mark.parametrize("index", [
    0, -1, slice(1, None), (slice(None), 1), (1, slice(None, None, -1)),
    np.array([0, 2, 2, 1]), (np.array([0, 1, 1]), np.array([2, 0, 0])),
    (slice(None), np.array([1, 1, 1])), [3, 3, 0],
], ids=["int", "neg", "slice", "col", "rev", "repeat", "pairs", "cols", "list"])
def test_getitem_and_repeated_indices(index, rng):
    shape = (4, 3) if not isinstance(index, list) else (5,)
    check(lambda x: x[index] * 1.0, rng.normal(size=shape))


def test_concat_and_stack(rng):
    a, b, c = rng.normal(size=(2, 3)), rng.normal(size=(1, 3)), rng.normal(size=(2, 3))
    check(lambda x, y: autograd.concat([x, y], axis=0) ** 2, a, b)
    check(lambda x, y: autograd.concat([x, y * 2], axis=-1) ** 2, a, c)
    check(lambda x, y: autograd.stack([x, y], axis=1) ** 2, a, c)
    check(lambda x, y: autograd.stack([x, y.exp()]) ** 2, a, c)


@given(ab=pair())
def test_broadcast_to(ab):
    a, b = ab
    shape = np.broadcast_shapes(a.shape, b.shape)
    check(lambda x: x.broadcast_to(shape) ** 2, a)


# ---------------------------------------------------------------- compositions

def test_mlp_like_composition(rng):
    x = rng.normal(size=(4, 3))
    w1, b1 = rng.normal(size=(3, 5)), rng.normal(size=(5,))
    w2 = rng.normal(size=(5, 2))

    def net(x, w1, b1, w2):
        h = (x @ w1 + b1).tanh()
        return autograd.functional.log_softmax(h @ w2, axis=1).sum()

    check(net, x, w1, b1, w2)


def test_fan_out_sums_contributions(rng):
    check(lambda x: x * x.exp() + x.sum() * x, rng.normal(size=(2, 3)))


# ---------------------------------------------------------------- indexing and joining, properties

@given(data=st.data())
def test_gather_gradient_equals_a_naive_scatter_loop(data):
    n = data.draw(st.integers(1, 5))
    index = np.asarray(data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=8)))
    x = Tensor(data.draw(arrays((n, 2))), requires_grad=True)
    up = data.draw(arrays((len(index), 2)))
    x[index].backward(up)
    want = np.zeros((n, 2))
    for row, i in enumerate(index):          # the copy gate's adder, one use at a time
        want[i] += up[row]
    np.testing.assert_allclose(np.asarray(x.grad), want)
    check(lambda t: t[index] ** 2, x.data)


@given(data=st.data())
def test_concat_and_stack_over_shapes(data):
    shape = data.draw(st.sampled_from([(3,), (2, 3), (1, 3), (2, 1, 3)]))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    a, b = data.draw(arrays(shape)), data.draw(arrays(shape))
    check(lambda x, y: autograd.concat([x, y, x], axis=axis) ** 2, a, b)
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(lambda x, y: autograd.stack([y, x], axis=new_axis) ** 2, a, b)


def test_broadcast_reduction_happens_in_the_engine_not_in_the_rule():
    """add's rule hands back the upstream unchanged (distributor); the engine sums it over
    the broadcast axis for the (3,)-shaped input (adder), in one place: Tensor._unbroadcast."""
    from autograd.ops.arithmetic import ADD
    g = np.arange(6.0).reshape(2, 3)
    rule_for_b = ADD.backward[1]
    assert rule_for_b(g, None, np.zeros((2, 3)), np.zeros(3)).shape == (2, 3)
    b = Tensor(np.zeros(3), requires_grad=True)
    (Tensor(np.zeros((2, 3))) + b).backward(g)
    np.testing.assert_array_equal(np.asarray(b.grad), g.sum(axis=0))
