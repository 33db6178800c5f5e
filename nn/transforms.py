"""Data augmentation for image batches, numpy only: shifts, rotations, scalings, stretches,
shears and mirror images.

Each output pixel looks up where it came from in the input (the inverse of the transform)
and reads it with bilinear interpolation; pixels from outside the image are 0.

    augment = RandomAffine(max_shift=2, degrees=10, scale=(0.9, 1.1), seed=0)
    x_aug = augment(x)                     # x: (N, C, H, W) -> same shape, new random draw
    lecture = RandomAffine.lecture(seed=0) # the ranges of the CNN lectures' recipe (LECTURE_RANGES)
"""

from __future__ import annotations

import math

import numpy as np

# CMU's "Data Augmentation" slide: rotation uniform over the whole circle, translation up to
# 10 pixels, scaling log-uniform in [1/1.6, 1.6], flipping yes or no, shearing uniform in
# [-20, 20] degrees, stretching log-uniform in [1/1.3, 1.3]
LECTURE_RANGES = {"max_shift": 10, "degrees": 180, "scale": (1 / 1.6, 1.6), "flip": True,
                  "shear": 20, "stretch": (1 / 1.3, 1.3)}


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


def affine(x, angle=0.0, scale=1.0, shift=(0.0, 0.0), shear=0.0, stretch=1.0, flip=False):
    """Transform each image about its centre, in this order: mirror it left to right (``flip``),
    stretch it (``stretch`` s: columns x sqrt(s), rows / sqrt(s), the area kept), scale it by
    ``scale``, shear it by ``shear`` degrees (each row slides right by tan(shear) x its height
    below the centre), rotate it by ``angle`` degrees counter-clockwise, move it by ``shift`` =
    (down, right) pixels. Each argument is one value or one per image.
    x: (N, C, H, W) -> (N, C, H, W), bilinear, zero outside."""
    x = _check_images(x, "affine")
    n, _, h, w = x.shape
    angle = np.deg2rad(_per_image(angle, n, "affine: angle"))
    scale = _per_image(scale, n, "affine: scale")
    stretch = _per_image(stretch, n, "affine: stretch")
    shear = _per_image(shear, n, "affine: shear")
    flip = np.broadcast_to(np.asarray(flip, dtype=bool), (n,)) if np.ndim(flip) <= 1 else None
    for name, v in (("scale", scale), ("stretch", stretch)):
        if np.any(v <= 0):
            raise ValueError(f"affine: {name} must be positive, got {v.min()}")
    if np.any(np.abs(shear) >= 90) or flip is None:
        raise ValueError("affine: shear must be within (-90, 90) degrees and flip a bool or one per image")
    shift = np.asarray(shift, dtype=np.float64)
    shift = np.broadcast_to(shift, (n, 2)) if shift.shape in ((2,), (n, 2)) else None
    if shift is None:
        raise ValueError("affine: shift must be (down, right) or one pair per image")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.meshgrid(np.arange(h) - cy, np.arange(w) - cx, indexing="ij")

    def per(v):
        return v[:, None, None]

    # walk back from each output pixel: undo the shift, the rotation (rows point down, so a
    # counter-clockwise turn on screen is a clockwise one in (row, col)), the shear, the
    # stretch and scale, the flip
    r, q = rows[None] - per(shift[:, 0]), cols[None] - per(shift[:, 1])
    cos, sin = per(np.cos(angle)), per(np.sin(angle))
    r, q = cos * r + sin * q, -sin * r + cos * q
    q = q - per(np.tan(np.deg2rad(shear))) * r
    root = np.sqrt(stretch)
    r, q = r * per(root / scale), q / per(root * scale)
    q = np.where(per(flip), -q, q)
    return _bilinear(x, r + cy, q + cx)


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
    """A new random transform for every image at every call.

    max_shift: up to this many pixels in each direction (uniform); degrees: angle uniform in
    [-degrees, degrees] (180: the whole circle); scale and stretch: (low, high), log-uniform
    (so 0.9 and 1/0.9 are equally likely when low * high = 1); shear: angle uniform in
    [-shear, shear] degrees; flip: mirror each image with probability 1/2. seed: for a
    reproducible stream (the options left at their defaults draw nothing).
    """

    def __init__(self, max_shift=2.0, degrees=10.0, scale=(0.9, 1.1), seed=None, rng=None,
                 flip=False, shear=0.0, stretch=(1.0, 1.0)):
        if max_shift < 0 or degrees < 0 or not 0 <= shear < 90:
            raise ValueError(f"RandomAffine: max_shift and degrees must be >= 0 and shear in [0, 90), "
                             f"got {max_shift}, {degrees}, {shear}")
        for name, (lo, hi) in (("scale", scale), ("stretch", stretch)):
            if not 0 < lo <= hi:
                raise ValueError(f"RandomAffine: {name} must be (low, high) with 0 < low <= high, "
                                 f"got {(lo, hi)}")
        self.max_shift, self.degrees, self.scale = float(max_shift), float(degrees), tuple(scale)
        self.flip, self.shear, self.stretch = bool(flip), float(shear), tuple(stretch)
        self.rng = rng if rng is not None else np.random.default_rng(seed)

    @classmethod
    def lecture(cls, seed=None, rng=None):
        """The CNN lectures' recipe (LECTURE_RANGES): every rotation, shifts up to 10 pixels,
        scaling 1/1.6-1.6, flips, shears up to 20 degrees, stretches 1/1.3-1.3."""
        return cls(**LECTURE_RANGES, seed=seed, rng=rng)

    def _log_uniform(self, low_high, n, always=False):
        lo, hi = low_high
        if lo == hi and not always:           # nothing to draw (keeps the stream of older versions)
            return np.full(n, float(lo))
        return np.exp(self.rng.uniform(math.log(lo), math.log(hi), n))

    def draw(self, n):
        """The next ``n`` images' transforms: a dict of affine()'s arguments, one value per image."""
        angle = self.rng.uniform(-self.degrees, self.degrees, n)
        scale = self._log_uniform(self.scale, n, always=True)
        shift = self.rng.uniform(-self.max_shift, self.max_shift, (n, 2))
        flip = self.rng.random(n) < 0.5 if self.flip else np.zeros(n, bool)
        shear = self.rng.uniform(-self.shear, self.shear, n) if self.shear else np.zeros(n)
        return {"angle": angle, "scale": scale, "shift": shift, "shear": shear,
                "stretch": self._log_uniform(self.stretch, n), "flip": flip}

    def __call__(self, x):
        x = _check_images(x, "RandomAffine")
        return affine(x, **self.draw(len(x)))

    def __repr__(self):
        extra = (", flip=True" if self.flip else "") + (f", shear={self.shear:g}" if self.shear else "")
        if self.stretch != (1.0, 1.0):
            extra += f", stretch=({self.stretch[0]:.3g}, {self.stretch[1]:.3g})"
        return (f"RandomAffine(max_shift={self.max_shift:g}, degrees={self.degrees:g}, "
                f"scale=({self.scale[0]:.3g}, {self.scale[1]:.3g}){extra})")
