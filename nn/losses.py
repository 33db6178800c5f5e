"""Loss modules with torch's options; each calls the functional loss of the same name."""

from __future__ import annotations

from autograd import functional as F

from .module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """logits: (N, C[, d...]), targets: class indices (N[, d...]) or probabilities of the
    logits' shape -> cross entropy (see F.cross_entropy for weight, ignore_index, smoothing)."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        super().__init__(reduction)
        self.weight, self.ignore_index, self.label_smoothing = weight, ignore_index, label_smoothing

    def forward(self, logits, targets):
        return F.cross_entropy(logits, targets, weight=self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """log-probabilities (N, C[, d...]), class indices (N[, d...]) -> -logp[target], reduced."""

    def __init__(self, weight=None, ignore_index=-100, reduction="mean"):
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, logp, targets):
        return F.nll_loss(logp, targets, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class BCELoss(_Loss):
    """probabilities p and targets t of one shape -> -(t log p + (1 - t) log(1 - p))."""

    def __init__(self, weight=None, reduction="mean"):
        super().__init__(reduction)
        self.weight = weight

    def forward(self, probs, target):
        return F.binary_cross_entropy(probs, target, weight=self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """logits x and targets t of one shape -> BCE(sigmoid(x), t), computed stably."""

    def __init__(self, weight=None, reduction="mean", pos_weight=None):
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, logits, target):
        return F.binary_cross_entropy_with_logits(logits, target, weight=self.weight,
                                                  reduction=self.reduction, pos_weight=self.pos_weight)


class MSELoss(_Loss):
    """(pred - target)^2, reduced; pred and target have the same shape."""

    def forward(self, pred, target):
        return F.mse_loss(pred, target, reduction=self.reduction)
