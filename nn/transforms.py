"""Data augmentation for image batches, numpy only: shifts, small rotations and scalings.

Each output pixel looks up where it came from in the input (the inverse of the transform)
and reads it with bilinear interpolation; pixels from outside the image are 0.

    augment = RandomAffine(max_shift=2, degrees=10, scale=(0.9, 1.1), seed=0)
    x_aug = augment(x)                     # x: (N, C, H, W) -> same shape, new random draw
"""

from __future__ import annotations

import math

import numpy as np


def _check_images(x, name):
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"{name}: expected images (N, C, H, W), got shape {x.shape}")
    return x


def _per_image(v, n, name):
    v = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)) if np.ndim(v) <= 1 else None
    if v is None:
        raise ValueError(f"{name}: expected a number or one value per image")
    return v


def affine(x, angle=0.0, scale=1.0, shift=(0.0, 0.0)):
    """Rotate each image by ``angle`` degrees (counter-clockwise, about its centre), scale it by
    ``scale`` and move it by ``shift`` = (down, right) pixels. Each argument is one number or
    one per image. x: (N, C, H, W) -> (N, C, H, W), bilinear, zero outside."""
    x = _check_images(x, "affine")
    n, _, h, w = x.shape
    angle = np.deg2rad(_per_image(angle, n, "affine: angle"))
    scale = _per_image(scale, n, "affine: scale")
    if np.any(scale <= 0):
        raise ValueError(f"affine: scale must be positive, got {scale.min()}")
    shift = np.asarray(shift, dtype=np.float64)
    shift = np.broadcast_to(shift, (n, 2)) if shift.shape in ((2,), (n, 2)) else None
    if shift is None:
        raise ValueError("affine: shift must be (down, right) or one pair per image")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")
    # output (r, c) came from R(-angle) (r - shift, c - shift) / scale; rows point down, so a
    # counter-clockwise turn on screen is a clockwise one in (row, col) coordinates
    r = (rows[None] - shift[:, 0, None, None]) / scale[:, None, None]
    q = (cols[None] - shift[:, 1, None, None]) / scale[:, None, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    src_r = cos * r + sin * q + cy
    src_c = -sin * r + cos * q + cx
    return _bilinear(x, src_r, src_c)


def _bilinear(x, src_r, src_c):
    """x (N, C, H, W) read at fractional (N, H, W) coordinates, zero outside the image."""
    n, _, h, w = x.shape
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    fr, fc = src_r - r0, src_c - c0
    out = np.zeros(x.shape, dtype=np.float64)
    batch = np.arange(n)[:, None, None]
    for dr, wr in ((0, 1 - fr), (1, fr)):
        for dc, wc in ((0, 1 - fc), (1, fc)):
            rr, cc = r0 + dr, c0 + dc
            inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
            vals = x[batch, :, np.clip(rr, 0, h - 1), np.clip(cc, 0, w - 1)]      # (N, H, W, C)
            out += np.moveaxis(vals, -1, 1) * (wr * wc * inside)[:, None]
    return out.astype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


class RandomAffine:
    """A new random shift, rotation and scaling for every image at every call.

    max_shift: up to this many pixels in each direction (uniform); degrees: angle uniform in
    [-degrees, degrees]; scale: (low, high), log-uniform (so 0.9 and 1/0.9 are equally likely
    when low * high = 1). seed: for a reproducible stream.
    """

    def __init__(self, max_shift=2.0, degrees=10.0, scale=(0.9, 1.1), seed=None, rng=None):
        if max_shift < 0 or degrees < 0:
            raise ValueError(f"RandomAffine: max_shift and degrees must be >= 0, got {max_shift}, {degrees}")
        lo, hi = scale
        if not 0 < lo <= hi:
            raise ValueError(f"RandomAffine: scale must be (low, high) with 0 < low <= high, got {scale}")
        self.max_shift, self.degrees, self.scale = float(max_shift), float(degrees), (lo, hi)
        self.rng = rng if rng is not None else np.random.default_rng(seed)

    def __call__(self, x):
        x = _check_images(x, "RandomAffine")
        n = len(x)
        angle = self.rng.uniform(-self.degrees, self.degrees, n)
        scale = np.exp(self.rng.uniform(math.log(self.scale[0]), math.log(self.scale[1]), n))
        shift = self.rng.uniform(-self.max_shift, self.max_shift, (n, 2))
        return affine(x, angle, scale, shift)

    def __repr__(self):
        return (f"RandomAffine(max_shift={self.max_shift:g}, degrees={self.degrees:g}, "
                f"scale={self.scale})")
