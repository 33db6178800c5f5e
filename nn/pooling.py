"""MaxPool2d (a router) and AvgPool2d (a distributor) layers."""

from __future__ import annotations

from autograd import functional as F
from autograd.windows import pair

from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", name)
        self.padding = pair(padding, "padding", name, 0)
        if any(2 * p > k for p, k in zip(self.padding, self.kernel_size)):
            raise ValueError(f"{name}: padding {self.padding} must be at most half of "
                             f"kernel_size {self.kernel_size}")

    def _check(self, x):
        if len(x.shape) != 4:
            raise ValueError(f"{type(self).__name__}: expected input (N, C, H, W), "
                             f"got shape {tuple(x.shape)}")

    def extra_repr(self):
        def short(v):
            return v[0] if v[0] == v[1] else v
        s = f"kernel_size={short(self.kernel_size)}, stride={short(self.stride)}"
        return s + (f", padding={short(self.padding)}" if self.padding != (0, 0) else "")


class MaxPool2d(_Pool2d):
    """x: (N, C, H, W) -> (N, C, H', W'); stride defaults to kernel_size.
    Backward routes each upstream value to its window's arg-max (adding on overlaps)."""

    pattern = "router"

    def forward(self, x):
        self._check(x)
        return F.max_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding)


class AvgPool2d(_Pool2d):
    """x: (N, C, H, W) -> (N, C, H', W'); zero padding counts in the mean (torch's default).
    Backward distributes upstream / (kH kW) over each window."""

    pattern = "distributor"

    def forward(self, x):
        self._check(x)
        return F.avg_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding)
