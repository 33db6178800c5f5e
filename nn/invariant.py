"""A transform-invariant conv layer (CNN III): each learned filter is applied in several
orientations; the layer keeps the strongest response, or every orientation's map.

    bank = [T(w) for T in transforms]      copies of every filter, rotated / flipped
    z    = conv2d(x, concat(bank))         (N, T*O, H', W')
    y    = max over T of z  (+ bias)       (N, O, H', W')       keep="max"
    y    = every map of z   (+ bias)       (N, O*T, H', W')     keep="all": map j*T + t is
                                           filter j in orientation t, the lecture's loop order

Nothing here has a hand-written backward: the transforms are getitem (reversed slices) and
transpose, or for 45-degree turns a matmul with an interpolation matrix, so the engine
derives it. The max is a router (the gradient reaches only the winning orientation at each
pixel) and the filter is used T times, so the copies' gradients are added back into the one
learned filter (the adder).

Rotating the input by 90 degrees rotates the output map and permutes the orientations, which
the max then forgets: a global pool over the map gives features invariant to the rotation.
"""

from __future__ import annotations

import numpy as np

from autograd import Pattern, Tensor, concat
from autograd import functional as F
from autograd.ops.arguments import pair

from . import init
from .module import Module
from .parameter import Parameter


def rot90(w, times=1):
    """w: (..., k, k) turned by 90 degrees counter-clockwise ``times`` times (np.rot90 on the
    last two axes), written as transpose + reversed slice so it is differentiable."""
    axes = (*range(w.ndim - 2), w.ndim - 1, w.ndim - 2)
    for _ in range(times % 4):
        w = w.transpose(*axes)[..., ::-1, :]
    return w


def flip(w):
    """w: (..., k, k) mirrored left to right."""
    return w[..., ::-1]


def rotation_matrix(k, degrees):
    """(k*k, k*k) M such that the filter turned by ``degrees`` (counter-clockwise) is M @ w.flat:
    each tap of the turned filter reads the original at the turned-back position, bilinear,
    0 outside. These are the "point correspondences between original and transformed filters"
    the lecture leaves as an exercise; backprop through the turn multiplies by M^T."""
    c = (k - 1) / 2
    angle = np.deg2rad(degrees)
    m = np.zeros((k * k, k * k))
    for i in range(k):
        for j in range(k):
            src = np.array([np.cos(angle) * (i - c) + np.sin(angle) * (j - c) + c,
                            -np.sin(angle) * (i - c) + np.cos(angle) * (j - c) + c])
            src = np.where(np.abs(src - np.round(src)) < 1e-9, np.round(src), src)  # 90-degree turns exact
            r0, c0 = np.floor(src).astype(int)
            fr, fc = src - (r0, c0)
            for dr, wr in ((0, 1 - fr), (1, fr)):
                for dc, wc in ((0, 1 - fc), (1, fc)):
                    r, q = r0 + dr, c0 + dc
                    if 0 <= r < k and 0 <= q < k and wr * wc:
                        m[i * k + j, r * k + q] += wr * wc
    return m


def rotate(w, degrees):
    """w: (..., k, k) turned by any angle through ``rotation_matrix`` (a matmul, so the engine
    derives the backward)."""
    k = w.shape[-1]
    flat = w.reshape(*w.shape[:-2], k * k)
    return (flat @ Tensor(rotation_matrix(k, degrees).T.astype(w.dtype))).reshape(*w.shape)


# (name, quarter turns, mirrored first); quarter turns that are not whole are interpolated
TRANSFORMS = {
    "rot90": [("r0", 0, False), ("r90", 1, False), ("r180", 2, False), ("r270", 3, False)],
    "dihedral": [(f"{'f' if f else ''}r{90 * t}", t, f) for f in (False, True) for t in range(4)],
    "rot45": [(f"r{45 * i}", i / 2, False) for i in range(8)],
}


