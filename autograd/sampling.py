"""Down- and up-sampling of the last two axes: each is the other's backward.

    downsample2d(x, f)  keeps rows/cols 0, f, 2f, ...            (a gather)
    upsample2d(x, f)    puts x[a, b] at (a*f, b*f) among zeros   (a scatter), (H-1)*f + 1 rows

A strided convolution is a stride-1 convolution followed by downsampling, so its backward
upsamples the upstream (zeros where the skipped outputs were) before the stride-1 rule.
"""

from __future__ import annotations

import numpy as np

from .arguments import as_node, pair, shape_of
from .graph import Op


def _downsample(x, factor):
    return x[..., ::factor[0], ::factor[1]].copy()


def _upsample(x, factor, size):
    out = np.zeros(x.shape[:-2] + tuple(size), dtype=x.dtype)
    out[..., ::factor[0], ::factor[1]] = x
    return out


DOWNSAMPLE2D = Op(
    "downsample2d", "gather", _downsample,
    backward=(lambda g, out, x, factor: UPSAMPLE2D(g, factor=factor, size=x.shape[-2:]),),
    jacobian=("selection of every f-th row/col; backward upsamples",))

UPSAMPLE2D = Op(
    "upsample2d", "scatter", _upsample,
    backward=(lambda g, out, x, factor, size: DOWNSAMPLE2D(g, factor=factor),),
    jacobian=("zero insertion; backward downsamples",))


def _check(op, x):
    xs = shape_of(x)
    if len(xs) < 2:
        raise ValueError(f"{op}: input must have at least 2 dimensions (..., H, W), got shape {xs}")
    return xs


def downsample2d(x, factor):
    """Keep rows and columns 0, f, 2f, ... of the last two axes: (..., ceil(H/f), ceil(W/f))."""
    xs = _check("downsample2d", x)
    factor = pair(factor, "factor", "downsample2d")
    if 0 in xs[-2:]:
        raise ValueError(f"downsample2d: empty input of shape {xs}")
    return DOWNSAMPLE2D(as_node(x), factor=factor)


def upsample2d(x, factor, size=None):
    """Insert factor-1 zero rows/cols between neighbours: (..., (H-1)*f + 1, (W-1)*f + 1).

    ``size`` (h, w) appends zero rows/cols at the end, up to H*f (the input size of a
    downsample2d whose output was x); downsample2d(upsample2d(x, f, size), f) == x.
    """
    op = "upsample2d"
    xs = _check(op, x)
    factor = pair(factor, "factor", op)
    h, w = xs[-2:]
    if min(h, w) < 1:
        raise ValueError(f"{op}: empty input of shape {xs}")
    low = ((h - 1) * factor[0] + 1, (w - 1) * factor[1] + 1)
    size = low if size is None else pair(size, "size", op)
    for axis, n, lo, m, f in zip("HW", size, low, (h, w), factor):
        if not lo <= n <= m * f:
            raise ValueError(f"{op}: size {n} along {axis} must lie in [{lo}, {m * f}] for "
                             f"{m} rows and factor {f}")
    return UPSAMPLE2D(as_node(x), factor=factor, size=tuple(size))
