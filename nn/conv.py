"""Conv2d and ConvTranspose2d layers over autograd.functional's conv primitives."""

from __future__ import annotations

import numpy as np

from autograd import functional as F
from autograd.arguments import pair

from . import init
from .module import Module
from .parameter import Parameter


def _check_channels(layer, in_channels, out_channels, groups):
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{layer}: {name} must be a positive integer, got {v!r}")
    if in_channels % groups or out_channels % groups:
        raise ValueError(f"{layer}: in_channels {in_channels} and out_channels {out_channels} "
                         f"must both be divisible by groups {groups}")


def _check_input(layer, x, channels):
    shape = tuple(x.shape)
    if len(shape) != 4 or shape[1] != channels:
        raise ValueError(f"{layer}: expected input (N, {channels}, H, W), got shape {shape}")


class _ConvBase(Module):
    pattern = "swap multiplier"  # each input gets the upstream convolved with the other

    def _geometry(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation, groups):
        """Check and store the hyper-parameters both conv layers share."""
        _check_channels(name, in_channels, out_channels, groups)
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = pair(stride, "stride", name)
        self.padding = pair(padding, "padding", name, 0)
        self.dilation = pair(dilation, "dilation", name)

    def _init(self, weight_shape, fan, bias, dtype, rng):
        self.weight = Parameter(init.kaiming_uniform(weight_shape, dtype=dtype, rng=rng, fan=fan))
        self.bias = (Parameter(init.bias_uniform(self.out_channels, fan, dtype=dtype, rng=rng))
                     if bias else None)

    def extra_repr(self):
        k = self.kernel_size
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={k[0] if k[0] == k[1] else k}"
        defaults = {"stride": (1, 1), "padding": (0, 0), "output_padding": (0, 0),
                    "dilation": (1, 1), "groups": 1}
        for name, default in defaults.items():
            v = getattr(self, name, default)
            if v != default:
                s += f", {name}={v[0] if isinstance(v, tuple) and v[0] == v[1] else v}"
        return s + ("" if self.bias is not None else ", bias=False")


class Conv2d(_ConvBase):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_out, C_in/groups, kH, kW).

    H' = (H + 2 padding - dilation (kH - 1) - 1) // stride + 1, as in torch.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, dtype=np.float32, rng=None):
        self._geometry("Conv2d", in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self._init(shape, init.fan_in(shape), bias, dtype, rng)

    def forward(self, x):
        _check_input("Conv2d", x, self.in_channels)
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                        dilation=self.dilation, groups=self.groups)


class ConvTranspose2d(_ConvBase):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_in, C_out/groups, kH, kW).

    H' = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1, as in torch.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, dtype=np.float32, rng=None):
        name = "ConvTranspose2d"
        self._geometry(name, in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        self.output_padding = pair(output_padding, "output_padding", name, 0)
        if any(op >= max(s, d) for op, s, d in zip(self.output_padding, self.stride, self.dilation)):
            raise ValueError(f"{name}: output_padding {self.output_padding} must be smaller than "
                             f"stride {self.stride} or dilation {self.dilation}")
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        # torch computes fan_in from weight.shape[1]: C_out/groups * kH * kW
        self._init(shape, init.fan_in(shape), bias, dtype, rng)

    def forward(self, x):
        _check_input("ConvTranspose2d", x, self.in_channels)
        return F.conv_transpose2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                  output_padding=self.output_padding, groups=self.groups,
                                  dilation=self.dilation)
