"""Tensor-only ops: broadcasting, reductions, shape, indexing, joining and matmul.

Each is declared once with its gate pattern. Rules use only these ops, arithmetic and the
ndarray-compatible methods (reshape, swapaxes, @), so they run on raw arrays or record nodes.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from .graph import ADDER, DISTRIBUTOR, ROUTER, SWAP_MULTIPLIER, Op, raw
from .kernels.broadcast import binary as long_run_binary
from .kernels.reduce import sum_axes, sum_product


def kept_shape(shape, axis):
    """Shape of a reduction over ``axis`` (tuple or None) with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def sum_to_shape(x, shape):
    """Sum an array over the axes along which ``shape`` was broadcast to x.shape."""
    axes = _broadcast_axes(shape, x.shape)
    if axes:
        x = sum_axes(x, axes, keepdims=True)
    return x.reshape(shape) if x.shape != shape else x


def _broadcast_axes(shape, full):
    """The axes of ``full`` along which an array of ``shape`` was broadcast to it."""
    lead = len(full) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and full[lead + i] != 1)


# A broadcast input's gradient is its rule's result summed over the broadcast axes (the
# copy gate's adder; the driver's _fit_grad does it). Where a rule's full-size work ends in
# that sum (sub's -g, div's g * out / -b for a per-channel divisor), the helpers below sum
# first on raw arrays: the product and the sum are one pass, and a factor constant along
# those axes (-1, -b) applies to the small sum. On nodes (create_graph) and numbers they are
# the plain expression, summed by _fit_grad as before (a drawn backward is unchanged).

def sum_like(g, like):
    """``g`` summed to the shape of ``like`` (the input it is for) on raw arrays, else g."""
    if like.__class__ is np.ndarray and g.__class__ is np.ndarray and g.shape != like.shape:
        return sum_to_shape(g, like.shape)
    return g


def mul_sum_like(g, x, like):
    """``g * x``, summed to the shape of ``like`` (the input it is for) on raw arrays."""
    if g.__class__ is np.ndarray and x.__class__ is np.ndarray:
        if like.__class__ is np.ndarray and g.shape != like.shape and x.shape == g.shape:
            return sum_product(g, x, _broadcast_axes(like.shape, g.shape),
                               keepdims=True).reshape(like.shape)
        return long_run_binary(operator.mul, g, x)      # a per-channel x in long loops
    return g * x


def broadcast(x, shape):
    """x repeated to ``shape``: a fresh array when small (faster to make than a view), a
    read-only stride-0 view when large (no memory)."""
    if np.ndim(x) > len(shape):     # assignment would drop leading 1s; broadcasting does not
        raise ValueError(f"cannot broadcast shape {np.shape(x)} to {tuple(shape)}")
    if math.prod(shape) <= 4096:
        out = np.empty(shape, dtype=np.result_type(x))
        out[...] = x
        return out
    return np.broadcast_to(x, shape)


def _check_broadcast(x, shape):
    try:
        ok = np.ndim(x) <= len(shape) and np.broadcast_shapes(np.shape(x), shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"cannot broadcast shape {np.shape(x)} to {tuple(shape)}")


# ---------------------------------------------------------------- broadcasting (the copy gate)

BROADCAST_TO = Op(
    "broadcast_to", ADDER, broadcast,
    backward=(lambda g, out, x, shape: SUM_TO(g, shape=x.shape),), check=_check_broadcast,
    jacobian=("copies; backward sums the copies",))

SUM_TO = Op(
    "sum_to", DISTRIBUTOR, sum_to_shape,
    backward=(lambda g, out, x, shape: BROADCAST_TO(g, shape=x.shape),),
    jacobian=("sums broadcast axes; backward broadcasts",))


# ---------------------------------------------------------------- reductions

def _expand(g, x_shape, axis, keepdims):
    return g if keepdims else g.reshape(kept_shape(x_shape, axis))


def _size(shape, axis):
    return math.prod(shape[i] for i in axis) if axis is not None else math.prod(shape)


def _mean(x, axis, keepdims):
    """sum / n; an empty axis (n = 0) gives nan like torch, without numpy's warning."""
    total = sum_axes(x, axis, keepdims)
    n = _size(x.shape, axis)
    return total / n if n else total * np.nan


def _reciprocal_size(shape, axis):
    """1/n for mean's backward; n = 0 only when the input is empty (any factor gives an
    empty gradient)."""
    n = _size(shape, axis)
    return 1.0 / n if n else 0.0


SUM = Op(
    "sum", DISTRIBUTOR, sum_axes,
    backward=(lambda g, out, x, axis, keepdims:
              BROADCAST_TO(_expand(g, x.shape, axis, keepdims), shape=x.shape),),
    jacobian=("ones: upstream copied to every summed element",))

