"""MaxPool2d (a router) and AvgPool2d (a distributor) layers."""

from __future__ import annotations

from autograd import Pattern
from autograd import functional as F
from autograd.ops.arguments import flag, pair, positive_int

from .module import Module


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, dilation=1):
        name = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", name)
        self.padding = pair(padding, "padding", name, 0)
        self.dilation = pair(dilation, "dilation", name)
        self.ceil_mode = flag(ceil_mode, "ceil_mode", name)

    def extra_repr(self):
        def short(v):
            return v[0] if v[0] == v[1] else v
        s = f"kernel_size={short(self.kernel_size)}, stride={short(self.stride)}"
        s += f", padding={short(self.padding)}" if self.padding != (0, 0) else ""
        s += f", dilation={short(self.dilation)}" if self.dilation != (1, 1) else ""
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class MaxPool2d(_Pool2d):
    """x: (N, C, H, W) -> (N, C, H', W'); stride defaults to kernel_size.
    Backward routes each upstream value to its window's arg-max (adding on overlaps)."""

    pattern = Pattern.ROUTER

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__(kernel_size, stride, padding, ceil_mode, dilation)
        self.return_indices = flag(return_indices, "return_indices", "MaxPool2d")

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding,
                            dilation=self.dilation, ceil_mode=self.ceil_mode,
                            return_indices=self.return_indices)


class AvgPool2d(_Pool2d):
    """x: (N, C, H, W) -> (N, C, H', W'); zero padding counts in the mean (torch's default).
    Backward distributes upstream / (kH kW) over each window."""

    pattern = Pattern.DISTRIBUTOR

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = flag(count_include_pad, "count_include_pad", "AvgPool2d")
        self.divisor_override = (None if divisor_override is None else
                                 positive_int(divisor_override, "divisor_override", "AvgPool2d"))

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, stride=self.stride, padding=self.padding,
                            ceil_mode=self.ceil_mode, count_include_pad=self.count_include_pad,
                            divisor_override=self.divisor_override)

    def extra_repr(self):
        s = super().extra_repr()
        s += "" if self.count_include_pad else ", count_include_pad=False"
        return s + ("" if self.divisor_override is None else f", divisor_override={self.divisor_override}")
