"""GoogLeNet (Szegedy et al. 2014) and its Inception module, "multiple filter sizes
simultaneously": built to count and run, not trained.

An Inception module sends its input down four branches side by side and stacks their maps:

    x -> 1x1 conv                       (ch1x1)
    x -> 1x1 conv (ch3x3red) -> 3x3 conv (ch3x3)
    x -> 1x1 conv (ch5x5red) -> 5x5 conv (ch5x5)
    x -> 3x3 max-pool, stride 1 -> 1x1 conv (pool_proj)
    out = concat along channels          (ch1x1 + ch3x3 + ch5x5 + pool_proj)

The 1x1 "reduce" convs shrink the depth before the expensive 3x3 and 5x5 convs: that, and
a global average pool instead of AlexNet's 4096-wide layers, keeps GoogLeNet small. In
backward the input fans out to four branches, so its gradient is the sum of theirs (the
adder), and the concat hands each branch its own slice of the upstream.

Two layouts, same map sizes (224 -> 112 -> 56 -> 28 -> 14 -> 7 -> 1) and module names:
- variant="torchvision" (default): each conv without bias, then BatchNorm (eps 0.001) and
  ReLU; the "5x5" branch uses a 3x3 conv, as torchvision's does. 6,624,904 parameters
  (1000 classes, no auxiliary classifiers), equal to torchvision's googlenet.
- variant="paper": the paper's Table 1, conv with bias then ReLU, real 5x5 convs, dropout
  0.4; 6,998,552 parameters. The lecture's "5 million" is a round figure for either.
Left out in both: the two auxiliary classifiers used only in training, and the paper's
local response normalization (no parameters).
"""

from __future__ import annotations

import numpy as np

from autograd import Pattern, concat

from .activation import ReLU
from .container import Sequential
from .conv import Conv2d
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .module import Module
from .normalization import BatchNorm2d
from .pooling import MaxPool2d
from .resampling import AdaptiveAvgPool2d

VARIANTS = ("torchvision", "paper")


def conv_unit(c_in, c_out, kernel_size, stride=1, padding=0, variant="torchvision", dtype=np.float32,
              rng=None):
    """torchvision: conv (no bias) -> BatchNorm -> ReLU (its BasicConv2d); paper: conv -> ReLU."""
    kw = {"dtype": dtype, "rng": rng}
    if variant == "paper":
        return Sequential(conv=Conv2d(c_in, c_out, kernel_size, stride, padding, **kw), relu=ReLU())
    return Sequential(conv=Conv2d(c_in, c_out, kernel_size, stride, padding, bias=False, **kw),
                      bn=BatchNorm2d(c_out, eps=0.001, dtype=dtype), relu=ReLU())


class Inception(Module):
    """x: (N, C_in, H, W) -> (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)."""

    pattern = Pattern.SPLIT   # the concat's backward slices the upstream back to each branch

    def __init__(self, in_channels, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj,
                 variant="torchvision", dtype=np.float32, rng=None):
        if variant not in VARIANTS:
            raise ValueError(f"Inception: variant must be one of {VARIANTS}, got {variant!r}")
        kw = {"variant": variant, "dtype": dtype, "rng": rng}
        wide = 5 if variant == "paper" else 3            # torchvision's "5x5" branch is 3x3
        self.branch1 = conv_unit(in_channels, ch1x1, 1, **kw)
        self.branch2 = Sequential(conv_unit(in_channels, ch3x3red, 1, **kw),
                                  conv_unit(ch3x3red, ch3x3, 3, padding=1, **kw))
        self.branch3 = Sequential(conv_unit(in_channels, ch5x5red, 1, **kw),
                                  conv_unit(ch5x5red, ch5x5, wide, padding=wide // 2, **kw))
        self.branch4 = Sequential(MaxPool2d(3, stride=1, padding=1, ceil_mode=True),
                                  conv_unit(in_channels, pool_proj, 1, **kw))
        self.out_channels = ch1x1 + ch3x3 + ch5x5 + pool_proj

    def branches(self):
        return [self.branch1, self.branch2, self.branch3, self.branch4]

    def forward(self, x):
        return concat([branch(x) for branch in self.branches()], axis=1)

    def output_shape(self, shape, visit):
        outs = [tuple(visit(branch, shape)) for branch in self.branches()]
        if len({(o[0], *o[2:]) for o in outs}) != 1:
            raise ValueError(f"Inception: the branches' shapes {outs} differ outside the channel axis")
        n, _, *spatial = outs[0]
        return (n, sum(o[1] for o in outs), *spatial)


# (in, ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj): the paper's Table 1
INCEPTIONS = {
    "inception3a": (192, 64, 96, 128, 16, 32, 32),
    "inception3b": (256, 128, 128, 192, 32, 96, 64),
    "inception4a": (480, 192, 96, 208, 16, 48, 64),
    "inception4b": (512, 160, 112, 224, 24, 64, 64),
    "inception4c": (512, 128, 128, 256, 24, 64, 64),
    "inception4d": (512, 112, 144, 288, 32, 64, 64),
    "inception4e": (528, 256, 160, 320, 32, 128, 128),
    "inception5a": (832, 256, 160, 320, 32, 128, 128),
    "inception5b": (832, 384, 192, 384, 48, 128, 128),
}


class GoogLeNet(Sequential):
    """(N, 3, H, W) -> (N, classes); 22 layers with weights counting each Inception as two deep.

    conv 7x7/2 (64) -> pool -> conv 1x1 (64) -> conv 3x3 (192) -> pool -> 3a, 3b -> pool
    -> 4a .. 4e -> pool -> 5a, 5b (1024 maps of 7x7) -> global average pool -> dropout -> fc.
    The pool is adaptive, so inputs from 32x32 up run.
    """

    def __init__(self, num_classes=1000, variant="torchvision", dropout=None, dtype=np.float32, rng=None):
        if variant not in VARIANTS:
            raise ValueError(f"GoogLeNet: variant must be one of {VARIANTS}, got {variant!r}")
        self.variant = variant
        kw = {"variant": variant, "dtype": dtype, "rng": rng}
        super().__init__()
        self.append(conv_unit(3, 64, 7, stride=2, padding=3, **kw), "conv1")
        self.append(MaxPool2d(3, stride=2, ceil_mode=True), "maxpool1")
        self.append(conv_unit(64, 64, 1, **kw), "conv2")
        self.append(conv_unit(64, 192, 3, padding=1, **kw), "conv3")
        self.append(MaxPool2d(3, stride=2, ceil_mode=True), "maxpool2")
        for name, args in INCEPTIONS.items():
            self.append(Inception(*args, **kw), name)
            if name in ("inception3b", "inception4e"):
                pool = MaxPool2d(3, stride=2, ceil_mode=True) if name == "inception3b" else \
                    MaxPool2d(2, stride=2, ceil_mode=True)
                self.append(pool, "maxpool3" if name == "inception3b" else "maxpool4")
        self.append(AdaptiveAvgPool2d(1), "avgpool")
        self.append(Flatten(), "flatten")
        p = (0.4 if variant == "paper" else 0.2) if dropout is None else dropout
        self.append(Dropout(p), "dropout")
        self.append(Linear(1024, num_classes, dtype=dtype, rng=rng), "fc")
