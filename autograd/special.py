"""The error function on arrays with numpy only (GELU's exact form needs it; no scipy).

    erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt

Small |x|: the series 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), whose
terms are all positive (no cancellation). Large |x|: erf = 1 - erfc, with erfc from its
continued fraction exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
Both agree with math.erf to about 1e-15.
"""

from __future__ import annotations

import math

import numpy as np

_SPLIT = 2.5        # series below, continued fraction above
_TERMS = 60         # enough for either side to reach float64 precision


def erf(x):
    """erf elementwise; x: an ndarray of floats -> an ndarray of the same shape and dtype."""
    x = np.asarray(x)
    a = np.abs(x).astype(np.float64)
    out = np.empty_like(a)
    small = a <= _SPLIT
    out[small] = _series(a[small])
    out[~small] = 1.0 - _erfc_fraction(a[~small])
    return (np.sign(x) * out).astype(x.dtype, copy=False)


def _series(a):
    term = a.copy()
    total = a.copy()
    for n in range(1, _TERMS):
        term *= 2.0 * a * a / (2 * n + 1)
        total += term
    return total * np.exp(-a * a) * (2.0 / math.sqrt(math.pi))


def _erfc_fraction(a):
    tail = np.zeros_like(a)
    for k in range(_TERMS, 0, -1):          # evaluated from the deepest level up
        tail = (k / 2.0) / (a + tail)
    return np.exp(-a * a) / math.sqrt(math.pi) / (a + tail)
