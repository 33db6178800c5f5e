"""Softmax and LogSoftmax layers (the normalize gate) over one axis."""

from __future__ import annotations

from autograd import Pattern
from autograd import functional as F

from .module import Module


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim`` (default -1: the last axis; torch asks for dim)."""

    pattern = Pattern.NORMALIZE

    def __init__(self, dim=-1):
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, axis=self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """x - log(sum(exp(x))) along ``dim``: the log-probabilities NLLLoss expects."""

    def forward(self, x):
        return F.log_softmax(x, axis=self.dim)
