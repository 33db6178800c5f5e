"""Elementwise ops shared by Value (floats) and Tensor (arrays), each declared once.

A declaration names the op, its gate pattern, its forward, one backward rule per input
and the text of its (diagonal) Jacobian; ``method=`` makes it a method or operator of
Value, Tensor and the scalar-expansion arrays, and (for plain names) a CLI function. The
local gradients steps print are the rules at upstream 1. Adding a unary op is one
declaration here, next to its siblings.

Every rule reads ``downstream = upstream x local``. Masks for routers are computed from raw
data: they are constants of the graph (their derivative is zero almost everywhere).
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

from .graph import DISTRIBUTOR, ROUTER, SWAP_MULTIPLIER, Op, raw


def _on(scalar_fn, array_fn):
    """A forward that uses math on Python floats and numpy on arrays."""
    def forward(x):
        return scalar_fn(x) if x.__class__ is float else array_fn(x)
    return forward


def _scalar_guard(name, fn):
    def guarded(x):
        try:
            return fn(x)
        except OverflowError:
            raise ValueError(f"{name}: overflows a float at x={x!r}") from None
        except ValueError:
            raise ValueError(f"{name}: undefined at x={x!r}") from None
    return guarded


def _broadcastable(a, b, **_):
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise ValueError(f"cannot broadcast shapes {np.shape(a)} and {np.shape(b)}") from None


# ---------------------------------------------------------------- arithmetic

ADD = Op("add", DISTRIBUTOR, operator.add,
         backward=(lambda g, out, a, b: g, lambda g, out, a, b: g),
         jacobian=("I", "I"), check=_broadcastable, method=("__add__", "__radd__"))

SUB = Op("sub", "signed distributor", operator.sub,
         backward=(lambda g, out, a, b: g, lambda g, out, a, b: -g),
         jacobian=("I", "-I"), check=_broadcastable, method=("__sub__", "__rsub__"))

MUL = Op("mul", SWAP_MULTIPLIER, operator.mul,
         backward=(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
         jacobian=("diag(b)", "diag(a)"), check=_broadcastable,
         method=("__mul__", "__rmul__"))


def _div_forward(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})") from None


DIV = Op("div", "quotient", _div_forward,
         backward=(lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b),
         jacobian=("diag(1/b)", "diag(-a/b^2)"), check=_broadcastable,
         method=("__truediv__", "__rtruediv__"))

NEG = Op("neg", "scale", operator.neg,
         backward=(lambda g, out, a: -g,),
         jacobian=("-I",), method="__neg__")


def _pow_forward(a, exponent):
    if a.__class__ is float:
        try:
            result = a ** exponent
        except ZeroDivisionError:
            raise ValueError(f"pow: {a!r} ** {exponent!r} is undefined (division by zero)") from None
        except OverflowError:
            raise ValueError(f"pow: {a!r} ** {exponent!r} overflows a float") from None
        if result.__class__ is complex:
            raise ValueError(f"pow: negative base {a!r} to non-integer power {exponent!r}")
        return result
    return np.power(a, exponent)


def _slope(a, exponent):
    """d(a**p)/da = p * a**(p-1), written with pow so it records under create_graph."""
    if exponent == 0:
        return 0.0              # x ** 0 is the constant 1, also at x = 0 (torch)
    if exponent == 1:
        return 1.0
    if exponent == 2:
        return 2.0 * a          # no a**1 node in a drawn backward graph
    if raw(a).__class__ is float and raw(a) == 0.0 and exponent < 1:
        raise ValueError(f"pow: gradient of x ** {exponent!r} is undefined at x=0")
    return exponent * a ** (exponent - 1)


POW = Op("pow", "power", _pow_forward,
         backward=(lambda g, out, a, exponent: g * _slope(a, exponent),),
         jacobian=("diag(p * a^(p-1))",))


# ---------------------------------------------------------------- unary functions

def _sigmoid(tanh):
    # 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + exp(-x)) and never overflows.
    return lambda x: 0.5 * (1.0 + tanh(0.5 * x))


EXP = Op("exp", "elementwise", _on(_scalar_guard("exp", math.exp), np.exp),
         backward=(lambda g, out, x: g * out,),
         jacobian=("diag(exp(x))",), method="exp")

LOG = Op("log", "elementwise", _on(_scalar_guard("log", math.log), np.log),
         backward=(lambda g, out, x: g / x,),
         jacobian=("diag(1/x)",), method="log")

TANH = Op("tanh", "elementwise", _on(math.tanh, np.tanh),
          backward=(lambda g, out, x: g * (1.0 - out * out),),
         jacobian=("diag(1 - tanh(x)^2)",), method="tanh")

SIGMOID = Op("sigmoid", "elementwise", _on(_sigmoid(math.tanh), _sigmoid(np.tanh)),
             backward=(lambda g, out, x: g * (out * (1.0 - out)),),
             jacobian=("diag(sigmoid(x) * (1 - sigmoid(x)))",), method="sigmoid")


# ---------------------------------------------------------------- routers

def _positive(x):
    """1 where x > 0 else 0 (the relu router's switch), in x's float type. A NaN input won:
    it passes its upstream on, like torch (the test is "not x <= 0")."""
    x = raw(x)
    if x.__class__ is float:
        return 0.0 if x <= 0.0 else 1.0
    return (~(x <= 0)).astype(x.dtype)


def _wins(a, b):
    """Share of the upstream that max(a, b) routes to a: 1, 0, or 1/2 on ties, and 1 where
    a NaN is involved (the NaN won; torch's rule: 0 only where a < b)."""
    a, b = raw(a), raw(b)
    if a.__class__ is float and b.__class__ is float:
        return 0.0 if a < b else (0.5 if a == b else 1.0)
    dtype = np.result_type(a, b)
    return (1.0 - (a < b) - 0.5 * (a == b)).astype(dtype)


def _max2(a, b):
    """max(a, b) that propagates NaN like np.maximum (Python's max(1, nan) is 1)."""
    return a if (a > b or a != a) else b


def _min2(a, b):
    return a if (a < b or a != a) else b


RELU = Op("relu", ROUTER, _on(lambda x: 0.0 if x <= 0.0 else x, lambda x: np.maximum(x, 0)),
          backward=(lambda g, out, x: g * _positive(x),),
         jacobian=("diag(x > 0)",), method="relu")

MAX = Op("max", ROUTER, lambda a, b: _max2(a, b) if a.__class__ is float else np.maximum(a, b),
         backward=(lambda g, out, a, b: g * _wins(a, b), lambda g, out, a, b: g * _wins(b, a)),
         jacobian=("diag(a > b)", "diag(b > a)"), check=_broadcastable, method="max")

MIN = Op("min", ROUTER, lambda a, b: _min2(a, b) if a.__class__ is float else np.minimum(a, b),
         backward=(lambda g, out, a, b: g * _wins(b, a), lambda g, out, a, b: g * _wins(a, b)),
         jacobian=("diag(a < b)", "diag(b < a)"), check=_broadcastable, method="min")


def rpow(node, base):
    """number ** node, as exp(node * log(number)): defined for a positive base."""
    if not isinstance(base, numbers.Real) or isinstance(base, bool) or base <= 0:
        raise ValueError(f"pow: {base!r} ** {type(node).__name__} needs a positive number as "
                         "the base")
    return EXP(MUL(node, math.log(base)))
