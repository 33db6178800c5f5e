"""Routers, elementwise: the upstream goes to the input that won, 0 to the rest.

    relu       max(x, 0): the upstream passes where x > 0
    max, min   of two inputs: to the larger (smaller) one; split in halves on a tie
    abs        max(x, -x): the upstream with the sign of x (0 at 0)
    leaky_relu relu whose losing side still gets a share (negative_slope) of the upstream
    hardtanh   x clipped to [min_val, max_val]: passes where x is strictly inside
    clip       x clipped to [min, max] (either may be None): passes where min <= x <= max
    where      where(cond, a, b): each element's upstream to the input it came from

Switches are computed from raw data: they are constants of the graph (their derivative is
zero almost everywhere). A NaN input wins, like torch: it passes its upstream on.
"""

from __future__ import annotations

import numpy as np

from ..core import Op, Pattern, raw
from .arguments import check_broadcastable, number
from .functions import on


def _positive(x):
    """1 where x > 0 else 0 (relu's switch), in x's float type; "not x <= 0", so NaN passes."""
    x = raw(x)
    if x.__class__ is float:
        return 0.0 if x <= 0.0 else 1.0
    return (~(x <= 0)).astype(x.dtype)


def _wins(a, b):
    """Share of the upstream that max(a, b) routes to a: 1, 0, or 1/2 on a tie; 1 where a
    NaN is involved (torch's rule: 0 only where a < b)."""
    a, b = raw(a), raw(b)
    if a.__class__ is float and b.__class__ is float:
        return 0.0 if a < b else (0.5 if a == b else 1.0)
    return (1.0 - (a < b) - 0.5 * (a == b)).astype(np.result_type(a, b))


def _larger(a, b):
    """max(a, b) that propagates NaN like np.maximum (Python's max(1, nan) is 1)."""
    return a if (a > b or a != a) else b


def _smaller(a, b):
    return a if (a < b or a != a) else b


RELU = Op("relu", Pattern.ROUTER, on(lambda x: 0.0 if x <= 0.0 else x, lambda x: np.maximum(x, 0)),
          backward=(lambda g, out, x: g * _positive(x),),
          method="relu", function="relu", scalar=True, jacobian=("diag(x > 0)",))

MAX = Op("max", Pattern.ROUTER, lambda a, b: _larger(a, b) if a.__class__ is float else np.maximum(a, b),
         backward=(lambda g, out, a, b: g * _wins(a, b),
                   lambda g, out, a, b: g * _wins(b, a)),
         method="max", scalar=True, jacobian=("diag(a > b)", "diag(b > a)"), check=check_broadcastable)

MIN = Op("min", Pattern.ROUTER, lambda a, b: _smaller(a, b) if a.__class__ is float else np.minimum(a, b),
         backward=(lambda g, out, a, b: g * _wins(b, a),
                   lambda g, out, a, b: g * _wins(a, b)),
         method="min", scalar=True, jacobian=("diag(a < b)", "diag(b < a)"), check=check_broadcastable)


def _sign(x):
    """-1, 0 or 1 by the sign of x (a constant of the graph), in x's float type; 0 for nan
    (neither side wins: torch's choice)."""
    x = raw(x)
    if x.__class__ is float:
        return (x > 0.0) - (x < 0.0) + 0.0
    return (x > 0).astype(x.dtype) - (x < 0)


# abs(x) = max(x, -x): the upstream arrives with the winner's sign; at 0 neither wins and it
# sends 0 (torch's choice, also at nan)
ABS = Op("abs", Pattern.SIGNED_ROUTER, on(abs, np.abs),
         backward=(lambda g, out, x: g * _sign(x),),
         method=("abs", "__abs__"), scalar=True, jacobian=("diag(sign(x))",))


def _where_positive(x, inside, outside):
    """inside where x > 0 else outside (raw data)."""
    x = raw(x)
    if x.__class__ is float:
        return inside if x > 0.0 else outside
    return np.where(x > 0, inside, outside).astype(x.dtype)


def _leaky_args(x, negative_slope=0.01):
    return (x,), {"negative_slope": number(negative_slope, "negative_slope", "leaky_relu")}


