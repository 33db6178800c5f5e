"""Reductions beyond sum/mean/max/min: prod, logsumexp and cumsum, each declared once.

var/std are compositions of mean, sub, mul and sum (Tensor.var), and argmax/argmin give
plain integer arrays: nothing here to differentiate. Rules use the library's ops only, so
create_graph records them.
"""

from __future__ import annotations

import math

import numpy as np

from .elementwise import EXP
from .graph import Node, Op, raw
from .tensor_ops import GETITEM, _expand, kept_shape


def _moved(shape, axis):
    """(perm, kept) moving the reduced axes last: perm permutes, kept lists the others."""
    axes = tuple(range(len(shape))) if axis is None else axis
    kept = tuple(i for i in range(len(shape)) if i not in axes)
    return kept + tuple(axes), kept


def _others(x, out, axis, keepdims):
    """Each element's product of the *other* elements of its group (prod's local gradient).

    Without zeros it is out / x. With zeros: on raw arrays, the product of everything to the
    left times everything to the right (exclusive cumulative products); on nodes
    (create_graph), PROD over an (n, n) matrix whose row i holds the group with x_i set to 1,
    so the gradient can be differentiated again."""
    if np.all(raw(x) != 0):
        return _expand(out, x.shape, axis, keepdims) / x
    perm, kept = _moved(x.shape, axis)
    back = tuple(np.argsort(perm))
    moved_shape = tuple(x.shape[i] for i in perm)
    n = math.prod(x.shape[i] for i in perm[len(kept):])
    rest = moved_shape[:len(kept)]
    if not isinstance(x, Node):
        flat = np.transpose(x, perm).reshape((*rest, n))
        ones = np.ones((*rest, 1), dtype=flat.dtype)
        left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
        return (left * right).reshape(moved_shape).transpose(back)
    eye = np.eye(n, dtype=x.dtype)
    rows = x.transpose(perm).reshape((*rest, 1, n)) * (1.0 - eye) + eye
    return PROD(rows, axis=(len(rest) + 1,), keepdims=False).reshape(moved_shape).transpose(back)


PROD = Op(
    "prod", "product", lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              _expand(g, x.shape, axis, keepdims) * _others(x, out, axis, keepdims),),
    jacobian=("product of the other elements of the group",))


def _logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axis))
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)    # all -inf (or inf): no shift
    with np.errstate(divide="ignore"):
        out = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return out if keepdims else out.reshape(np.sum(out, axis=axis).shape)


LOGSUMEXP = Op(
    "logsumexp", "normalize", _logsumexp,
    backward=(lambda g, out, x, axis, keepdims: _expand(g, x.shape, axis, keepdims)
              * EXP(x - _expand(out, x.shape, axis, keepdims)),),
    jacobian=("softmax(x) along the reduced axes",))


def _reversed(x, axis):
    return GETITEM(x, index=(slice(None),) * axis + (slice(None, None, -1),))


CUMSUM = Op(
    "cumsum", "running sum", lambda x, axis: np.cumsum(x, axis=axis),
    # each input element feeds every later output: its gradient is the sum of the upstream
    # from its position to the end, a cumsum of the reversed upstream
    backward=(lambda g, out, x, axis: _reversed(CUMSUM(_reversed(g, axis), axis=axis), axis),),
    jacobian=("upper-triangular ones: suffix sums of upstream",))


def _positive_part(out):
    out = raw(out)
    return (out > 0).astype(out.dtype)


# std = sqrt(var). Where the variance is 0 (a group of one element, or equal elements) the
# square root's slope is infinite; torch sends a 0 gradient there, and so does this op.
STD = Op(
    "std", "elementwise", np.sqrt,
    backward=(lambda g, out, v: g * (0.5 * _positive_part(out))
              / (out + (1.0 - _positive_part(out))),),
    jacobian=("diag(1 / (2 std)), 0 where std = 0",))
