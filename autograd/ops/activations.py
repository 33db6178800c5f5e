"""Smooth activations beyond sigmoid and tanh, with torch's names and arguments.

    elu       x for x > 0, alpha (exp(x) - 1) below; slope 1, or alpha exp(x) = out + alpha
    gelu      x Phi(x) (Phi the standard normal CDF); slope Phi(x) + x phi(x)
              approximate="tanh": 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    silu      x sigmoid(x) (swish); slope s (1 + x (1 - s))
    softplus  log(1 + exp(beta x)) / beta, x itself above the threshold; slope sigmoid(beta x)

The rules are written with the library's ops (erf, tanh, exp, sigmoid), so they record
under create_graph like every other rule.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Op, Pattern, raw
from .arguments import number
from .functions import ERF, EXP, SIGMOID, TANH
from .routers import choose


def _elu(x, alpha=1.0):
    if x.__class__ is float:
        return x if x > 0.0 else alpha * math.expm1(x)
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _elu_slope(out, x, alpha):
    """1 on the linear side (x > 0, and nan: "not x <= 0", like torch), alpha exp(x) =
    out + alpha below: chosen, not mixed by a mask (at x = inf, out + alpha is inf)."""
    x = raw(x)
    return choose(not x <= 0.0 if x.__class__ is float else ~(x <= 0), 1.0, out + alpha)


ELU = Op("elu", Pattern.ELEMENTWISE, _elu,
         backward=(lambda g, out, x, alpha=1.0: g * _elu_slope(out, x, alpha),),
         parse=lambda x, alpha=1.0: ((x,), {"alpha": number(alpha, "alpha", "elu")}),
         method="elu", function="elu", scalar=True, jacobian=("diag(1 if x > 0 else out + alpha)",))


_GELU_K = math.sqrt(2.0 / math.pi)
_GELU_C = 0.044715


def _gelu(x, approximate="none"):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + TANH(_GELU_K * (x + _GELU_C * x * x * x)))
    return 0.5 * x * (1.0 + ERF(x * (1.0 / math.sqrt(2.0))))


def _gelu_slope(x, approximate="none"):
    if approximate == "tanh":
        t = TANH(_GELU_K * (x + _GELU_C * x * x * x))
        return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * (_GELU_K * (1.0 + 3.0 * _GELU_C * x * x))
    cdf = 0.5 * (1.0 + ERF(x * (1.0 / math.sqrt(2.0))))
    return cdf + x * EXP(-0.5 * (x * x)) * (1.0 / math.sqrt(2.0 * math.pi))


def _gelu_args(x, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return (x,), {"approximate": approximate}


GELU = Op("gelu", Pattern.ELEMENTWISE, _gelu,
          backward=(lambda g, out, x, approximate="none": g * _gelu_slope(x, approximate),),
          parse=_gelu_args, method="gelu", function="gelu", scalar=True,
          jacobian=("diag(Phi(x) + x phi(x))",))

SILU = Op("silu", Pattern.ELEMENTWISE, lambda x: x * SIGMOID(x),
          backward=(lambda g, out, x: g * (SIGMOID(x) * (1.0 + x * (1.0 - SIGMOID(x)))),),
          method="silu", function="silu", scalar=True,
          jacobian=("diag(s (1 + x (1 - s))), s = sigmoid(x)",))


def _softplus(x, beta=1.0, threshold=20.0):
    # log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)) never overflows; linear above the
    # threshold, like torch
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


def _softplus_args(x, beta=1.0, threshold=20.0):
    beta = number(beta, "beta", "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return (x,), {"beta": beta, "threshold": number(threshold, "threshold", "softplus")}


SOFTPLUS = Op("softplus", Pattern.ELEMENTWISE, _softplus,
              backward=(lambda g, out, x, beta=1.0, threshold=20.0:
                        g * _softplus_slope(x, beta, threshold),),
              parse=_softplus_args, method="softplus", function="softplus", scalar=True,
              jacobian=("diag(sigmoid(beta x))",))
