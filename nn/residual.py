"""Skip connections: ResNet's basic block and a small ResNet for 32x32 inputs.

A residual block computes relu(F(x) + shortcut(x)), F = conv3x3-BN-ReLU-conv3x3-BN. In
backward the add gate is a distributor: the upstream reaches the shortcut unchanged, so
gradient gets past the block even when F's path shrinks it. ``skip=False`` removes the add
(a plain block of the same depth), for comparisons.
"""

from __future__ import annotations

import numbers

import numpy as np

from autograd import Pattern
from autograd import functional as F

from .activation import ReLU
from .container import Sequential
from .conv import Conv2d
from .flatten import Flatten
from .linear import Linear
from .module import Module
from .normalization import BatchNorm2d
from .resampling import AdaptiveAvgPool2d


def _conv3x3(c_in, c_out, stride, kw):
    return Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False, **kw)


def _shortcut(block, in_channels, out_channels, stride, kw):
    """The block's ``downsample``: a 1x1 projection conv with BatchNorm where the shape
    changes (stride > 1 or C_in != C_out), else None (the identity). A block without its
    skip has no add gate, so no pattern."""
    if not block.skip:
        block.pattern = None
    if block.skip and (stride != 1 or in_channels != out_channels):
        project = Conv2d(in_channels, out_channels, 1, stride=stride, bias=False, **kw)
        return Sequential(project, BatchNorm2d(out_channels, dtype=kw["dtype"]))
    return None


def _joined_forward(block, x, out):
    """relu(F(x) + shortcut(x)), or relu(F(x)) without the skip."""
    if block.skip:
        out = out + (x if block.downsample is None else block.downsample(x))
    return F.relu(out)


class ResidualBlock(Module):
    """x: (N, C_in, H, W) -> (N, C_out, H / stride, W / stride).

    torchvision's BasicBlock (same attribute names, so its state_dict loads): conv1, bn1,
    conv2, bn2 and, when the shape changes (stride > 1 or C_in != C_out), ``downsample``,
    a 1x1 projection conv with BatchNorm; otherwise the shortcut is the identity.
    """

    pattern = Pattern.DISTRIBUTOR   # the add gate that joins the two paths

    def __init__(self, in_channels, out_channels, stride=1, skip=True, dtype=np.float32, rng=None):
        for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("stride", stride)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"ResidualBlock: {name} must be a positive int, got {v!r}")
        kw = {"dtype": dtype, "rng": rng}
        self.skip = bool(skip)
        self.conv1 = _conv3x3(in_channels, out_channels, stride, kw)
        self.bn1 = BatchNorm2d(out_channels, dtype=dtype)
        self.conv2 = _conv3x3(out_channels, out_channels, 1, kw)
        self.bn2 = BatchNorm2d(out_channels, dtype=dtype)
        self.downsample = _shortcut(self, in_channels, out_channels, stride, kw)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return _joined_forward(self, x, self.bn2(self.conv2(out)))

    def output_shape(self, shape, visit):
        """The shape path of nn.summary(run=False): the same children in forward's order."""
        out = visit(self.bn2, visit(self.conv2, visit(self.bn1, visit(self.conv1, shape))))
        return _joined(self, out, shape, visit)

    def extra_repr(self):
        return "" if self.skip else "skip=False"


def _joined(block, out, shape, visit):
    """The residual add's shape: both paths must agree."""
    if block.skip:
        shortcut = shape if block.downsample is None else visit(block.downsample, shape)
        if tuple(shortcut) != tuple(out):
            raise ValueError(f"{type(block).__name__}: the shortcut gives {tuple(shortcut)} but the "
                             f"main path gives {tuple(out)}")
    return out


class Bottleneck(Module):
    """x: (N, C_in, H, W) -> (N, 4 width, H / stride, W / stride): ResNet-50/101/152's block.

    conv1x1 (C_in -> width) squeezes the channels, conv3x3 (width -> width, carrying the
    stride) works on the narrow volume, conv1x1 (width -> 4 width) widens it back; BN after
    each, ReLU between. torchvision's Bottleneck (stride on the 3x3, attribute names equal so
    its state_dict loads); the shortcut projects (1x1 conv + BN) when the shape changes.
    """

    pattern = Pattern.DISTRIBUTOR   # the add gate that joins the two paths
    expansion = 4

    def __init__(self, in_channels, width, stride=1, skip=True, dtype=np.float32, rng=None):
        for name, v in (("in_channels", in_channels), ("width", width), ("stride", stride)):
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                raise ValueError(f"Bottleneck: {name} must be a positive int, got {v!r}")
        kw = {"dtype": dtype, "rng": rng}
        out_channels = width * self.expansion
        self.skip = bool(skip)
        self.conv1 = Conv2d(in_channels, width, 1, bias=False, **kw)
        self.bn1 = BatchNorm2d(width, dtype=dtype)
        self.conv2 = _conv3x3(width, width, stride, kw)
        self.bn2 = BatchNorm2d(width, dtype=dtype)
        self.conv3 = Conv2d(width, out_channels, 1, bias=False, **kw)
        self.bn3 = BatchNorm2d(out_channels, dtype=dtype)
        self.downsample = _shortcut(self, in_channels, out_channels, stride, kw)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        return _joined_forward(self, x, self.bn3(self.conv3(out)))

    def output_shape(self, shape, visit):
        out = shape
        for conv, bn in ((self.conv1, self.bn1), (self.conv2, self.bn2), (self.conv3, self.bn3)):
            out = visit(bn, visit(conv, out))
        return _joined(self, out, shape, visit)

    def extra_repr(self):
        return "" if self.skip else "skip=False"


class ResNet(Sequential):
    """A CIFAR-style ResNet (He et al. 2015, section 4.2) for (N, C, 32, 32) inputs:

    conv3x3(16) -> BN -> ReLU -> stages of ``blocks`` ResidualBlocks with ``widths`` channels
    (the first block of each later stage halves H and W) -> global average pool -> Linear.
    The default (3, 3, 3) is ResNet-20: 6n + 2 = 20 weight layers. ``skip=False`` gives the
    plain network of the same depth. Any input of at least 4x4 works (the pool is adaptive).
    """

    def __init__(self, blocks=(3, 3, 3), widths=(16, 32, 64), in_channels=3, num_classes=10, skip=True,
                 dtype=np.float32, rng=None):
        blocks, widths = tuple(blocks), tuple(widths)
        if not blocks or len(blocks) != len(widths):
            raise ValueError(f"ResNet: blocks {blocks} and widths {widths} must be non-empty and "
                             "of the same length")
        if not all(isinstance(n, numbers.Integral) and n >= 1 for n in (*blocks, *widths)):
            raise ValueError(f"ResNet: blocks {blocks} and widths {widths} must be positive ints")
        kw = {"dtype": dtype, "rng": rng}
        super().__init__()
        self.append(_conv3x3(in_channels, widths[0], 1, kw), "conv1")
        self.append(BatchNorm2d(widths[0], dtype=dtype), "bn1")
        self.append(ReLU(), "relu")
        c = widths[0]
        for s, (n, w) in enumerate(zip(blocks, widths)):
            stage = Sequential(*(ResidualBlock(c if i == 0 else w, w, 2 if (i == 0 and s > 0) else 1,
                                               skip=skip, **kw) for i in range(n)))
            self.append(stage, f"layer{s + 1}")
            c = w
        self.append(AdaptiveAvgPool2d(1), "avgpool")
        self.append(Flatten(), "flatten")
        self.append(Linear(c, num_classes, **kw), "fc")