MEAN = Op(
    "mean", DISTRIBUTOR,
    _mean,
    backward=(lambda g, out, x, axis, keepdims: BROADCAST_TO(
        _expand(g, x.shape, axis, keepdims) * _reciprocal_size(x.shape, axis), shape=x.shape),),
    jacobian=("1/n: upstream / n copied to every element",))


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


MAX = Op(
    "max", ROUTER, lambda x, axis, keepdims: np.max(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              _expand(g, x.shape, axis, keepdims) * max_mask(x, out, axis, keepdims),),
    jacobian=("one-hot at the arg-max",))

MIN = Op(
    "min", ROUTER, lambda x, axis, keepdims: np.min(x, axis=axis, keepdims=keepdims),
    backward=(lambda g, out, x, axis, keepdims:
              _expand(g, x.shape, axis, keepdims) * max_mask(x, out, axis, keepdims, np.argmin),),
    jacobian=("one-hot at the arg-min",))


# ---------------------------------------------------------------- shape

def _inverse(axes):
    return tuple(np.argsort(axes))


RESHAPE = Op(
    "reshape", "reshape", lambda x, shape: np.reshape(x, shape),
    backward=(lambda g, out, x, shape: g.reshape(x.shape),),
    jacobian=("I (same numbers, new shape)",))

TRANSPOSE = Op(
    "transpose", "reshape", lambda x, axes: np.transpose(x, axes),
    backward=(lambda g, out, x, axes: g.transpose(_inverse(axes)),),
    jacobian=("permutation",))


# ---------------------------------------------------------------- indexing

def is_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


def _scatter_add(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g, np.float32))
    if is_advanced(index):
        np.add.at(out, index, g)  # repeated indices accumulate
    else:
        out[index] = g
    return out


GETITEM = Op(
    "getitem", "gather", lambda x, index: x[index],
    backward=(lambda g, out, x, index: SCATTER_ADD(g, index=index, shape=x.shape),),
    jacobian=("selection; backward scatters, adding repeats",))

SCATTER_ADD = Op(
    "scatter_add", "scatter", _scatter_add,
    backward=(lambda g, out, x, index, shape: GETITEM(g, index=index),),
    jacobian=("scatter; backward gathers",))


def _slab(axis, start, stop):
    return (slice(None),) * axis + (slice(start, stop),)


def _concat_grad(i, g, out, *xs, axis):
    start = sum(x.shape[axis] for x in xs[:i])
    return GETITEM(g, index=_slab(axis, start, start + xs[i].shape[axis]))


CONCAT = Op(
    "concat", "split", lambda *xs, axis: np.concatenate(xs, axis=axis),
    backward=_concat_grad, jacobian=None)  # steps: "slice of upstream" per input

STACK = Op(
    "stack", "split", lambda *xs, axis: np.stack(xs, axis=axis),
    backward=lambda i, g, out, *xs, axis: GETITEM(g, index=(slice(None),) * axis + (i,)),
    jacobian=None)


# ---------------------------------------------------------------- matmul

def _matmul_grad_a(g, out, a, b):
    if b.ndim == 1:                      # out (...,) = a (..., k) @ b (k,)
        return g.reshape((*g.shape, 1)) * b
    if a.ndim == 1:                      # out (..., n) = a (k,) @ b (..., k, n)
        r = g.reshape((*g.shape[:-1], 1, g.shape[-1])) @ b.swapaxes(-1, -2)
        return r.reshape(r.shape[:-2] + r.shape[-1:])
    return g @ b.swapaxes(-1, -2)        # dX = dY W^T


def _matmul_grad_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a.reshape((*a.shape, 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))
    if b.ndim == 1:
        r = a.swapaxes(-1, -2) @ g.reshape((*g.shape, 1))
        return r.reshape(r.shape[:-1])
    return a.swapaxes(-1, -2) @ g        # dW = X^T dY


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{a.shape} @ {b.shape}: operands must have at least one dimension")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise ValueError(f"{a.shape} @ {b.shape}: inner dimensions {k_a} and {k_b} differ")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{a.shape} @ {b.shape}: batch dimensions "
                         f"{a.shape[:-2]} and {b.shape[:-2]} cannot broadcast") from None


MATMUL = Op(
    "matmul", SWAP_MULTIPLIER, np.matmul,
    backward=(_matmul_grad_a, _matmul_grad_b),
    jacobian=("B^T (dA = upstream @ B^T)", "A^T (dB = A^T @ upstream)"), check=_check_matmul)