def transformed(w, transforms="rot90"):
    """[T(w) for each transform]: the filter bank's copies of ``w`` (O, C, k, k)."""
    copies = []
    for _, turns, mirrored in TRANSFORMS[transforms]:
        v = flip(w) if mirrored else w
        copies.append(rot90(v, int(turns)) if float(turns).is_integer() else rotate(v, 90 * turns))
    return copies


class InvariantConv2d(Module):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_out, C_in, k, k), square k.

    ``transforms``: "rot90" (4 rotations), "dihedral" (rotations and their mirror images, 8) or
    "rot45" (8 rotations in steps of 45 degrees, the odd ones interpolated: ``rotation_matrix``).
    ``keep``: "max" (one map per filter, the max over orientations: (N, C_out, H', W')) or
    "all" (one map per filter and orientation, as the lecture builds it: (N, C_out*T, H', W'),
    map j*T + t = filter j in orientation t; a later pooling layer can take the max).
    """

    pattern = Pattern.ROUTER  # the max over orientations decides where the gradient goes

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 transforms="rot90", keep="max", bias=True, dtype=np.float32, rng=None):
        k = pair(kernel_size, "kernel_size", "InvariantConv2d")
        if k[0] != k[1]:
            raise ValueError(f"InvariantConv2d: kernel_size must be square to rotate, got {kernel_size!r}")
        if transforms not in TRANSFORMS:
            raise ValueError(f"InvariantConv2d: transforms must be one of {sorted(TRANSFORMS)}, "
                             f"got {transforms!r}")
        if keep not in ("max", "all"):
            raise ValueError(f"InvariantConv2d: keep must be 'max' or 'all', got {keep!r}")
        self.keep = keep
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
                raise ValueError(f"InvariantConv2d: {name} must be a positive int, got {v!r}")
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size, self.transforms = k, transforms
        self.stride = pair(stride, "stride", "InvariantConv2d")
        self.padding = pair(padding, "padding", "InvariantConv2d", 0)
        shape = (self.out_channels, self.in_channels, *k)
        fan = init.fan_in(shape)
        self.weight = Parameter(init.kaiming_uniform(shape, dtype=dtype, rng=rng, fan=fan))
        self.bias = (Parameter(init.bias_uniform(self.out_channels, fan, dtype=dtype, rng=rng))
                     if bias else None)

    @property
    def num_transforms(self):
        return len(TRANSFORMS[self.transforms])

    def responses(self, x):
        """(N, T, C_out, H', W'): every orientation's conv response, before the max."""
        shape = tuple(x.shape)
        if len(shape) != 4 or shape[1] != self.in_channels:
            raise ValueError(f"InvariantConv2d: expected input (N, {self.in_channels}, H, W), "
                             f"got shape {shape}")
        bank = concat(transformed(self.weight, self.transforms), axis=0)     # (T*O, C, k, k)
        z = F.conv2d(x, bank, stride=self.stride, padding=self.padding)
        n, _, h, w = z.shape
        return z.reshape(n, self.num_transforms, self.out_channels, h, w)

    def forward(self, x):
        z = self.responses(x)                                        # (N, T, O, H', W')
        if self.keep == "max":
            y = z.max(axis=1)
            return y if self.bias is None else y + self.bias.reshape(1, -1, 1, 1)
        n, t, o, h, w = z.shape
        y = z.transpose(0, 2, 1, 3, 4)                               # (N, O, T, H', W')
        if self.bias is not None:
            y = y + self.bias.reshape(1, -1, 1, 1, 1)
        return y.reshape(n, o * t, h, w)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size[0]}, "
                f"transforms={self.transforms!r}" + ("" if self.keep == "max" else ", keep='all'")
                + ("" if self.bias is not None else ", bias=False"))


def winners(layer, x):
    """(N, C_out, H', W') index of the orientation that won the max at each output pixel."""
    x = x if isinstance(x, Tensor) else Tensor(x)
    return np.asarray(layer.responses(x).data).argmax(axis=1)
