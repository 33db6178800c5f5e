"""Loss modules: CrossEntropyLoss (int targets) and MSELoss, mean over the batch."""

from __future__ import annotations

from autograd import functional as F

from .module import Module


class CrossEntropyLoss(Module):
    """logits: (N, C), targets: (N,) class indices -> mean of -log softmax(logits)[target]."""

    def forward(self, logits, targets):
        return F.cross_entropy(logits, targets)


class MSELoss(Module):
    """mean((pred - target)^2); pred and target have the same shape."""

    def forward(self, pred, target):
        return F.mse_loss(pred, target)
