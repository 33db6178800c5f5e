"""Down- and up-sampling of the last two axes: each is the other's backward.

    downsample2d(x, f)  gather   keeps rows/cols 0, f, 2f, ...
    upsample2d(x, f)    scatter  puts x[a, b] at (a*f, b*f) among zeros: (H-1)*f + 1 rows

A strided convolution is a stride-1 convolution followed by downsampling, so its backward
upsamples the upstream (zeros where the skipped outputs were) before the stride-1 rule.
"""

from __future__ import annotations

import numpy as np

from ..core import Op, Pattern
from .arguments import check_size, pair, shape_of


def _downsample(x, factor):
    return x[..., ::factor[0], ::factor[1]].copy()


def _upsample(x, factor, size):
    out = np.zeros(x.shape[:-2] + tuple(size), dtype=x.dtype)
    out[..., ::factor[0], ::factor[1]] = x
    return out


def _at_least_2d(op, x):
    xs = shape_of(x)
    if len(xs) < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions (..., H, W), got shape {xs}")
    if 0 in xs[-2:]:
        raise ValueError(f"{op}: empty input of shape {xs}")
    return xs


def _downsample_args(x, factor):
    """Keep rows and columns 0, f, 2f, ... of the last two axes: (..., ceil(H/f), ceil(W/f))."""
    _at_least_2d("downsample2d", x)
    return (x,), {"factor": pair(factor, "factor", "downsample2d")}


def _upsample_args(x, factor, size=None):
    """Insert factor-1 zero rows/cols between neighbours: (..., (H-1)*f + 1, (W-1)*f + 1).
    ``size`` (h, w) appends zero rows/cols at the end, up to H*f (the input size of a
    downsample2d whose output was x): downsample2d(upsample2d(x, f, size), f) == x."""
    op = "upsample2d"
    h, w = _at_least_2d(op, x)[-2:]
    factor = pair(factor, "factor", op)
    low = ((h - 1) * factor[0] + 1, (w - 1) * factor[1] + 1)
    size = low if size is None else pair(size, "size", op)
    for axis, n, lo, m, f in zip("HW", size, low, (h, w), factor):
        if not lo <= n <= m * f:
            raise ValueError(f"{op}: size {n} along {axis} must lie in [{lo}, {m * f}] for "
                             f"{m} rows and factor {f}")
    check_size(op, shape_of(x)[:-2] + tuple(size))
    return (x,), {"factor": factor, "size": tuple(size)}


DOWNSAMPLE2D = Op(
    "downsample2d", Pattern.GATHER, _downsample,
    backward=(lambda g, out, x, factor: UPSAMPLE2D(g, factor=factor, size=x.shape[-2:]),),
    parse=_downsample_args, function="downsample2d",
    jacobian=("selection of every f-th row/col; backward upsamples",))

UPSAMPLE2D = Op(
    "upsample2d", Pattern.SCATTER, _upsample,
    backward=(lambda g, out, x, factor, size: DOWNSAMPLE2D(g, factor=factor),),
    parse=_upsample_args, function="upsample2d",
    jacobian=("zero insertion; backward downsamples",))
