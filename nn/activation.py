"""Activation layers: ReLU (a router), Tanh and Sigmoid (elementwise)."""

from __future__ import annotations

from autograd import functional as F

from .module import Module


class ReLU(Module):
    """max(x, 0): routes the upstream to positive inputs."""

    pattern = "router"

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    pattern = "elementwise"

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    pattern = "elementwise"

    def forward(self, x):
        return F.sigmoid(x)


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def activation(kind):
    """A fresh activation module from a name ("relu", "tanh", "sigmoid") or a Module class."""
    if isinstance(kind, type) and issubclass(kind, Module):
        return kind()
    try:
        return ACTIVATIONS[kind]()
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or a Module class, "
                         f"got {kind!r}") from None
