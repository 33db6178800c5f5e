"""Upsample, AdaptiveAvgPool2d and MaxUnpool2d layers over autograd's resizing functions."""

from __future__ import annotations

from autograd import Pattern
from autograd import functional as F
from autograd.ops.arguments import pair

from .module import Module


class Upsample(Module):
    """x: (N, C, L) or (N, C, H, W) resized to ``size`` or by ``scale_factor``; mode
    'nearest' (a gather), 'linear' / 'bilinear' (matmuls with interpolation matrices)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None):
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners
        self.pattern = Pattern.GATHER if mode == "nearest" else Pattern.SWAP_MULTIPLIER

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class AdaptiveAvgPool2d(Module):
    """x: (N, C, H, W) or (C, H, W) -> (..., *output_size), averaging torch's adaptive windows."""

    pattern = Pattern.DISTRIBUTOR

    def __init__(self, output_size):
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """(x, indices from MaxPool2d(return_indices=True)) -> each value back at its winner's
    place, zeros elsewhere: max-pool's backward scatter as a layer."""

    pattern = Pattern.SCATTER

    def __init__(self, kernel_size, stride=None, padding=0):
        self.kernel_size = pair(kernel_size, "kernel_size", "MaxUnpool2d")
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", "MaxUnpool2d")
        self.padding = pair(padding, "padding", "MaxUnpool2d", 0)

    def forward(self, x, indices, output_size=None):
        return F.max_unpool2d(x, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
