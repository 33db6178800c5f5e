"""Smooth functions of one input, elementwise: the upstream times the derivative.

    exp    d/dx = exp(x) = out        log    1/x          sqrt   1 / (2 sqrt(x))
    tanh   1 - out^2                  sin    cos(x)       cos    -sin(x)
    sigmoid out (1 - out)             log1p  1 / (1 + x)  expm1  out + 1
    square 2x                         erf    2/sqrt(pi) exp(-x^2)

On a Python float (a Value) each uses the math module, which refuses what is undefined
(log(-1) is an error, not nan); on arrays numpy, which gives nan or inf like torch.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Op, Pattern, raw


def on(scalar_fn, array_fn):
    """A forward that uses ``scalar_fn`` on Python floats and ``array_fn`` on arrays."""
    def forward(x):
        return scalar_fn(x) if x.__class__ is float else array_fn(x)
    return forward


def refusing(name, fn):
    """``fn`` on a float, its domain and overflow errors named like the op's other errors."""
    def guarded(x):
        try:
            return fn(x)
        except OverflowError:
            raise ValueError(f"{name}: overflows a float at x={x!r}") from None
        except ValueError:
            raise ValueError(f"{name}: undefined at x={x!r}") from None
    return guarded


def _sigmoid(tanh):
    # 0.5 * (1 + tanh(x / 2)) equals 1 / (1 + exp(-x)) and never overflows
    return lambda x: 0.5 * (1.0 + tanh(0.5 * x))


def _erf_array(x):
    """math.erf on every element (numpy has no erf)."""
    return np.asarray(np.vectorize(math.erf, otypes=[np.float64])(x), dtype=x.dtype)


def _sqrt_grad(g, out, x):
    if raw(out).__class__ is float and raw(out) == 0.0:   # arrays get inf, like torch
        raise ValueError("sqrt: gradient of sqrt(x) is undefined at x=0")
    return g / (2.0 * out)


EXP = Op("exp", Pattern.ELEMENTWISE, on(refusing("exp", math.exp), np.exp),
         backward=(lambda g, out, x: g * out,),
         method="exp", scalar=True, jacobian=("diag(exp(x))",))

LOG = Op("log", Pattern.ELEMENTWISE, on(refusing("log", math.log), np.log),
         backward=(lambda g, out, x: g / x,),
         method="log", scalar=True, jacobian=("diag(1/x)",))

TANH = Op("tanh", Pattern.ELEMENTWISE, on(math.tanh, np.tanh),
          backward=(lambda g, out, x: g * (1.0 - out * out),),
          method="tanh", function="tanh", scalar=True, jacobian=("diag(1 - tanh(x)^2)",))

SIGMOID = Op("sigmoid", Pattern.ELEMENTWISE, on(_sigmoid(math.tanh), _sigmoid(np.tanh)),
             backward=(lambda g, out, x: g * (out * (1.0 - out)),),
             method="sigmoid", function="sigmoid", scalar=True, symbol="σ",
             jacobian=("diag(sigmoid(x) * (1 - sigmoid(x)))",))

SQRT = Op("sqrt", Pattern.ELEMENTWISE, on(refusing("sqrt", math.sqrt), np.sqrt),
          backward=(_sqrt_grad,),
          method="sqrt", scalar=True, jacobian=("diag(1 / (2 sqrt(x)))",))

SQUARE = Op("square", Pattern.POWER, on(lambda x: x * x, np.square),
            backward=(lambda g, out, x: g * (2.0 * x),),
            method="square", scalar=True, jacobian=("diag(2x)",))

SIN = Op("sin", Pattern.ELEMENTWISE, on(refusing("sin", math.sin), np.sin),
         backward=(lambda g, out, x: g * COS(x),),
         method="sin", scalar=True, jacobian=("diag(cos(x))",))

COS = Op("cos", Pattern.ELEMENTWISE, on(refusing("cos", math.cos), np.cos),
         backward=(lambda g, out, x: -(g * SIN(x)),),
         method="cos", scalar=True, jacobian=("diag(-sin(x))",))

LOG1P = Op("log1p", Pattern.ELEMENTWISE, on(refusing("log1p", math.log1p), np.log1p),
           backward=(lambda g, out, x: g / (1.0 + x),),
           method="log1p", scalar=True, jacobian=("diag(1 / (1 + x))",))

EXPM1 = Op("expm1", Pattern.ELEMENTWISE, on(refusing("expm1", math.expm1), np.expm1),
           backward=(lambda g, out, x: g * (out + 1.0),),
           method="expm1", scalar=True, jacobian=("diag(exp(x))",))

ERF = Op("erf", Pattern.ELEMENTWISE, on(math.erf, _erf_array),
         backward=(lambda g, out, x: g * ((2.0 / math.sqrt(math.pi)) * EXP(-(x * x))),),
         method="erf", scalar=True, jacobian=("diag(2/sqrt(pi) exp(-x^2))",))
