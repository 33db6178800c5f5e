"""DenseNet's dense block: each layer sees the concatenation of every earlier feature map.

A layer is BN -> ReLU -> conv3x3 producing ``growth_rate`` new channels, appended to its
input along the channel axis. In backward the concat hands each input its slice of the
upstream, and a feature map read by several later layers gets the sum of their gradients
(the copy gate's adder): every layer has a short path to the loss.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd import Pattern, concat
from autograd import functional as F

from .conv import Conv2d
from .module import Module
from .normalization import BatchNorm2d


class DenseLayer(Module):
    """x: (N, C, H, W) -> (N, C + growth_rate, H, W): x with BN-ReLU-conv3x3(x) appended."""

    pattern = Pattern.SPLIT   # concat's backward slices the upstream back to each input

    def __init__(self, in_channels, growth_rate, dtype=np.float32, rng=None):
        self.norm = BatchNorm2d(in_channels, dtype=dtype)
        self.conv = Conv2d(in_channels, growth_rate, 3, padding=1, bias=False, dtype=dtype, rng=rng)

    def forward(self, x):
        return concat([x, self.conv(F.relu(self.norm(x)))], axis=1)

    def output_shape(self, shape, visit):
        """The shape path of nn.summary(run=False): x with the conv's maps appended."""
        new = visit(self.conv, visit(self.norm, shape))
        return (shape[0], shape[1] + new[1], *shape[2:])


class DenseBlock(Module):
    """x: (N, C, H, W) -> (N, C + num_layers * growth_rate, H, W) through ``num_layers``
    DenseLayers (torchvision's _DenseBlock without the bottleneck)."""

    pattern = Pattern.SPLIT

    def __init__(self, in_channels, growth_rate, num_layers, dtype=np.float32, rng=None):
        for name, v in (("in_channels", in_channels), ("growth_rate", growth_rate),
                        ("num_layers", num_layers)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"DenseBlock: {name} must be a positive int, got {v!r}")
        self.layers = [DenseLayer(in_channels + i * growth_rate, growth_rate, dtype=dtype, rng=rng)
                       for i in range(num_layers)]
        self.out_channels = in_channels + num_layers * growth_rate

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def output_shape(self, shape, visit):
        for layer in self.layers:
            shape = visit(layer, shape)
        return shape
