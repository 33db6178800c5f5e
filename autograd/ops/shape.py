"""Shape ops: the same numbers in a new arrangement, and broadcasting.

    broadcast_to, expand  adder        copies; backward sums the copies back (sum_to)
    sum_to                distributor  sums broadcast axes; backward broadcasts again
    reshape, squeeze,     reshape      same numbers, new shape; backward reshapes back
      unsqueeze, flatten
    transpose, permute,   reshape      a permutation of the axes; backward undoes it
      swapaxes, flip                   (flip reverses along axes; backward flips again)
    repeat, tile          adder        copies; backward sums the copies

Each declaration's ``parse`` checks the arguments the way torch (or numpy) takes them.
"""

from __future__ import annotations

import math

import numpy as np

from ..core import Op, Pattern
from .arguments import check_axis, check_size, ints, is_int, spread

# ---------------------------------------------------------------- broadcasting (the copy gate)


def broadcast_axes(shape, full):
    """The axes of ``full`` along which an array of ``shape`` was broadcast to it."""
    lead = len(full) - len(shape)
    return tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and full[lead + i] != 1)


def sum_to_shape(x, shape):
    """x summed over the axes along which ``shape`` was broadcast to x.shape."""
    axes = broadcast_axes(shape, x.shape)
    if axes:
        x = x.sum(axis=axes, keepdims=True)
    return x.reshape(shape) if x.shape != shape else x


def _check_broadcast(x, shape):
    try:
        ok = np.ndim(x) <= len(shape) and np.broadcast_shapes(np.shape(x), shape) == tuple(shape)
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"cannot broadcast shape {np.shape(x)} to {tuple(shape)}")


def _broadcast_to_args(x, shape):
    shape = ints(shape if isinstance(shape, (tuple, list)) else (shape,), "shape", "broadcast_to")
    return (x,), {"shape": check_size("broadcast_to", shape)}


def _expand_args(x, *sizes):
    """torch's expand: new axes in front; -1 keeps a size."""
    sizes = spread(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes for a {x.ndim}-d tensor {x.shape}")
    shape = []
    for i, n in enumerate(sizes):
        if n == -1:
            if i < lead:
                raise ValueError(f"expand: -1 is not allowed for the new leading axis {i}")
            n = x.shape[i - lead]
        elif not is_int(n) or n < 0:
            raise ValueError(f"expand: sizes must be non-negative ints or -1, got {sizes}")
        elif i >= lead and x.shape[i - lead] not in (1, n):
            raise ValueError(f"expand: cannot expand shape {x.shape} to {sizes} "
                             f"(axis {i} has size {x.shape[i - lead]}, not 1)")
        shape.append(int(n))
    return (x,), {"shape": check_size("expand", tuple(shape))}


BROADCAST_TO = Op(
    "broadcast_to", Pattern.ADDER, lambda x, shape: np.broadcast_to(x, shape),
    backward=(lambda g, out, x, shape: SUM_TO(g, shape=x.shape),),
    method={"broadcast_to": _broadcast_to_args, "expand": _expand_args},
    jacobian=("copies; backward sums the copies",), check=_check_broadcast)

SUM_TO = Op(
    "sum_to", Pattern.DISTRIBUTOR, sum_to_shape,
    backward=(lambda g, out, x, shape: BROADCAST_TO(g, shape=x.shape),),
    jacobian=("sums broadcast axes; backward broadcasts",))


# ---------------------------------------------------------------- reshaping


def _reshape_args(x, *shape):
    shape = spread(shape)
    if not all(is_int(d) for d in shape):
        raise TypeError(f"reshape: sizes must be ints, got {shape}")
    try:
        target = np.reshape(x.data, tuple(int(d) for d in shape)).shape   # numpy's -1 rule
    except ValueError:
        raise ValueError(f"reshape: cannot reshape {x.shape} ({math.prod(x.shape)} elements) "
                         f"into {shape}") from None
    return (x,), {"shape": target}


def _squeeze_args(x, dim=None):
    """Drop axes of size 1 (all, or ``dim``: an int or a tuple; a ``dim`` whose size is not
    1 is kept, like torch)."""
    dims = range(x.ndim) if dim is None else [
        check_axis(d, x.ndim, "squeeze", x.shape) for d in ((dim,) if is_int(dim) else tuple(dim))]
    return (x,), {"shape": tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))}


def _unsqueeze_args(x, dim):
    dim = check_axis(dim, x.ndim + 1, "unsqueeze", x.shape)
    return (x,), {"shape": (*x.shape[:dim], 1, *x.shape[dim:])}


def _flatten_args(x, start_dim=0, end_dim=-1):
    """Merge axes start_dim..end_dim (inclusive) into one; ``t.flatten()`` is 1-D."""
    if x.ndim == 0:
        return (x,), {"shape": (1,)}
    a = check_axis(start_dim, x.ndim, "flatten", x.shape)
    b = check_axis(end_dim, x.ndim, "flatten", x.shape)
    if a > b:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for shape {x.shape}")
    merged = math.prod(x.shape[a:b + 1])
    return (x,), {"shape": (*x.shape[:a], merged, *x.shape[b + 1:])}


