"""Losses with torch's signatures, written as compositions of differentiable ops.

Nothing here is a new primitive: each loss is log_softmax, getitem (a gather), mul, sum,
max... so it draws as the lecture's graph and differentiates twice (create_graph=True).

    nll_loss                  -w[t] * logp[t] (gather), reduced
    cross_entropy             nll_loss(log_softmax(x)); class-probability targets and
                              label smoothing: -sum_c w_c q_c logp_c
    binary_cross_entropy      -w (t log p + (1 - t) log(1 - p)), logs clamped at -100 (torch)
    binary_cross_entropy_with_logits
                              two-class cross entropy on logits (0, x): log_softmax keeps it
                              finite for any x and its gradient is sigmoid(x) - t everywhere
    mse_loss                  (pred - target)^2, reduced
"""

from __future__ import annotations

import numpy as np

from ..nodes import Tensor
from .tensors import log_softmax, stack

REDUCTIONS = ("mean", "sum", "none")


def _tensor(x):
    """x as a Tensor; integer data becomes float64 (a loss of ints is a loss of floats)."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    return Tensor(arr.astype(np.float64) if arr.dtype.kind in "biu" else arr)


def _reduction(reduction, op):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    return reduction


def _reduce(loss, reduction):
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    return loss


def _raw(x):
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _weight(weight, classes, op, dtype):
    """The per-class weight as a constant array (C,), or None."""
    if weight is None:
        return None
    w = _raw(weight)
    if w.shape != (classes,):
        raise ValueError(f"{op}: weight must have shape ({classes},), got {w.shape}")
    return w.astype(dtype)


def _class_last(x):
    """x: (N, C, d1, ...) -> (N * d1 * ..., C): the class axis last, one row per position."""
    if x.ndim == 2:
        return x
    axes = (0, *range(2, x.ndim), 1)
    return x.transpose(axes).reshape(-1, x.shape[1])


def _indices(target, x_shape, ignore_index, op):
    """Integer targets checked against x: (N, C, d1, ...) -> flat int array (N * d1 * ...)."""
    t = _raw(target)
    want = (x_shape[0], *x_shape[2:])
    if t.shape != want:
        raise ValueError(f"{op}: targets must have shape {want}, got {t.shape}")
    whole = t.dtype.kind in "iu" or (t.dtype.kind == "f" and np.all(t == np.round(t)))
    if t.size and not whole:
        raise ValueError(f"{op}: targets must be integer class indices, got dtype {t.dtype}")
    t = t.reshape(-1).astype(np.int64)
    real = t[t != ignore_index]
    classes = x_shape[1]
    if real.size and (real.min() < 0 or real.max() >= classes):
        raise ValueError(f"{op}: targets must lie in [0, {classes}), "
                         f"got values from {real.min()} to {real.max()}")
    return t


def _batched(x, target, op, what):
    """Unbatched input (C,) with a 0-d target becomes a batch of one; returns (x, target,
    unbatched)."""
    if x.ndim == 1:
        if np.shape(_raw(target)) != ():
            raise ValueError(f"{op}: an unbatched {what} of shape {x.shape} takes one class index "
                             f"(shape ()), got targets of shape {np.shape(_raw(target))}")
        return x.reshape(1, -1), np.reshape(_raw(target), (1,)), True
    if x.ndim < 1:
        raise ValueError(f"{op}: {what} must be (C,), (N, C) or (N, C, d1, ...), got shape {x.shape}")
    return x, target, False


def _picked(logp, t, weight, ignore_index, reduction):
    """-w[t] * logp[row, t] per row, reduced like torch (a weighted mean divides by sum w[t]).
    A reduced loss gathers only the counted rows: an ignored row sends no gradient at all
    (with every row ignored the mean is 0/0 = nan, like torch, and the gradient stays 0)."""
    rows = np.arange(len(t))
    keep = t != ignore_index
    if weight is None and keep.all():       # the plain case: the lecture's gather and mean
        return _reduce(-logp[rows, t], reduction)
    safe = np.where(keep, t, 0)
    w = np.ones(len(t), logp.dtype) if weight is None else weight[safe]
    if reduction == "none":
        return -(logp[rows, safe] * (w * keep))
    counted = rows[keep]
    loss = -(logp[counted, t[counted]] * w[counted]).sum()
    return _mean_over(loss, counted, w[counted].sum()) if reduction == "mean" else loss


def _mean_over(total, counted, denominator):
    """total / denominator. With no row counted it is 0/0 = nan, as in torch, written as
    total + nan: no numpy divide warnings, and the gradient stays 0 (no row is in the graph)."""
    if counted.size == 0:
        return total + np.nan
    return total / denominator


def nll_loss(logp, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of log-probabilities, like torch.nn.functional.nll_loss.

    logp: (N, C) or (N, C, d1, ...) or (C,); target: (N,) / (N, d1, ...) / () class indices.
    weight: (C,) per-class weights; targets equal to ignore_index count nothing.
    """
    op = "nll_loss"
    reduction = _reduction(reduction, op)
    x = _tensor(logp)
    x, target, single = _batched(x, target, op, "input")
    t = _indices(target, x.shape, ignore_index, op)
    w = _weight(weight, x.shape[1], op, x.dtype)
    loss = _picked(_class_last(x), t, w, ignore_index, reduction)
    return _unflatten(loss, x.shape, single, reduction)


