"""Shape ops a PyTorch user reaches for: flip, squeeze/unsqueeze, permute, flatten, tile,
where, clip. Each is declared once with its gate pattern; Tensor's methods (tensor.py) check
the arguments and call these.

    flip, permute              reshape (a permutation of the elements): backward undoes it
    squeeze, unsqueeze,        reshape (same numbers, new shape): backward reshapes back
      flatten
    tile (torch's repeat)      adder (copies): backward sums the copies, like broadcasting
    where                      router: upstream goes to the input each element came from
    clip (clamp)               router: upstream passes where lo <= x <= hi, 0 elsewhere

expand is broadcast_to (adder), split/chunk are getitem slices (gather) and masked_fill is
where with a constant: no new op for those.
"""

from __future__ import annotations

import numpy as np

from .graph import ADDER, ROUTER, Op, raw

FLIP = Op(
    "flip", "reshape", lambda x, axes: np.flip(x, axes),
    backward=(lambda g, out, x, axes: FLIP(g, axes=axes),),
    jacobian=("reversal along the flipped axes",))


def _new_shape(name):
    """A reshape under its own name: forward to ``shape``, backward back to x's shape."""
    return Op(name, "reshape", lambda x, shape: np.reshape(x, shape),
              backward=(lambda g, out, x, shape: g.reshape(x.shape),),
              jacobian=("I (same numbers, new shape)",))


SQUEEZE = _new_shape("squeeze")
UNSQUEEZE = _new_shape("unsqueeze")
FLATTEN = _new_shape("flatten")

PERMUTE = Op(
    "permute", "reshape", lambda x, axes: np.transpose(x, axes),
    backward=(lambda g, out, x, axes: g.transpose(tuple(np.argsort(axes))),),
    jacobian=("permutation",))


def _tile_grad(g, out, x, reps):
    """Sum the copies: view upstream as (r0, s0, r1, s1, ...) and sum every r axis."""
    shape = (1,) * (len(reps) - x.ndim) + tuple(x.shape)
    paired = tuple(d for r, s in zip(reps, shape) for d in (r, s))
    return g.reshape(paired).sum(axis=tuple(range(0, len(paired), 2))).reshape(x.shape)


TILE = Op(
    "tile", ADDER, lambda x, reps: np.tile(x, reps),
    backward=(_tile_grad,),
    jacobian=("copies; backward sums the copies",))


def _share(cond, like):
    return np.asarray(cond, dtype=raw(like).dtype)


WHERE = Op(
    "where", ROUTER, lambda a, b, cond: np.where(cond, a, b),
    backward=(lambda g, out, a, b, cond: g * _share(cond, out),
              lambda g, out, a, b, cond: g * _share(~cond, out)),
    jacobian=("diag(cond)", "diag(not cond)"))


def _inside(x, lo, hi):
    """1 where lo <= x <= hi (torch's clamp passes the bounds themselves, not NaN)."""
    x = raw(x)
    keep = np.ones(x.shape, dtype=bool)
    if lo is not None:
        keep &= x >= lo
    if hi is not None:
        keep &= x <= hi
    return keep.astype(x.dtype)


def _clip(x, lo, hi):
    out = x
    if lo is not None:
        out = np.where(out < lo, np.asarray(lo, dtype=x.dtype), out)   # NaN stays NaN
    if hi is not None:
        out = np.where(out > hi, np.asarray(hi, dtype=x.dtype), out)
    return out


CLIP = Op(
    "clip", ROUTER, _clip,
    backward=(lambda g, out, x, lo, hi: g * _inside(x, lo, hi),),
    jacobian=("diag(lo <= x <= hi)",))
