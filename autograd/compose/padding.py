"""F.pad (torch's layout: per-side amounts from the last axis backwards) as compositions.

    constant   scatter_add into zeros (backward: the crop, a gather), plus the fill value
               as a constant; negative amounts (any mode) crop
    reflect    getitem with an index array per axis: [2 1 | 0 1 2 3 | 2 1]; repeated
    replicate  indices add up in backward (the copy gate's adder): an edge pixel used
    circular   three times gets three upstream parts

Also the string paddings of conv: "valid" (0) and "same" (output size = input size at
stride 1; an odd total goes to the right/bottom, as torch does).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..nodes import Tensor
from ..ops.arguments import check_size
from ..ops.indexing import SCATTER_ADD

MODES = ("constant", "reflect", "replicate", "circular")


def _amounts(pad, ndim):
    """[(axis, before, after), ...] from torch's flat (left, right, top, bottom, ...)."""
    if not isinstance(pad, (tuple, list)) or len(pad) % 2 or not all(
            isinstance(p, numbers.Integral) and not isinstance(p, bool) for p in pad):
        raise ValueError(f"pad: pad must be an even-length tuple of ints, got {pad!r}")
    if len(pad) // 2 > ndim:
        raise ValueError(f"pad: {len(pad) // 2} padded axes but the input has only {ndim}")
    return [(ndim - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


def _source(n, before, after, mode):
    """For each position of the padded axis, the input position it copies."""
    i = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        return np.where(i < n, i, period - i)
    if mode == "replicate":
        return np.clip(i, 0, n - 1)
    return i % n                                                   # circular


def pad(x, pad, mode="constant", value=0.0):
    """x padded per side, like torch.nn.functional.pad.

    pad = (left, right) pads the last axis, (left, right, top, bottom) the last two, and so
    on; amounts may differ per side ("pad only the right": (0, 1)). mode: 'constant' (with
    ``value``), 'reflect' (amounts < the axis length), 'replicate', 'circular' (amounts
    <= the axis length); negative amounts crop (circular: before wrapping, like torch).
    """
    x = x if isinstance(x, Tensor) else Tensor(x)
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {MODES}, got {mode!r}")
    sides = _amounts(pad, x.ndim)
    grown = list(x.shape)
    for axis, before, after in sides:
        grown[axis] += before + after
    check_size("pad", [max(n, 0) for n in grown])
    if mode == "constant":
        return _constant(x, sides, value)
    if mode == "circular":                  # torch crops first, then wraps what is left
        x = _constant(x, [(a, min(b, 0), min(c, 0)) for a, b, c in sides], 0.0)
        sides = [(a, max(b, 0), max(c, 0)) for a, b, c in sides]
    for axis, before, after in sides:
        if not (before or after):
            continue
        n = x.shape[axis]
        if n + before + after < 0:
            raise ValueError(f"pad: {mode} padding ({before}, {after}) removes more than axis "
                             f"{axis}'s {n}")
        limit = {"reflect": n - 1, "circular": n}.get(mode, np.inf)
        if max(before, after) > limit or (n == 0 and max(before, after) > 0):
            raise ValueError(f"pad: {mode} padding ({before}, {after}) of axis {axis} must be at most "
                             f"{limit} for its size {n}")
        # a crop to nothing reads no position: an empty axis, as in constant mode (torch)
        x = x[(slice(None),) * axis + (_source(n, before, after, mode),)]
    return x


def _constant(x, sides, value):
    crop = [slice(None)] * x.ndim
    for axis, before, after in sides:
        n = x.shape[axis]
        start, stop = max(0, -before), n - max(0, -after)
        if stop < start:
            raise ValueError(f"pad: padding ({before}, {after}) removes more than axis {axis}'s {n}")
        crop[axis] = slice(start, stop)
    if any(s != slice(None) for s in crop):
        x = x[tuple(crop)]
    grown = list(x.shape)
    place = [slice(None)] * x.ndim
    for axis, before, after in sides:
        b, a = max(0, before), max(0, after)
        grown[axis] += b + a
        place[axis] = slice(b, b + x.shape[axis])
    if tuple(grown) == x.shape:
        return x
    out = SCATTER_ADD(x, index=tuple(place), shape=tuple(grown))
    if value != 0:
        fill = np.full(grown, value, dtype=x.dtype)
        fill[tuple(place)] = 0
        out = out + fill
    return out


def conv_padding(op, x, padding, kernel, stride, dilation):
    """(x, padding pair) for conv's padding='valid' or 'same' (any other value unchanged)."""
    if not isinstance(padding, str):
        return x, padding
    if padding == "valid":
        return x, 0
    if padding != "same":
        raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    if stride not in (1, (1, 1)):
        raise ValueError(f"{op}: padding='same' needs stride 1, got stride {stride!r}")
    dil = (dilation, dilation) if isinstance(dilation, numbers.Integral) else tuple(dilation)
    total = [d * (k - 1) for d, k in zip(dil, kernel)]
    extra = [t % 2 for t in total]
    if any(extra):                          # the odd one goes to the right / bottom
        x = _constant(x if isinstance(x, Tensor) else Tensor(x),
                      [(x.ndim - 2, 0, extra[0]), (x.ndim - 1, 0, extra[1])], 0.0)
    return x, (total[0] // 2, total[1] // 2)
