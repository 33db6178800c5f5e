"""AlexNet and ZFNet, the ImageNet networks the lectures name, built to count and run (not trained).

``nn.AlexNet()`` is torchvision's layout (224x224 input, 64/192/384/256/256 filters,
61,100,840 parameters). ``nn.AlexNet(variant="lecture")`` is Krizhevsky et al.'s network as
the lecture lists it: 227x227x3 input, 96/256/384/384/256 filters, 4096-4096-1000. The
paper split conv2, conv4 and conv5 over two GPUs, each half seeing only its own half of
the maps; ``groups=2`` (the default) keeps that split as grouped convolutions, 60,965,224
parameters; ``groups=1`` joins the halves, 62,378,344. Both are "60M". Left out: the
"normalization" (LRN) layers the slide marks unnecessary (they have no parameters).

The slide says "Conv2: stride 2". That is a slip: at stride 2 the maps go 27 -> 14 -> pool 6
-> pool 2 and the first fully connected layer would get 256 x 2 x 2 = 1,024 inputs, not the
256 x 6 x 6 = 9,216 a 4096-wide layer of ~60M parameters needs. The paper's stride 1 gives 9,216.

``nn.ZFNet()`` is Zeiler & Fergus's Figure 3 network (224 input, 96 7x7 filters at stride 2,
then AlexNet's layers with conv2 at stride 2): 110 -> 55 -> 26 -> 13 -> 6. The paper gives
those sizes but not the paddings; padding 1 on conv1 and pools that keep a last partial
window (ceil_mode) reproduce them. ``variant="lecture"`` widens conv3-5 to 512, 1024, 512 as
the lecture says (the paper's bigger model).

torchvision puts an adaptive average pool before the classifier; at the network's own input
size the maps already have the pooled size, so it is the identity and is left out here (other
input sizes are refused with the sizes named).
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


def classifier(features, kw, num_classes, dropout):
    """AlexNet's and ZFNet's fully connected layers: features -> 4096 -> 4096 -> classes, dropout before
    the first two (torchvision's order)."""
    return Sequential(
        Dropout(dropout), Linear(features, 4096, **kw), ReLU(),
        Dropout(dropout), Linear(4096, 4096, **kw), ReLU(),
        Linear(4096, num_classes, **kw))


class ImageNetModel(Sequential):
    """A Sequential for (N, 3, S, S) images of one size S (``input_size``): features ->
    flatten -> classifier. Checks its input in forward and in the shape path."""

    input_size = 224

    def _check(self, shape):
        want = (3, self.input_size, self.input_size)
        if tuple(shape[1:]) != want:
            raise ValueError(f"{type(self).__name__}: expects input (N, {', '.join(map(str, want))}), "
                             f"got shape {tuple(shape)}")

    def forward(self, x):
        self._check(x.shape)
        return super().forward(x)

    def output_shape(self, shape, visit):
        self._check(shape)
        for child in self.children():
            shape = visit(child, shape)
        return shape


def _variant(name, variant, allowed):
    if variant not in allowed:
        raise ValueError(f"{name}: variant must be one of {', '.join(map(repr, allowed))}, got {variant!r}")
    return variant


class AlexNet(ImageNetModel):
    """torchvision (default): conv 64@11x11/4 p2 -> pool 3/2 -> conv 192@5x5 p2 -> pool
    -> conv 384@3x3 -> conv 256@3x3 -> conv 256@3x3 -> pool (256x6x6) -> 9216 -> 4096 -> 4096.

    lecture: (N, 3, 227, 227) -> conv 96@11x11/4 (55) -> pool 3/2 (27) -> conv 256@5x5 p2
    -> pool (13) -> conv 384@3x3 p1 -> conv 384 -> conv 256 -> pool (6) -> 9216 -> 4096 -> 4096;
    conv2, conv4, conv5 in ``groups`` groups (2: the paper's two GPUs; 1: joined).
    """

    def __init__(self, num_classes=1000, dropout=0.5, variant="torchvision", groups=None,
                 dtype=np.float32, rng=None):
        self.variant = _variant("AlexNet", variant, ("torchvision", "lecture"))
        kw = {"dtype": dtype, "rng": rng}
        if variant == "torchvision":
            if groups not in (None, 1):
                raise ValueError("AlexNet: groups applies to variant='lecture' (the paper's two-GPU split)")
            convs = [Conv2d(3, 64, 11, stride=4, padding=2, **kw), Conv2d(64, 192, 5, padding=2, **kw),
                     Conv2d(192, 384, 3, padding=1, **kw), Conv2d(384, 256, 3, padding=1, **kw),
                     Conv2d(256, 256, 3, padding=1, **kw)]
        else:
            g = 2 if groups is None else groups
            if g not in (1, 2):
                raise ValueError(f"AlexNet: groups must be 1 or 2 (the paper's two GPUs), got {groups!r}")
            self.input_size, self.groups = 227, g
            convs = [Conv2d(3, 96, 11, stride=4, **kw), Conv2d(96, 256, 5, padding=2, groups=g, **kw),
                     Conv2d(256, 384, 3, padding=1, **kw), Conv2d(384, 384, 3, padding=1, groups=g, **kw),
                     Conv2d(384, 256, 3, padding=1, groups=g, **kw)]
        c1, c2, c3, c4, c5 = convs
        super().__init__(
            features=Sequential(c1, ReLU(), MaxPool2d(3, stride=2), c2, ReLU(), MaxPool2d(3, stride=2),
                                c3, ReLU(), c4, ReLU(), c5, ReLU(), MaxPool2d(3, stride=2)),
            flatten=Flatten(),
            classifier=classifier(256 * 6 * 6, kw, num_classes, dropout))


ZFNET_WIDTHS = {"paper": (384, 384, 256), "lecture": (512, 1024, 512)}


class ZFNet(ImageNetModel):
    """(N, 3, 224, 224) -> conv 96@7x7/2 p1 (110) -> pool 3/2 (55) -> conv 256@5x5/2 (26)
    -> pool (13) -> conv3, conv4, conv5 @3x3 p1 (13) -> pool (6) -> 4096 -> 4096 -> classes.

    conv3-5 have 384, 384, 256 filters (variant="paper") or 512, 1024, 512 ("lecture").
    """

    def __init__(self, num_classes=1000, dropout=0.5, variant="paper", dtype=np.float32, rng=None):
        self.variant = _variant("ZFNet", variant, tuple(ZFNET_WIDTHS))
        kw = {"dtype": dtype, "rng": rng}
        w3, w4, w5 = ZFNET_WIDTHS[variant]
        super().__init__(
            features=Sequential(
                Conv2d(3, 96, 7, stride=2, padding=1, **kw), ReLU(), MaxPool2d(3, stride=2, ceil_mode=True),
                Conv2d(96, 256, 5, stride=2, **kw), ReLU(), MaxPool2d(3, stride=2, ceil_mode=True),
                Conv2d(256, w3, 3, padding=1, **kw), ReLU(), Conv2d(w3, w4, 3, padding=1, **kw), ReLU(),
                Conv2d(w4, w5, 3, padding=1, **kw), ReLU(), MaxPool2d(3, stride=2)),
            flatten=Flatten(),
            classifier=classifier(w5 * 6 * 6, kw, num_classes, dropout))
