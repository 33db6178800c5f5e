"""AlexNet and VGG-16 in torchvision's layouts, for (N, 3, 224, 224) images: constructed to count
and run, not trained. 61,100,840 and 138,357,544 parameters (1000 classes).

torchvision puts an adaptive average pool to 6x6 (AlexNet) or 7x7 (VGG) before the classifier;
at 224x224 the feature maps already have that size, so it is the identity and is left out here
(other input sizes are refused with the sizes named).
"""

from __future__ import annotations

import numpy as np

from .activation import ReLU
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .pooling import MaxPool2d


def _classifier(features, kw, num_classes, dropout):
    return Sequential(
        Dropout(dropout), Linear(features, 4096, **kw), ReLU(),
        Dropout(dropout), Linear(4096, 4096, **kw), ReLU(),
        Linear(4096, num_classes, **kw))


class _ImageNet(Sequential):
    def forward(self, x):
        if tuple(x.shape[1:]) != (3, 224, 224):
            raise ValueError(f"{type(self).__name__}: expects input (N, 3, 224, 224), got shape "
                             f"{tuple(x.shape)}")
        return super().forward(x)


class AlexNet(_ImageNet):
    """features: conv 64@11x11/4 p2 -> pool 3/2 -> conv 192@5x5 p2 -> pool -> conv 384@3x3
    -> conv 256@3x3 -> conv 256@3x3 -> pool (256x6x6) -> flatten 9216 -> 4096 -> 4096 -> classes."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        kw = {"dtype": dtype, "rng": rng}
        super().__init__(
            features=Sequential(
                Conv2d(3, 64, 11, stride=4, padding=2, **kw), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(64, 192, 5, padding=2, **kw), ReLU(), MaxPool2d(3, stride=2),
                Conv2d(192, 384, 3, padding=1, **kw), ReLU(),
                Conv2d(384, 256, 3, padding=1, **kw), ReLU(),
                Conv2d(256, 256, 3, padding=1, **kw), ReLU(), MaxPool2d(3, stride=2)),
            flatten=Flatten(),
            classifier=_classifier(256 * 6 * 6, kw, num_classes, dropout))


VGG16_CONFIG = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M")


class VGG16(_ImageNet):
    """Thirteen 3x3 convs (padding 1, so only the five 2x2 max-pools shrink the map:
    224 -> 112 -> 56 -> 28 -> 14 -> 7), then 512x7x7 = 25,088 -> 4096 -> 4096 -> classes."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        kw = {"dtype": dtype, "rng": rng}
        layers, channels = [], 3
        for v in VGG16_CONFIG:
            if v == "M":
                layers.append(MaxPool2d(2))
            else:
                layers += [Conv2d(channels, v, 3, padding=1, **kw), ReLU()]
                channels = v
        super().__init__(features=Sequential(*layers), flatten=Flatten(),
                         classifier=_classifier(512 * 7 * 7, kw, num_classes, dropout))