def _unflatten(loss, shape, single, reduction):
    if reduction != "none":
        return loss
    return loss.reshape(()) if single else loss.reshape((shape[0], *shape[2:]))


def cross_entropy(logits, targets, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy of logits, like torch.nn.functional.cross_entropy.

    logits: (N, C), (N, C, d1, ...) or (C,). targets: class indices (N,) / (N, d1, ...) / (),
    or class probabilities of the logits' shape. weight: (C,); label_smoothing in [0, 1]
    mixes the target with the uniform distribution: q = (1 - s) onehot + s / C.
    """
    op = "cross_entropy"
    reduction = _reduction(reduction, op)
    if not isinstance(label_smoothing, (int, float)) or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be a number in [0, 1], got {label_smoothing!r}")
    x = _tensor(logits)
    if x.ndim == 0:
        raise ValueError(f"{op}: logits must be (C,), (N, C) or (N, C, d1, ...), got shape ()")
    t = _raw(targets)
    if t.dtype.kind == "f" and t.shape == x.shape:      # class probabilities (torch's rule)
        q = targets if isinstance(targets, Tensor) else t   # a Tensor target gets its gradient
        return _soft_cross_entropy(x, q, weight, reduction, label_smoothing)
    x, targets, single = _batched(x, targets, op, "logits")
    idx = _indices(targets, x.shape, ignore_index, op)
    classes = x.shape[1]
    w = _weight(weight, classes, op, x.dtype)
    logp = _class_last(log_softmax(x, axis=1))
    nll = _picked(logp, idx, w, ignore_index, reduction)
    if label_smoothing:
        keep = idx != ignore_index
        per_class = logp if w is None else logp * w
        smooth = -per_class.sum(axis=1)
        if reduction == "none":
            smooth = smooth * keep.astype(x.dtype)
        else:                               # the counted rows only, as in _picked
            counted = np.flatnonzero(keep)
            smooth = smooth[counted].sum()
            if reduction == "mean":
                smooth = _mean_over(smooth, counted, len(counted) if w is None else w[idx[counted]].sum())
        nll = nll * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)
    return _unflatten(nll, x.shape, single, reduction)


def _soft_cross_entropy(x, q, weight, reduction, label_smoothing):
    """-sum_c w_c q_c log softmax(x)_c over the class axis (1, or 0 for an unbatched (C,));
    'mean' divides by the number of positions (torch), not by the weights. q may be a Tensor
    that needs a gradient: d loss / d q_c = -w_c log softmax(x)_c (a swap multiplier)."""
    axis = 0 if x.ndim == 1 else 1
    classes = x.shape[axis]
    q = q if isinstance(q, Tensor) else q.astype(x.dtype)
    if label_smoothing:
        q = q * (1.0 - label_smoothing) + label_smoothing / classes
    w = _weight(weight, classes, "cross_entropy", x.dtype)
    if w is not None:
        q = q * w.reshape((classes,) + (1,) * (x.ndim - axis - 1))
    loss = -(log_softmax(x, axis=axis) * q).sum(axis=axis)
    return _reduce(loss, reduction)


def _same_shape(op, a, b, names=("input", "target")):
    if _raw(b).shape != a.shape:
        raise ValueError(f"{op}: {names[0]} {a.shape} and {names[1]} {_raw(b).shape} differ in shape")


def _elementwise_weight(op, weight, shape, dtype):
    if weight is None:
        return None
    w = _raw(weight).astype(dtype)
    try:
        np.broadcast_to(w, shape)
    except ValueError:
        raise ValueError(f"{op}: weight {w.shape} does not broadcast to the input {shape}") from None
    return w


def binary_cross_entropy(probs, target, weight=None, reduction="mean"):
    """-w (t log p + (1 - t) log(1 - p)) for probabilities p in [0, 1], like torch.

    Each log is clamped at -100 (a router against the constant), as torch does, so p = 0 or
    1 gives a finite loss.
    """
    op = "binary_cross_entropy"
    reduction = _reduction(reduction, op)
    p = _tensor(probs)
    _same_shape(op, p, target)
    if p.size and (p.data.min() < 0 or p.data.max() > 1):
        raise ValueError(f"{op}: input must be probabilities in [0, 1], "
                         f"got values from {p.data.min():.4g} to {p.data.max():.4g}")
    t = target if isinstance(target, Tensor) else _raw(target).astype(p.dtype)
    # torch clamps each log at -100; the inner max keeps log away from 0 (no 0/0 in backward)
    tiny = float(np.finfo(p.dtype).smallest_subnormal)         # log(tiny) < -100
    log_p = p.maximum(tiny).log().maximum(-100.0)
    log_q = (1.0 - p).maximum(tiny).log().maximum(-100.0)
    loss = -(t * log_p + (1.0 - t) * log_q)
    w = _elementwise_weight(op, weight, p.shape, p.dtype)
    return _reduce(loss if w is None else loss * w, reduction)


def binary_cross_entropy_with_logits(logits, target, weight=None, reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(x), t) computed stably, like torch.

    The two classes' logits are (0, x): log sigmoid(x) and log sigmoid(-x) are the
    log_softmax of that pair, finite for x = +-1000, with gradient sigmoid(x) - t.
    pos_weight (broadcast over the last axis, torch's (C,)) weighs the positive term.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(reduction, op)
    x = _tensor(logits)
    _same_shape(op, x, target)
    t = target if isinstance(target, Tensor) else _raw(target).astype(x.dtype)
    pair = log_softmax(stack([Tensor(np.zeros(x.shape, x.dtype)), x], axis=-1), axis=-1)      # (..., 2)
    log_neg, log_pos = pair[..., 0], pair[..., 1]
    positive = t * log_pos
    if pos_weight is not None:
        positive = positive * _elementwise_weight(op, pos_weight, x.shape, x.dtype)
    loss = -(positive + (1.0 - t) * log_neg)
    w = _elementwise_weight(op, weight, x.shape, x.dtype)
    return _reduce(loss if w is None else loss * w, reduction)


def mse_loss(pred, target, reduction="mean"):
    """(pred - target)^2, reduced ('mean', 'sum' or 'none'); same shapes required."""
    op = "mse_loss"
    reduction = _reduction(reduction, op)
    pred = _tensor(pred)
    if _raw(target).shape != pred.shape:
        raise ValueError(f"{op}: pred {pred.shape} and target {_raw(target).shape} differ in shape")
    return _reduce((pred - target) ** 2, reduction)
