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

from . import special
from .graph import DISTRIBUTOR, ROUTER, SWAP_MULTIPLIER, Op, raw
from .kernels import broadcast
from .tensor_ops import mul_sum_like, sum_like


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
         backward=(lambda g, out, a, b: g, lambda g, out, a, b: -sum_like(g, b)),
         jacobian=("I", "-I"), check=_broadcastable, method=("__sub__", "__rsub__"))

def _mul_joint(needs, g, out, a, b):
    """mul's two rules on arrays (g * b, g * a), each summed straight to its input's shape:
    a per-channel scale (batch norm's gamma) gets its sum without a full-size product."""
    return (mul_sum_like(g, b, a) if needs[0] else None,
            mul_sum_like(g, a, b) if needs[1] else None)


MUL = Op("mul", SWAP_MULTIPLIER, operator.mul,
         backward=(lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
         jacobian=("diag(b)", "diag(a)"), check=_broadcastable, joint=_mul_joint,
         method=("__mul__", "__rmul__"))


def _div_forward(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})") from None


def _div_joint(needs, g, out, a, b):
    """div's two rules on arrays: g / b in long loops (a per-channel divisor), and the
    divisor's g * out / -b summed to its shape first."""
    return (broadcast.binary(operator.truediv, g, b) if needs[0] else None,
            _divisor_grad(g, out, a, b) if needs[1] else None)


def _divisor_grad(g, out, a, b):
    """g * out / -b (-b: b may be small). On raw arrays for a broadcast divisor the sum of
    g * out comes first and / -b applies to the small sum; where that sum overflows although
    the gradient may not (float16/float32 near their limit), the plain order."""
    if g.__class__ is np.ndarray and np.shape(b) != g.shape:
        with np.errstate(over="ignore", invalid="ignore"):
            grad = mul_sum_like(g, out, b) / -b
        if np.isfinite(grad).all():
            return grad
    return g * out / -b             # the driver sums it to b's shape


