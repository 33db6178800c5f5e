"""Hypothesis: random expression trees match finite differences, first and second order."""

import math

from hypothesis import assume, given
from hypothesis import strategies as st

import autograd
from autograd import Value

numbers = st.floats(min_value=-2.0, max_value=2.0, allow_nan=False).filter(lambda v: abs(v) > 1e-3)

UNARY = ["exp", "tanh", "sigmoid", "relu", "neg", "square", "log_abs"]
BINARY = ["add", "sub", "mul", "div", "max", "min"]


def tree(depth):
    leaf = st.tuples(st.just("leaf"), st.integers(0, 2))
    if depth == 0:
        return leaf
    sub = tree(depth - 1)
    return st.one_of(
        leaf,
        st.tuples(st.sampled_from(UNARY), sub),
        st.tuples(st.sampled_from(BINARY), sub, sub),
    )


class Kink(Exception):
    """The expression is too close to a point where it is not differentiable."""


def evaluate(expr, xs):
    kind = expr[0]
    if kind == "leaf":
        return xs[expr[1]]
    if kind in UNARY:
        a = evaluate(expr[1], xs)
        if kind == "exp":
            return a.exp()
        if kind == "tanh":
            return a.tanh()
        if kind == "sigmoid":
            return a.sigmoid()
        if kind == "relu":
            if abs(a.data) < 1e-2:
                raise Kink
            return a.relu()
        if kind == "neg":
            return -a
        if kind == "square":
            return a ** 2
        if abs(a.data) < 1e-1:
            raise Kink
        return (a * a).log() * 0.5
    a, b = evaluate(expr[1], xs), evaluate(expr[2], xs)
    if kind in ("max", "min") and abs(a.data - b.data) < 1e-2:
        raise Kink
    if kind == "div":
        if abs(b.data) < 0.3:
            raise Kink
        return a / b
    return {"add": a + b, "sub": a - b, "mul": a * b, "max": a.max(b), "min": a.min(b)}[kind]


def fn_of(expr):
    return lambda *xs: evaluate(expr, xs)


def differentiable_leaves(expr, values, limit):
    """Leaf Values for a random tree, or skip the example when it sits on a kink or blows up."""
    xs = [Value(v) for v in values]
    try:
        out = evaluate(expr, xs)
    except (Kink, OverflowError):
        assume(False)
    except ValueError as e:   # exp of a large value: skip overflow, nothing else
        assume("overflow" not in str(e))
        raise
    assume(math.isfinite(out.data) and abs(out.data) < limit)
    return xs


def check_or_skip(check, expr, xs, **tolerances):
    try:
        check(fn_of(expr), xs, **tolerances)
    except Kink:   # a finite-difference probe crossed a kink
        assume(False)
    except ValueError as e:
        assume("overflow" not in str(e))
        raise


@given(tree(4), st.lists(numbers, min_size=3, max_size=3))
def test_random_trees_match_finite_differences(expr, values):
    xs = differentiable_leaves(expr, values, 1e6)
    check_or_skip(autograd.gradcheck, expr, xs, eps=1e-6, atol=1e-4, rtol=1e-3)


@given(tree(3), st.lists(numbers, min_size=3, max_size=3))
def test_random_trees_second_derivatives(expr, values):
    xs = differentiable_leaves(expr, values, 1e4)
    check_or_skip(autograd.gradgradcheck, expr, xs, eps=1e-5, atol=1e-3, rtol=1e-2)
