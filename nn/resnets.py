"""The ImageNet ResNets of He et al. 2015 (Table 1) in torchvision's layout: ResNet-18, -34
with basic blocks (two 3x3 convs), ResNet-50, -101, -152 with bottleneck blocks (1x1, 3x3, 1x1).

    conv1 7x7/2, 64 (112) -> BN -> ReLU -> max-pool 3/2 (56) -> layer1 .. layer4 (56, 28, 14, 7)
    -> global average pool -> Linear(512 or 2048, classes)

                blocks per stage   parameters (1000 classes)
    ResNet-18   2, 2, 2, 2         11,689,512
    ResNet-34   3, 4, 6, 3         21,797,672
    ResNet-50   3, 4, 6, 3         25,557,032     bottleneck
    ResNet-101  3, 4, 23, 3        44,549,160     bottleneck
    ResNet-152  3, 8, 36, 3        60,192,808     bottleneck: 3 x 50 convs + conv1 + fc = 152 layers

The pool is adaptive, so any input of at least 32x32 runs (a small image gives small maps).
The lecture says "no pooling in ResNet": the paper has one max-pool after conv1 and the
global average pool before the classifier, and strided convs everywhere else.
For the CIFAR ResNets (20, 56, ...) see ``nn.ResNet``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .activation import ReLU
from .container import Sequential
from .conv import Conv2d
from .flatten import Flatten
from .linear import Linear
from .normalization import BatchNorm2d
from .pooling import MaxPool2d
from .resampling import AdaptiveAvgPool2d
from .residual import Bottleneck, ResidualBlock

STAGE_WIDTHS = (64, 128, 256, 512)


class ImageNetResNet(Sequential):
    """ImageNetResNet(layers, bottleneck): ``layers`` blocks in each of the four stages.

    Stage s has width 64 x 2^s; its first block halves H and W (except stage 1, after the
    max-pool). A basic block outputs ``width`` channels, a bottleneck 4 x width.
    """

    def __init__(self, layers, bottleneck, num_classes=1000, in_channels=3, dtype=np.float32, rng=None):
        layers = tuple(layers)
        if len(layers) != 4 or not all(isinstance(n, numbers.Integral) and n >= 1 for n in layers):
            raise ValueError(f"ImageNetResNet: layers must be four positive ints, got {layers!r}")
        kw = {"dtype": dtype, "rng": rng}
        super().__init__()
        self.append(Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False, **kw), "conv1")
        self.append(BatchNorm2d(64, dtype=dtype), "bn1")
        self.append(ReLU(), "relu")
        self.append(MaxPool2d(3, stride=2, padding=1), "maxpool")
        channels = 64
        for s, (n, width) in enumerate(zip(layers, STAGE_WIDTHS)):
            blocks = []
            for i in range(n):
                stride = 2 if (i == 0 and s > 0) else 1
                if bottleneck:
                    blocks.append(Bottleneck(channels, width, stride, **kw))
                    channels = width * Bottleneck.expansion
                else:
                    blocks.append(ResidualBlock(channels, width, stride, **kw))
                    channels = width
            self.append(Sequential(*blocks), f"layer{s + 1}")
        self.append(AdaptiveAvgPool2d(1), "avgpool")
        self.append(Flatten(), "flatten")
        self.append(Linear(channels, num_classes, **kw), "fc")


class ResNet18(ImageNetResNet):
    def __init__(self, num_classes=1000, dtype=np.float32, rng=None):
        super().__init__((2, 2, 2, 2), False, num_classes, dtype=dtype, rng=rng)


class ResNet34(ImageNetResNet):
    def __init__(self, num_classes=1000, dtype=np.float32, rng=None):
        super().__init__((3, 4, 6, 3), False, num_classes, dtype=dtype, rng=rng)


class ResNet50(ImageNetResNet):
    def __init__(self, num_classes=1000, dtype=np.float32, rng=None):
        super().__init__((3, 4, 6, 3), True, num_classes, dtype=dtype, rng=rng)


class ResNet101(ImageNetResNet):
    def __init__(self, num_classes=1000, dtype=np.float32, rng=None):
        super().__init__((3, 4, 23, 3), True, num_classes, dtype=dtype, rng=rng)


class ResNet152(ImageNetResNet):
    def __init__(self, num_classes=1000, dtype=np.float32, rng=None):
        super().__init__((3, 8, 36, 3), True, num_classes, dtype=dtype, rng=rng)
