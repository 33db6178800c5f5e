"""Dropout: in training, zero each element with probability p and scale the rest by 1/(1-p)."""

from __future__ import annotations

import numpy as np

from autograd import Pattern

from . import init
from .module import Module


class Dropout(Module):
    """Identity in eval mode. The mask is a constant of the graph (a scaled router)."""

    pattern = Pattern.ROUTER

    def __init__(self, p=0.5, rng=None):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1], got {p}")
        self.p = float(p)
        self.rng = rng

    def forward(self, x):
        if not self.training or self.p == 0.0:
            return x
        if self.p == 1.0:                   # everything dropped: zeros (and zero gradients), as torch
            return x * np.zeros(x.shape, x.dtype)
        keep = init.generator(self.rng).random(x.shape) >= self.p
        return x * (keep / (1.0 - self.p)).astype(x.dtype)

    def extra_repr(self):
        return f"p={self.p}"
