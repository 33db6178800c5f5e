"""Resizing as compositions: interpolate (nearest, linear, bilinear) and adaptive average
pooling, with torch's index conventions.

    nearest            getitem with an index array per axis (a gather: backward scatters,
                       adding where one input pixel was copied to several outputs)
    linear, bilinear   y = A_h @ x @ A_w^T with small interpolation matrices A (out, in):
    adaptive_avg_pool2 each row holds the weights one output takes from the input (two
                       neighbours for linear, 1/len over its window for the average). The
                       backward is matmul's swap multiplier: dX = A_h^T dY A_w.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..ops.arguments import check_size, is_int
from .tensors import as_node

MODES = {"nearest": (3, 4, 5), "linear": (3,), "bilinear": (4,)}
LAYOUTS = {3: "(N, C, L)", 4: "(N, C, H, W)", 5: "(N, C, D, H, W)"}


def _sizes(op, spatial, size, scale_factor):
    """(output sizes, scales the source index uses) as torch: with scale_factor the source
    position is dst / scale_factor; with size it is dst * in / out."""
    k = len(spatial)
    if (size is None) == (scale_factor is None):
        raise ValueError(f"{op}: give exactly one of size and scale_factor")
    if size is not None:
        out = _several(size, k)
        if len(out) != k or not all(is_int(n) and n >= 1 for n in out):
            raise ValueError(f"{op}: size must be {k} positive int(s), got {size!r}")
        return tuple(int(n) for n in out), tuple(n / o for n, o in zip(spatial, out))
    factors = _several(scale_factor, k)
    if len(factors) != k or not all(_positive_finite(f) for f in factors):
        raise ValueError(f"{op}: scale_factor must be {k} positive finite number(s), "
                         f"got {scale_factor!r}")
    out = tuple(math.floor(n * f) for n, f in zip(spatial, factors))
    if min(out) < 1:
        raise ValueError(f"{op}: scale_factor {scale_factor!r} gives an empty output from {spatial}")
    return out, tuple(1.0 / f for f in factors)


def _several(value, k):
    """A size or factor given once for every axis, or per axis (a tuple or list); anything
    else as a 1-tuple, which the callers refuse by its length or its kind."""
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * k


def _positive_finite(f):
    return isinstance(f, numbers.Real) and not isinstance(f, bool) and math.isfinite(f) and f > 0


def nearest_source(n_in, n_out, scale):
    """torch's 'nearest': output i copies input floor(i * scale) (clipped)."""
    return np.minimum(np.floor(np.arange(n_out) * scale).astype(np.int64), n_in - 1)


def linear_matrix(n_in, n_out, scale, align_corners, dtype):
    """A (n_out, n_in): row i mixes the two inputs around output i's source position."""
    i = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = i * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = np.maximum((i + 0.5) * scale - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    lam = src - lo
    A = np.zeros((n_out, n_in))
    np.add.at(A, (np.arange(n_out), lo), 1.0 - lam)
    np.add.at(A, (np.arange(n_out), hi), lam)
    return A.astype(dtype)


def average_matrix(n_in, n_out, dtype):
    """P (n_out, n_in): output i is the mean of inputs floor(i n/o) .. ceil((i+1) n/o) - 1."""
    i = np.arange(n_out)[:, None]
    start, end = (i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)
    inside = (np.arange(n_in) >= start) & (np.arange(n_in) < end)
    return (inside / (end - start)).astype(dtype)


def _apply_matrices(x, mats):
    """x (..., H[, W]) times a matrix on each of its last axes: A_h @ x @ A_w^T."""
    if len(mats) == 1:
        return x @ mats[0].T
    return mats[0] @ (x @ mats[1].T)


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize x (N, C, L), (N, C, H, W) or (N, C, D, H, W), like torch's interpolate.

    mode 'nearest' (any of those), 'linear' (3-d), 'bilinear' (4-d); align_corners (linear
    modes only, default False) maps the corner pixels' centres onto each other.
    recompute_scale_factor=True maps positions by in/out sizes instead of 1/scale_factor.
    """
    op = "interpolate"
    x = as_node(x)
    if antialias:
        raise ValueError(f"{op}: antialias is not supported")
    if recompute_scale_factor and scale_factor is not None:
        size, scale_factor = _sizes(op, x.shape[2:], None, scale_factor)[0], None
    if mode not in MODES:
        raise ValueError(f"{op}: mode must be one of {sorted(MODES)}, got {mode!r}")
    if x.ndim not in MODES[mode]:
        want = " or ".join(LAYOUTS[d] for d in MODES[mode])
        raise ValueError(f"{op}: mode {mode!r} needs input {want}, got shape {x.shape}")
    if mode == "nearest" and align_corners is not None:
        raise ValueError(f"{op}: align_corners only applies to the linear modes")
    spatial = x.shape[2:]
    out, scales = _sizes(op, spatial, size, scale_factor)
    check_size(op, x.shape[:2] + out)
    for n, o in zip(spatial, out):
        check_size(op, (o, n), "interpolation matrix")
    if mode == "nearest":
        for k, (n, o, s) in enumerate(zip(spatial, out, scales)):
            if n != o:
                x = x[(slice(None),) * (2 + k) + (nearest_source(n, o, s),)]
        return x
    mats = [linear_matrix(n, o, s, bool(align_corners), x.dtype) for n, o, s in zip(spatial, out, scales)]
    return _apply_matrices(x, mats)


def upsample(x, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """The same as interpolate (torch's nn.Upsample calls it)."""
    return interpolate(x, size, scale_factor, mode, align_corners)


def adaptive_avg_pool2d(x, output_size):
    """Average over torch's adaptive windows so the output is output_size (Ho, Wo).

    x: (N, C, H, W) or (C, H, W); output_size an int, a pair, with None keeping that axis.
    Windows start at floor(i H / Ho) and end at ceil((i + 1) H / Ho).
    """
    op = "adaptive_avg_pool2d"
    x = as_node(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"{op}: input must be (N, C, H, W) or (C, H, W), got shape {x.shape}")
    sizes = _several(output_size, 2)
    if len(sizes) != 2 or not all(s is None or (is_int(s) and s >= 1) for s in sizes):
        raise ValueError(f"{op}: output_size must be a positive int or a pair (None keeps an axis), "
                         f"got {output_size!r}")
    spatial = x.shape[-2:]
    out = tuple(n if s is None else int(s) for n, s in zip(spatial, sizes))
    if out == spatial:
        return x
    check_size(op, x.shape[:-2] + out)
    for n, o in zip(spatial, out):
        check_size(op, (o, n), "averaging matrix")
    mats = [average_matrix(n, o, x.dtype) for n, o in zip(spatial, out)]
    return _apply_matrices(x, mats)