DIV = Op("div", "quotient", _div_forward,
         backward=(lambda g, out, a, b: g / b, _divisor_grad),
         jacobian=("diag(1/b)", "diag(-a/b^2)"), check=_broadcastable, joint=_div_joint,
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
    return a ** exponent    # numpy's ** takes square/sqrt/reciprocal for 2, 0.5, -1: 3x np.power


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


def _pow_grad(g, out, a, exponent):
    """g * p a^(p-1). On raw arrays p multiplies the upstream first: where the upstream is a
    broadcast (a mean's backward hands every element the same number), at the size of the
    array it repeats, and the full-size work is one product instead of two. Not where g * p
    would overflow although the gradient does not (float16/float32 near their limit)."""
    if g.__class__ is np.ndarray and exponent not in (0, 1):
        small = broadcast.compact(g)
        if small is not g:
            with np.errstate(over="ignore"):
                scaled = small * exponent
            if np.isfinite(scaled).all():
                local = a if exponent == 2 else a ** (exponent - 1)
                return broadcast.binary(operator.mul, scaled, local)
    return g * _slope(a, exponent)


POW = Op("pow", "power", _pow_forward,
         backward=(_pow_grad,),
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


# ---------------------------------------------------------------- more unary functions (issue 12)

def _sqrt_grad(g, out, x):
    if raw(out).__class__ is float and raw(out) == 0.0:   # arrays get inf, like torch
        raise ValueError("sqrt: gradient of sqrt(x) is undefined at x=0")
    return g / (2.0 * out)


SQRT = Op("sqrt", "elementwise", _on(_scalar_guard("sqrt", math.sqrt), np.sqrt),
          backward=(_sqrt_grad,),
          jacobian=("diag(1 / (2 sqrt(x)))",), method="sqrt")

SQUARE = Op("square", "power", _on(lambda x: x * x, np.square),
            backward=(lambda g, out, x: g * (2.0 * x),),
            jacobian=("diag(2x)",), method="square")

SIN = Op("sin", "elementwise", _on(_scalar_guard("sin", math.sin), np.sin),
         backward=(lambda g, out, x: g * COS(x),),
         jacobian=("diag(cos(x))",), method="sin")

COS = Op("cos", "elementwise", _on(_scalar_guard("cos", math.cos), np.cos),
         backward=(lambda g, out, x: -(g * SIN(x)),),
         jacobian=("diag(-sin(x))",), method="cos")

LOG1P = Op("log1p", "elementwise", _on(_scalar_guard("log1p", math.log1p), np.log1p),
           backward=(lambda g, out, x: g / (1.0 + x),),
           jacobian=("diag(1 / (1 + x))",), method="log1p")

EXPM1 = Op("expm1", "elementwise", _on(_scalar_guard("expm1", math.expm1), np.expm1),
           backward=(lambda g, out, x: g * (out + 1.0),),
           jacobian=("diag(exp(x))",), method="expm1")


ERF = Op("erf", "elementwise", _on(math.erf, special.erf),
         backward=(lambda g, out, x: g * ((2.0 / math.sqrt(math.pi)) * EXP(-(x * x))),),
         jacobian=("diag(2/sqrt(pi) exp(-x^2))",), method="erf")


def _sign(x):
    """-1, 0 or 1 by the sign of x (a constant of the graph), in x's float type."""
    x = raw(x)
    if x.__class__ is float:
        return (x > 0.0) - (x < 0.0) + 0.0
    return np.sign(x).astype(x.dtype)


# abs(x) = max(x, -x): a router between x and -x, so the upstream arrives with the winner's
# sign; at 0 neither wins and it sends 0 (torch's choice).
ABS = Op("abs", "signed router", _on(abs, np.abs),
         backward=(lambda g, out, x: g * _sign(x),),
         jacobian=("diag(sign(x))",), method=("abs", "__abs__"))


# ---------------------------------------------------------------- activations (issue 12)

def _where_positive(x, inside, outside):
    """inside where x > 0 else outside: the switch of relu-like activations (raw data)."""
    x = raw(x)
    if x.__class__ is float:
        return inside if x > 0.0 else outside
    return np.where(x > 0, inside, outside).astype(x.dtype)


# leaky relu routes like relu (x > 0 passes the upstream whole) but leaks a share
# negative_slope of it to negative inputs: a router whose "off" branch is not quite off.
LEAKY_RELU = Op(
    "leaky_relu", "leaky router",
    lambda x, negative_slope=0.01: _where_positive(x, x, x * negative_slope),
    backward=(lambda g, out, x, negative_slope=0.01:
              g * _where_positive(x, 1.0, negative_slope),),
    jacobian=("diag(1 if x > 0 else slope)",), method="leaky_relu")


def _elu(x, alpha=1.0):
    if x.__class__ is float:
        return x if x > 0.0 else alpha * math.expm1(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


# ELU: x for x > 0, alpha (exp(x) - 1) below, whose slope alpha exp(x) is out + alpha.
ELU = Op("elu", "elementwise", _elu,
         backward=(lambda g, out, x, alpha=1.0:
                   g * (_positive(x) + (1.0 - _positive(x)) * (out + alpha)),),
         jacobian=("diag(1 if x > 0 else out + alpha)",), method="elu")


_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + TANH(_GELU_K * (x + _GELU_C * x * x * x)))
    return 0.5 * x * (1.0 + ERF(x * (1.0 / math.sqrt(2.0))))


def _gelu_slope(x, approximate="none"):
    """d gelu / dx, written with the library's ops (so it records under create_graph)."""
    if approximate == "tanh":
        t = TANH(_GELU_K * (x + _GELU_C * x * x * x))
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_GELU_K * (1.0 + 3.0 * _GELU_C * x * x))
    cdf = 0.5 * (1.0 + ERF(x * (1.0 / math.sqrt(2.0))))
    return cdf + x * EXP(-0.5 * (x * x)) * (1.0 / math.sqrt(2.0 * math.pi))


def _check_gelu(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate must be 'none' or 'tanh', got {approximate!r}")


# GELU: x times the standard normal CDF (approximate="none", with erf) or its tanh form.
GELU = Op("gelu", "elementwise", _gelu,
          backward=(lambda g, out, x, approximate="none": g * _gelu_slope(x, approximate),),
          jacobian=("diag(Phi(x) + x phi(x))",), check=_check_gelu, method="gelu")

SILU = Op("silu", "elementwise", lambda x: x * SIGMOID(x),
          backward=(lambda g, out, x: g * (SIGMOID(x) * (1.0 + x * (1.0 - SIGMOID(x)))),),
          jacobian=("diag(s (1 + x (1 - s))), s = sigmoid(x)",), method="silu")


def _softplus(x, beta=1.0, threshold=20.0):
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)): never overflows. Linear above the
    # threshold, like torch.
    z = x * beta
    if x.__class__ is float:
        return x if z > threshold else (max(z, 0.0) + math.log1p(math.exp(-abs(z)))) / beta
    smooth = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    return np.where(z > threshold, x, smooth).astype(x.dtype, copy=False)


def _above(z, threshold):
    z = raw(z)
    if z.__class__ is float:
        return 1.0 if z > threshold else 0.0
    return (z > threshold).astype(z.dtype)


def _softplus_slope(x, beta, threshold):
    linear = _above(x * beta, threshold)
    return linear + (1.0 - linear) * SIGMOID(x * beta)


SOFTPLUS = Op("softplus", "elementwise", _softplus,
              backward=(lambda g, out, x, beta=1.0, threshold=20.0:
                        g * _softplus_slope(x, beta, threshold),),
              jacobian=("diag(sigmoid(beta x))",), method="softplus")


def _inside(x, low, high):
    """1 where low < x < high else 0 (hardtanh's switch), in x's float type."""
    x = raw(x)
    if x.__class__ is float:
        return 1.0 if low < x < high else 0.0
    return ((x > low) & (x < high)).astype(x.dtype)


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    if x.__class__ is float:
        return min(max(x, min_val), max_val)
    return np.clip(x, min_val, max_val)


def _check_hardtanh(x, min_val=-1.0, max_val=1.0):
    if min_val > max_val:
        raise ValueError(f"min_val {min_val} is greater than max_val {max_val}")


# hardtanh clips x to [min_val, max_val]: a router between x and the constant bounds; the
# upstream reaches x only where x is strictly inside (torch's choice at the edges).
HARDTANH = Op("hardtanh", ROUTER, _hardtanh,
              backward=(lambda g, out, x, min_val=-1.0, max_val=1.0:
                        g * _inside(x, min_val, max_val),),
              jacobian=("diag(min < x < max)",), check=_check_hardtanh, method="hardtanh")
