"""BatchNorm1d/2d and LayerNorm: F.batch_norm / F.layer_norm plus learnable gamma, beta and
(for batch norm) running statistics kept as buffers (saved in state_dict, not learned)."""

from __future__ import annotations

import numbers

import numpy as np

from autograd import Pattern
from autograd import functional as F

from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    pattern = Pattern.NORMALIZE
    _buffers = ("running_mean", "running_var", "num_batches_tracked")
    _ndims: tuple = ()
    _layout = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 dtype=np.float32):
        name = type(self).__name__
        if not isinstance(num_features, numbers.Integral) or num_features < 1:
            raise ValueError(f"{name}: num_features must be a positive int, got {num_features!r}")
        if momentum is not None and not 0.0 <= momentum <= 1.0:
            raise ValueError(f"{name}: momentum must be in [0, 1] or None, got {momentum!r}")
        self.num_features, self.eps, self.momentum = int(num_features), float(eps), momentum
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.weight = Parameter(np.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(np.zeros(num_features, dtype)) if affine else None
        if track_running_stats:
            self.running_mean = np.zeros(num_features, dtype)
            self.running_var = np.ones(num_features, dtype)
            self.num_batches_tracked = np.zeros((), np.int64)
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        shape = tuple(x.shape)
        if len(shape) not in self._ndims or shape[1] != self.num_features:
            raise ValueError(f"{type(self).__name__}: expected input {self._layout} with "
                             f"C={self.num_features}, got shape {shape}")
        use_batch = self.training or self.running_mean is None
        momentum = self.momentum
        if self.training and self.running_mean is not None:
            self.num_batches_tracked += 1
            if momentum is None:            # a cumulative average, like torch
                momentum = 1.0 / float(self.num_batches_tracked)
        track = self.training and self.running_mean is not None
        return F.batch_norm(x, self.running_mean if (track or not use_batch) else None,
                            self.running_var if (track or not use_batch) else None,
                            self.weight, self.bias, training=use_batch, momentum=momentum, eps=self.eps)

    def _check_state(self, name, array):
        """A running variance below zero (or a negative batch count) is refused: eval mode
        would take its square root."""
        if name in ("running_var", "num_batches_tracked") and np.any(array < 0):
            return f"holds {array[array < 0].flat[0]}, but a {name.replace('_', ' ')} is never negative"
        return None

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """x: (N, C) or (N, C, L), normalized per channel over the batch (and length)."""

    _ndims = (2, 3)
    _layout = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """x: (N, C, H, W), normalized per channel over batch, height and width."""

    _ndims = (4,)
    _layout = "(N, C, H, W)"


class LayerNorm(Module):
    """x: (..., *normalized_shape), normalized over the last axes of each sample."""

    pattern = Pattern.NORMALIZE

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, dtype=np.float32):
        shape = ((normalized_shape,) if isinstance(normalized_shape, numbers.Integral)
                 else tuple(normalized_shape))
        if not shape or not all(isinstance(d, numbers.Integral) and d >= 1 for d in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be positive ints, got {normalized_shape!r}")
        self.normalized_shape, self.eps = tuple(int(d) for d in shape), float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        self.weight = Parameter(np.ones(shape, dtype)) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape, dtype)) if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
