"""VGG (Simonyan & Zisserman 2014): the ConvNet configurations A-E of the paper's Table 1,
in torchvision's layout, for (N, 3, 224, 224) images: built to count and run, not trained.

Every conv is 3x3 with stride 1 and padding 1 (configuration C also has 1x1 convs), so only
the five 2x2 max-pools shrink the map: 224 -> 112 -> 56 -> 28 -> 14 -> 7; then
512 x 7 x 7 = 25,088 -> 4096 -> 4096 -> classes.

    A  VGG-11  132,863,336 parameters      D  VGG-16  138,357,544
    B  VGG-13  133,047,848                 E  VGG-19  143,667,240
    C  16 layers with three 1x1 convs: 133,638,952 (torchvision has no C)

The table's A-LRN column (A plus a local response normalization layer, no parameters) is
not built. Build big ones inside ``nn.meta()`` to count them without the memory.
"""

from __future__ import annotations

import numpy as np

from .activation import ReLU
from .classic import ImageNetModel
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .pooling import MaxPool2d

# Table 1 of the paper, column by column: a number is a 3x3 conv with that many filters,
# (n, 1) a 1x1 conv with n filters, "M" a 2x2 max-pool with stride 2
VGG_CONFIGS = {
    "A": (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "B": (64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"),
    "C": (64, 64, "M", 128, 128, "M", 256, 256, (256, 1), "M", 512, 512, (512, 1), "M",
          512, 512, (512, 1), "M"),
    "D": (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"),
    "E": (64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"),
}


def classifier(kw, num_classes, dropout):
    """25,088 -> 4096 -> 4096 -> classes, dropout after each hidden ReLU (torchvision's order,
    so its names classifier.0, .3, .6 match)."""
    return Sequential(
        Linear(512 * 7 * 7, 4096, **kw), ReLU(), Dropout(dropout),
        Linear(4096, 4096, **kw), ReLU(), Dropout(dropout),
        Linear(4096, num_classes, **kw))


class VGG(ImageNetModel):
    """VGG(config) for config "A" .. "E": features (convs + ReLU + pools) -> flatten -> classifier."""

    def __init__(self, config="D", num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        if config not in VGG_CONFIGS:
            raise ValueError(f"VGG: config must be one of {', '.join(VGG_CONFIGS)}, got {config!r}")
        self.config = config
        kw = {"dtype": dtype, "rng": rng}
        layers, channels = [], 3
        for v in VGG_CONFIGS[config]:
            if v == "M":
                layers.append(MaxPool2d(2))
                continue
            width, k = v if isinstance(v, tuple) else (v, 3)
            layers += [Conv2d(channels, width, k, padding=k // 2, **kw), ReLU()]
            channels = width
        super().__init__(features=Sequential(*layers), flatten=Flatten(),
                         classifier=classifier(kw, num_classes, dropout))


class VGG11(VGG):
    """Configuration A: 8 convs + 3 fully connected = 11 weight layers."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        super().__init__("A", num_classes, dropout, dtype, rng)


class VGG13(VGG):
    """Configuration B: 10 convs + 3 fully connected = 13 weight layers."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        super().__init__("B", num_classes, dropout, dtype, rng)


class VGG16(VGG):
    """Configuration D: 13 convs + 3 fully connected = 16 weight layers (the lecture's "final arch")."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        super().__init__("D", num_classes, dropout, dtype, rng)


class VGG19(VGG):
    """Configuration E: 16 convs + 3 fully connected = 19 weight layers."""

    def __init__(self, num_classes=1000, dropout=0.5, dtype=np.float32, rng=None):
        super().__init__("E", num_classes, dropout, dtype, rng)