def _new_shape(name, parse):
    """A reshape under its own name: forward to ``shape``, backward back to x's shape."""
    return Op(name, Pattern.RESHAPE, lambda x, shape: np.reshape(x, shape),
              backward=(lambda g, out, x, shape: g.reshape(x.shape),),
              parse=parse, method=name, jacobian=("I (same numbers, new shape)",))


RESHAPE = _new_shape("reshape", _reshape_args)
SQUEEZE = _new_shape("squeeze", _squeeze_args)
UNSQUEEZE = _new_shape("unsqueeze", _unsqueeze_args)
FLATTEN = _new_shape("flatten", _flatten_args)


# ---------------------------------------------------------------- permuting


def _inverse(axes):
    return tuple(np.argsort(axes))


def _transpose_args(x, *axes):
    """numpy's meaning: ``t.transpose()`` reverses the axes, ``t.transpose(axes)`` permutes.
    ``t.transpose(0, 1)`` on a 2-D tensor is refused: numpy reads it as "keep the order",
    torch as "swap", and the two disagree (use .T, .permute or .swapaxes)."""
    if not axes:
        axes = tuple(reversed(range(x.ndim)))
    elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    elif len(axes) == 2 and (x.ndim != 2 or [a % 2 for a in axes] == [0, 1]):
        raise ValueError(f"transpose{axes} on a {x.ndim}-d tensor is ambiguous (numpy keeps "
                         "the order, torch swaps): use .T, .permute(...) or .swapaxes(a, b)")
    if sorted(a % max(x.ndim, 1) for a in axes) != list(range(x.ndim)) or len(axes) != x.ndim:
        raise ValueError(f"transpose: axes {axes} are not a permutation for shape {x.shape}")
    return (x,), {"axes": tuple(a % x.ndim for a in axes)}


def _swapaxes_args(x, a, b):
    a, b = (check_axis(ax, x.ndim, "swapaxes", x.shape) for ax in (a, b))
    axes = list(range(x.ndim))
    if x.ndim:
        axes[a], axes[b] = axes[b], axes[a]
    return (x,), {"axes": tuple(axes)}


def _permute_args(x, *dims):
    """Reorder the axes: ``t.permute(2, 0, 1)`` (or a tuple), like torch."""
    dims = spread(dims)
    axes = tuple(check_axis(d, x.ndim, "permute", x.shape) for d in dims)
    if sorted(axes) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} axes "
                         f"of shape {x.shape}")
    return (x,), {"axes": axes}


TRANSPOSE = Op(
    "transpose", Pattern.RESHAPE, lambda x, axes: np.transpose(x, axes),
    backward=(lambda g, out, x, axes: g.transpose(_inverse(axes)),),
    method={"transpose": _transpose_args, "swapaxes": _swapaxes_args}, jacobian=("permutation",))

PERMUTE = Op(
    "permute", Pattern.RESHAPE, lambda x, axes: np.transpose(x, axes),
    backward=(lambda g, out, x, axes: g.transpose(_inverse(axes)),),
    parse=_permute_args, method="permute", jacobian=("permutation",))


def _flip_args(x, dims):
    """Reverse the order along ``dims`` (an int or a tuple): the lecture's flipped filter
    is ``w.flip((-2, -1))``."""
    given = (dims,) if is_int(dims) else tuple(dims)
    axes = tuple(check_axis(a, x.ndim, "flip", x.shape) for a in given)
    if len(set(axes)) != len(axes):
        raise ValueError(f"flip: repeated axis in {dims}")
    return (x,), {"axes": axes}


FLIP = Op(
    "flip", Pattern.RESHAPE, lambda x, axes: np.flip(x, axes),
    backward=(lambda g, out, x, axes: FLIP(g, axes=axes),),
    parse=_flip_args, method="flip", jacobian=("reversal along the flipped axes",))


# ---------------------------------------------------------------- repeating


def _tile_grad(g, out, x, reps):
    """Sum the copies: view the upstream as (r0, s0, r1, s1, ...) and sum every r axis."""
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    paired = tuple(d for r, s in zip(reps, shape) for d in (r, s))
    return g.reshape(paired).sum(axis=tuple(range(0, len(paired), 2))).reshape(x.shape)


def _repeat_args(x, *reps, op="repeat"):
    """torch's repeat (numpy's tile): at least one count per axis."""
    reps = spread(reps)
    if len(reps) < x.ndim:
        raise ValueError(f"{op}: {len(reps)} counts for a {x.ndim}-d tensor "
                         f"{x.shape}: give at least one per axis")
    reps = ints(reps, "counts", op)
    check_size(op, [r * n for r, n in zip(reps, (1,) * (len(reps) - x.ndim) + x.shape)])
    return (x,), {"reps": reps}


def _tile_args(x, *reps):
    """numpy's tile: fewer counts than axes repeat the last axes (torch's tile)."""
    reps = spread(reps)
    return _repeat_args(x, *((1,) * (x.ndim - len(reps)) + tuple(reps)), op="tile")


TILE = Op(
    "tile", Pattern.ADDER, lambda x, reps: np.tile(x, reps),
    backward=(_tile_grad,),
    method={"repeat": _repeat_args, "tile": _tile_args}, jacobian=("copies; backward sums the copies",))
