"""Conv2d and ConvTranspose2d layers over autograd.functional's conv primitives."""

from __future__ import annotations

import numpy as np

from autograd import Pattern
from autograd import functional as F
from autograd.ops.arguments import flag, pair, positive_int

from . import init
from .module import Module
from .parameter import Parameter


def _channels(layer, in_channels, out_channels, groups):
    """Checked (in_channels, out_channels, groups): the weight's shape needs them before any input."""
    c_in = positive_int(in_channels, "in_channels", layer)
    c_out = positive_int(out_channels, "out_channels", layer)
    groups = positive_int(groups, "groups", layer)
    if c_in % groups or c_out % groups:
        raise ValueError(f"{layer}: in_channels {c_in} and out_channels {c_out} "
                         f"must both be divisible by groups {groups}")
    return c_in, c_out, groups


def _padding(name, padding, stride):
    """A pair, or the strings 'valid' / 'same' (stride 1 only), as torch's Conv layers take."""
    if not isinstance(padding, str):
        return pair(padding, "padding", name, 0)
    if padding not in ("valid", "same"):
        raise ValueError(f"{name}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
    if padding == "same" and stride != (1, 1):
        raise ValueError(f"{name}: padding='same' needs stride 1, got stride {stride}")
    return padding


class _ConvBase(Module):
    pattern = Pattern.SWAP_MULTIPLIER  # each input gets the upstream convolved with the other

    def _geometry(self, name, in_channels, out_channels, kernel_size, stride, padding, dilation, groups):
        """Check and store the hyper-parameters both conv layers share."""
        self.in_channels, self.out_channels, self.groups = _channels(name, in_channels, out_channels, groups)
        self.kernel_size = pair(kernel_size, "kernel_size", name)
        self.stride = pair(stride, "stride", name)
        self.padding = _padding(name, padding, self.stride)
        self.dilation = pair(dilation, "dilation", name)

    def _init(self, name, weight_shape, fan, bias, dtype, rng):
        dtype = init.float_dtype(dtype, name)
        self.weight = Parameter(init.kaiming_uniform(weight_shape, dtype=dtype, rng=rng, fan=fan))
        self.bias = (Parameter(init.bias_uniform(self.out_channels, fan, dtype=dtype, rng=rng))
                     if flag(bias, "bias", name) else None)

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
        self._init("Conv2d", shape, init.fan_in(shape), bias, dtype, rng)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                        dilation=self.dilation, groups=self.groups)


class ConvTranspose2d(_ConvBase):
    """x: (N, C_in, H, W) -> (N, C_out, H', W'); weight (C_in, C_out/groups, kH, kW).

    H' = (H - 1) stride - 2 padding + dilation (kH - 1) + output_padding + 1, as in torch.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, dtype=np.float32, rng=None):
        name = "ConvTranspose2d"
        if isinstance(padding, str):
            raise ValueError(f"{name}: padding must be an int or a pair, got {padding!r}")
        self._geometry(name, in_channels, out_channels, kernel_size, stride, padding, dilation, groups)
        self.output_padding = pair(output_padding, "output_padding", name, 0)
        shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        # torch computes fan_in from weight.shape[1]: C_out/groups * kH * kW
        self._init(name, shape, init.fan_in(shape), bias, dtype, rng)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, stride=self.stride, padding=self.padding,
                                  output_padding=self.output_padding, groups=self.groups,
                                  dilation=self.dilation)


class Conv1d(_ConvBase):
    """x: (N, C_in, L) or (C_in, L) -> (N, C_out, L'); weight (C_out, C_in/groups, k): conv2d
    on a height of 1 (a time-delay network's layer)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, dtype=np.float32, rng=None):
        name = "Conv1d"
        one = [_one(v, n, name) for v, n in ((kernel_size, "kernel_size"), (stride, "stride"),
                                              (dilation, "dilation"))]
        pad = padding if isinstance(padding, str) else (0, _one(padding, "padding", name))
        self._geometry(name, in_channels, out_channels, (1, one[0]), (1, one[1]), pad,
                       (1, one[2]), groups)
        shape = (self.out_channels, self.in_channels // self.groups, one[0])
        self._init(name, shape, init.fan_in(shape), bias, dtype, rng)

    def forward(self, x):
        pad = self.padding if isinstance(self.padding, str) else self.padding[1]
        return F.conv1d(x, self.weight, self.bias, stride=self.stride[1], padding=pad,
                        dilation=self.dilation[1], groups=self.groups)

    def extra_repr(self):
        pad = self.padding if isinstance(self.padding, str) else self.padding[1]
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size[1]}"
        for name, v, default in (("stride", self.stride[1], 1), ("padding", pad, 0),
                                 ("dilation", self.dilation[1], 1), ("groups", self.groups, 1)):
            s += f", {name}={v}" if v != default else ""
        return s + ("" if self.bias is not None else ", bias=False")


def _one(v, name, layer):
    """An int from an int or a 1-tuple (torch's 1-d hyper-parameters)."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < (0 if name == "padding" else 1):
        raise ValueError(f"{layer}: {name} must be a {'non-negative' if name == 'padding' else 'positive'} "
                         f"int, got {v!r}")
    return int(v)
