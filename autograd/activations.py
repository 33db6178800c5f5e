"""The activation functions beyond relu/sigmoid/tanh, torch's names and arguments.

Each checks its hyper-parameters (one clear error) and applies its op from elementwise.py;
x: a Tensor or Value (kept), or an array, list or number (made a constant Tensor).
"""

from __future__ import annotations

import numbers

from . import elementwise as ew
from .arguments import as_node


def _number(value, name, op):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}: {name} must be a number, got {type(value).__name__}")
    return float(value)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, else negative_slope * x."""
    return ew.LEAKY_RELU(as_node(x), negative_slope=_number(negative_slope, "negative_slope",
                                                              "leaky_relu"))


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return ew.ELU(as_node(x), alpha=_number(alpha, "alpha", "elu"))


def gelu(x, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (with erf); approximate="tanh" uses
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return ew.GELU(as_node(x), approximate=approximate)


def silu(x):
    """x * sigmoid(x) (also called swish)."""
    return ew.SILU(as_node(x))


def softplus(x, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta, computed without overflow; x itself where
    beta x > threshold (torch's switch to linear)."""
    beta = _number(beta, "beta", "softplus")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero")
    return ew.SOFTPLUS(as_node(x), beta=beta, threshold=_number(threshold, "threshold", "softplus"))


def hardtanh(x, min_val=-1.0, max_val=1.0):
    """x clipped to [min_val, max_val]."""
    lo, hi = _number(min_val, "min_val", "hardtanh"), _number(max_val, "max_val", "hardtanh")
    if lo > hi:
        raise ValueError(f"hardtanh: min_val {lo} is greater than max_val {hi}")
    return ew.HARDTANH(as_node(x), min_val=lo, max_val=hi)

