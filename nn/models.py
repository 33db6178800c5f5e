"""Ready-made models: MLP and LeNet-5."""

from __future__ import annotations

import numpy as np

from .activation import ReLU
from .activation import activation as make_activation
from .container import Sequential
from .conv import Conv2d
from .flatten import Flatten
from .linear import Linear
from .pooling import MaxPool2d


class MLP(Sequential):
    """MLP(nin, [h1, ..., nout]): Linear layers with ``activation`` between them, linear output.

    Same signature as nn.scalar.MLP. E.g. MLP(784, [256, 128, 10]) has layers
    0: Linear(784, 256), 1: ReLU, 2: Linear(256, 128), 3: ReLU, 4: Linear(128, 10).
    """

    def __init__(self, nin, nouts, activation="relu", dtype=np.float32, rng=None):
        nouts = [nouts] if isinstance(nouts, (int, np.integer)) else list(nouts)
        if not nouts:
            raise ValueError("MLP: nouts must list at least one layer size")
        super().__init__()
        sizes = [nin, *nouts]
        for i in range(len(nouts)):
            self.append(Linear(sizes[i], sizes[i + 1], dtype=dtype, rng=rng))
            if i < len(nouts) - 1:
                self.append(make_activation(activation))


class LeNet5(Sequential):
    """LeNet-5 as in the lecture, for (N, 1, 32, 32) inputs, 61,706 parameters:

    conv 6@5x5 -> ReLU -> max-pool 2 -> conv 16@5x5 -> ReLU -> max-pool 2 -> flatten (400)
    -> 120 -> ReLU -> 84 -> ReLU -> num_classes.
    """

    def __init__(self, in_channels=1, num_classes=10, dtype=np.float32, rng=None):
        self.in_channels = in_channels
        kw = {"dtype": dtype, "rng": rng}
        super().__init__(
            conv1=Conv2d(in_channels, 6, 5, **kw), relu1=ReLU(), pool1=MaxPool2d(2),
            conv2=Conv2d(6, 16, 5, **kw), relu2=ReLU(), pool2=MaxPool2d(2),
            flatten=Flatten(),
            fc1=Linear(16 * 5 * 5, 120, **kw), relu3=ReLU(),
            fc2=Linear(120, 84, **kw), relu4=ReLU(),
            fc3=Linear(84, num_classes, **kw))

    def _check(self, x):
        if tuple(x.shape[1:]) != (self.in_channels, 32, 32):
            raise ValueError(f"LeNet5: expects input (N, {self.in_channels}, 32, 32), got shape "
                             f"{tuple(x.shape)} (pad 28x28 images by 2, as LeNet does)")

    def forward(self, x):
        self._check(x)
        return super().forward(x)

    def forward_trace(self, x):
        self._check(x)
        return super().forward_trace(x)
