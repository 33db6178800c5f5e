"""Softmax and log-softmax along an axis: normalizers.

    softmax      s = exp(x) / sum exp(x);  upstream -> s * (g - sum(g s))
    log_softmax  x - logsumexp(x);         upstream -> g - softmax(x) * sum(g)

Their Jacobians (diag(s) - s s^T, and I - 1 s^T) are applied, never formed.
"""

from __future__ import annotations

import numpy as np

from ..core import Op, Pattern
from .functions import EXP


def _softmax(x, axis):
    if x.size == 0:             # an empty axis: nothing to normalise (torch returns it empty)
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    if x.size == 0:
        return np.zeros_like(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


SOFTMAX = Op(
    "softmax", Pattern.NORMALIZE, _softmax,
    backward=(lambda g, out, x, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)),),
    jacobian=("diag(s) - s s^T (applied, never formed)",))

LOG_SOFTMAX = Op(
    "log_softmax", Pattern.NORMALIZE, _log_softmax,
    backward=(lambda g, out, x, axis: g - EXP(out) * g.sum(axis=axis, keepdims=True),),
    jacobian=("I - 1 softmax(x)^T (applied, never formed)",))