LEAKY_RELU = Op(
    "leaky_relu", Pattern.LEAKY_ROUTER,
    lambda x, negative_slope=0.01: _where_positive(x, x, x * negative_slope),
    backward=(lambda g, out, x, negative_slope=0.01: g * _where_positive(x, 1.0, negative_slope),),
    parse=_leaky_args, method="leaky_relu", function="leaky_relu", scalar=True,
    jacobian=("diag(1 if x > 0 else slope)",))


def _inside(x, low, high):
    """1 where low < x < high else 0 (hardtanh's switch), in x's float type; written "not
    outside", so a nan passes its upstream on, like torch."""
    x = raw(x)
    if x.__class__ is float:
        return 0.0 if x <= low or x >= high else 1.0
    return (~((x <= low) | (x >= high))).astype(x.dtype)


def _hardtanh(x, min_val=-1.0, max_val=1.0):
    if x.__class__ is float:
        return min(max(x, min_val), max_val)
    return np.clip(x, min_val, max_val)


def _hardtanh_args(x, min_val=-1.0, max_val=1.0):
    lo, hi = number(min_val, "min_val", "hardtanh"), number(max_val, "max_val", "hardtanh")
    if lo > hi:
        raise ValueError(f"hardtanh: min_val {lo} is greater than max_val {hi}")
    return (x,), {"min_val": lo, "max_val": hi}


# the bounds are constants: the upstream reaches x only where x is strictly inside (torch's
# choice at the edges)
HARDTANH = Op("hardtanh", Pattern.ROUTER, _hardtanh,
              backward=(lambda g, out, x, min_val=-1.0, max_val=1.0: g * _inside(x, min_val, max_val),),
              parse=_hardtanh_args, method="hardtanh", function="hardtanh", scalar=True,
              jacobian=("diag(min < x < max)",))


def _kept(x, lo, hi):
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


def _clip_args(x, min=None, max=None):
    for name, b in (("min", min), ("max", max)):
        if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float, np.number))):
            raise TypeError(f"clip: {name} must be a number or None, got {type(b).__name__}")
    if min is None and max is None:
        raise ValueError("clip: give min, max or both")
    return (x,), {"lo": min, "hi": max}


CLIP = Op("clip", Pattern.ROUTER, _clip,
          backward=(lambda g, out, x, lo, hi: g * _kept(x, lo, hi),),
          method=("clip", "clamp"), parse=_clip_args, jacobian=("diag(lo <= x <= hi)",))


def _share(cond, like):
    return np.asarray(cond, dtype=raw(like).dtype)


def where_args(condition, a, b):
    """(inputs, params) of where(condition, a, b); condition: a boolean array (or Tensor)."""
    cond = np.asarray(raw(condition))
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    try:
        shape = np.broadcast_shapes(cond.shape, np.shape(raw(a)), np.shape(raw(b)))
    except ValueError:
        raise ValueError(f"where: condition {cond.shape}, a {np.shape(raw(a))} and "
                         f"b {np.shape(raw(b))} cannot broadcast") from None
    return (a, b), {"cond": np.broadcast_to(cond, shape)}


WHERE = Op("where", Pattern.ROUTER, lambda a, b, cond: np.where(cond, a, b),
           backward=(lambda g, out, a, b, cond: g * _share(cond, out),
                     lambda g, out, a, b, cond: g * _share(~cond, out)),
           method={"masked_fill": lambda x, mask, value: where_args(mask, value, x)},
           jacobian=("diag(cond)", "diag(not cond)"))


def choose(switch, inside, outside):
    """``inside`` where ``switch`` (raw booleans, or a bool for a Value) holds, else
    ``outside``: a selection, never a 0/1 mask multiply, so an inf or nan on the side not
    taken stays out (inf x 0 is nan). On nodes it records a where: a router."""
    if switch.__class__ is bool:
        return inside if switch else outside
    return WHERE(inside, outside, cond=np.broadcast_to(switch, np.broadcast_shapes(
        np.shape(switch), np.shape(raw(inside)), np.shape(raw(outside)))))
