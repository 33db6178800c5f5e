"""Reductions: many numbers in, fewer out.

    sum        distributor  every summed element gets the upstream (a broadcast)
    mean       distributor  every element gets upstream / n
    amax, amin router       the upstream goes to the arg-max (first one along an int axis;
                            split among ties for a full or multi-axis reduction, like torch)
    prod       product      each element gets upstream x the product of the others
    logsumexp  normalize    upstream x softmax(x)
    cumsum     running sum  each element gets the sum of the upstream from its position on
    std        elementwise  sqrt of a variance: upstream / (2 std), 0 where std = 0

``axis`` is None (everything), an int or a tuple of ints; ``keepdims`` keeps reduced axes
as size 1, which is what backward needs to broadcast the upstream back.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Node, Op, Pattern, raw
from .arguments import axes, check_axis, flag
from .functions import EXP
from .indexing import GETITEM
from .shape import BROADCAST_TO


def kept_shape(shape, axis):
    """Shape of a reduction over ``axis`` (a tuple or None) with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def expand(g, x_shape, axis, keepdims):
    """The upstream of a reduction with its reduced axes back as size 1 (ready to broadcast)."""
    return g if keepdims else g.reshape(kept_shape(x_shape, axis))


def _size(shape, axis):
    return math.prod(shape[i] for i in axis) if axis is not None else math.prod(shape)


def reduce_args(name, empty_ok=True):
    """The parse of a reduction method: (x, axis=None, keepdims=False)."""
    def parse(x, axis=None, keepdims=False):
        if not empty_ok and x.size == 0:
            raise ValueError(f"{name}: empty tensor")
        return (x,), {"axis": axes(axis, x.ndim, name),
                      "keepdims": flag(keepdims, "keepdims", name)}
    return parse


SUM = Op(
    "sum", Pattern.DISTRIBUTOR, lambda x, axis, keepdims: x.sum(axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              BROADCAST_TO(expand(g, x.shape, axis, keepdims), shape=x.shape),),
    parse=reduce_args("sum"), method="sum", jacobian=("ones: upstream copied to every summed element",))


def _mean(x, axis, keepdims):
    """sum / n; an empty axis (n = 0) gives nan like torch, without numpy's warning."""
    total = x.sum(axis=axis, keepdims=keepdims)
    n = _size(x.shape, axis)
    return total / n if n else total * np.nan


def _reciprocal_size(shape, axis):
    """1/n for mean's backward; n = 0 only for an empty input (any factor gives an empty
    gradient)."""
    n = _size(shape, axis)
    return 1.0 / n if n else 0.0


MEAN = Op(
    "mean", Pattern.DISTRIBUTOR, _mean,
    backward=(lambda g, out, x, axis, keepdims: BROADCAST_TO(
        expand(g, x.shape, axis, keepdims) * _reciprocal_size(x.shape, axis), shape=x.shape),),
    parse=reduce_args("mean"), method="mean", jacobian=("1/n: upstream / n copied to every element",))


def max_mask(x, out, axis, keepdims, arg=np.argmax):
    """Where max (or min, with arg=np.argmin) routes the upstream: the first arg-max along
    an int axis (torch.max(dim)); split evenly among ties for a full or multi-axis
    reduction (torch.max(), torch.amax)."""
    x, out = raw(x), raw(out)
    if axis is not None and len(axis) == 1:
        idx = np.expand_dims(arg(x, axis=axis[0]), axis[0])
        mask = np.zeros_like(x)
        np.put_along_axis(mask, idx, 1, axis=axis[0])
        return mask
    hits = x == out.reshape(kept_shape(x.shape, axis))
    return (hits / hits.sum(axis=axis, keepdims=True)).astype(x.dtype)


AMAX = Op(
    "amax", Pattern.ROUTER, lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              expand(g, x.shape, axis, keepdims) * max_mask(x, out, axis, keepdims),),
    parse=reduce_args("max", empty_ok=False), method="amax", symbol="max",
    jacobian=("one-hot at the arg-max",))

AMIN = Op(
    "amin", Pattern.ROUTER, lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              expand(g, x.shape, axis, keepdims) * max_mask(x, out, axis, keepdims, np.argmin),),
    parse=reduce_args("min", empty_ok=False), method="amin", symbol="min",
    jacobian=("one-hot at the arg-min",))


def _moved(shape, axis):
    """(perm, kept) moving the reduced axes last: perm permutes, kept lists the others."""
    reduced = tuple(range(len(shape))) if axis is None else axis
    kept = tuple(i for i in range(len(shape)) if i not in reduced)
    return kept + tuple(reduced), kept


def _others(x, out, axis, keepdims):
    """Each element's product of the *other* elements of its group (prod's local gradient).

    Without zeros it is out / x. With zeros: on raw arrays, the product of everything to the
    left times everything to the right (exclusive cumulative products); on nodes
    (create_graph), PROD over an (n, n) matrix whose row i holds the group with x_i set to 1,
    so the gradient can be differentiated again."""
    if np.all(raw(x) != 0):
        return expand(out, x.shape, axis, keepdims) / x
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
    "prod", Pattern.PRODUCT, lambda x, axis, keepdims: np.prod(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              expand(g, x.shape, axis, keepdims) * _others(x, out, axis, keepdims),),
    parse=reduce_args("prod"), method="prod", jacobian=("product of the other elements of the group",))


def _logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True) if x.size else np.zeros(kept_shape(x.shape, axis))
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)    # all -inf (or inf): no shift
    with np.errstate(divide="ignore"):
        out = m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))
    return out if keepdims else out.reshape(np.sum(out, axis=axis).shape)


LOGSUMEXP = Op(
    "logsumexp", Pattern.NORMALIZE, _logsumexp,
    backward=(lambda g, out, x, axis, keepdims: expand(g, x.shape, axis, keepdims)
              * EXP(x - expand(out, x.shape, axis, keepdims)),),
    parse=reduce_args("logsumexp"), method="logsumexp", jacobian=("softmax(x) along the reduced axes",))


def _reversed(x, axis):
    return GETITEM(x, index=(slice(None),) * axis + (slice(None, None, -1),))


def _cumsum_args(x, axis):
    """Running sum along ``axis`` (required, like torch's dim)."""
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"cumsum: axis must be an int, got {type(axis).__name__}")
    return (x,), {"axis": check_axis(axis, x.ndim, "cumsum", x.shape)}


CUMSUM = Op(
    "cumsum", Pattern.RUNNING_SUM, lambda x, axis: np.cumsum(x, axis=axis) if x.ndim else x.copy(),
    # each input element feeds every later output: its gradient is the sum of the upstream
    # from its position to the end, a cumsum of the reversed upstream (a 0-d x is itself)
    backward=(lambda g, out, x, axis:
              _reversed(CUMSUM(_reversed(g, axis), axis=axis), axis) if x.ndim else g,),
    parse=_cumsum_args, method="cumsum", jacobian=("upper-triangular ones: suffix sums of upstream",))


def _positive_part(out):
    out = raw(out)
    return (out > 0).astype(out.dtype)


# std = sqrt(var). Where the variance is 0 (a group of one element, or equal elements) the
# square root's slope is infinite; torch sends a 0 gradient there, and so does this op.
STD = Op(
    "std", Pattern.ELEMENTWISE, np.sqrt,
    backward=(lambda g, out, v: g * (0.5 * _positive_part(out))
              / (out + (1.0 - _positive_part(out))),),
    jacobian=("diag(1 / (2 std)), 0 where std = 0",))
