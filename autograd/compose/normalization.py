"""Batch and layer normalization as compositions of primitives (torch's semantics).

The forward is the lecture's computational graph of batch norm, gate by gate:

    mu   = mean(x)                 distributor
    xc   = x - mu                  signed distributor (x fans out: an adder in backward)
    var  = mean(xc ** 2)           power, distributor
    std  = (var + eps) ** 0.5      add, power (sqrt)
    xhat = xc / std                quotient
    y    = xhat * gamma + beta     swap multiplier, distributor

so backward (and a drawn create_graph backward) is that graph's chain rule, not a fused
formula. The statistics are over every axis but the channel axis 1 (batch norm) or over the
last axes (layer norm).
"""

from __future__ import annotations

import numpy as np

from ..nodes import Tensor
from ..ops.arguments import finite_number, is_int


def _tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _normalize(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over ``axes`` (biased variance); also returns the mean and
    variance nodes, for running statistics."""
    mu = x.mean(axis=axes, keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(axis=axes, keepdims=True)
    std = (var + eps) ** 0.5
    return xc / std, mu, var


def _channel_shape(x):
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(y, weight, bias, shape):
    if weight is not None:
        y = y * _reshaped(weight, shape)
    if bias is not None:
        y = y + _reshaped(bias, shape)
    return y


def _reshaped(p, shape):
    return p.reshape(shape) if isinstance(p, Tensor) else np.reshape(np.asarray(p), shape)


def _check_vector(op, name, v, channels):
    if v is not None and tuple(np.shape(v.data if isinstance(v, Tensor) else v)) != (channels,):
        shape = tuple(np.shape(v.data if isinstance(v, Tensor) else v))
        raise ValueError(f"{op}: {name} must have shape ({channels},), got {shape}")


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization, like torch.nn.functional.batch_norm.

    x: (N, C), (N, C, L) or (N, C, H, W); statistics per channel over every other axis.
    training (or no running statistics): normalize with the batch's mean and biased variance
    and, when given, update running_mean / running_var (ndarrays, in place) with
    momentum: r = (1 - momentum) r + momentum * batch (the variance unbiased, as torch).
    Otherwise normalize with the running statistics (constants of the graph). An empty
    batch gives an empty output and leaves the running statistics as they are (torch).
    """
    op = "batch_norm"
    x = _tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{op}: input must be (N, C, ...), got shape {x.shape}")
    c = x.shape[1]
    for name, v in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        _check_vector(op, name, v, c)
    eps = finite_number(eps, "eps", op, minimum=0.0)
    shape = _channel_shape(x)
    axes = (0, *range(2, x.ndim))
    if training or running_mean is None or running_var is None:
        n = x.size // c if c else 0
        if training and n == 1:
            raise ValueError(f"{op}: training needs more than one value per channel, got input {x.shape}")
        if n == 0:              # an empty batch: no statistics to take or to track (torch)
            return _affine(x, weight, bias, shape)
        y, mu, var = _normalize(x, axes, eps)
        if training and running_mean is not None and running_var is not None:
            _update(running_mean, mu.data.reshape(c), momentum)
            _update(running_var, var.data.reshape(c) * (n / max(n - 1, 1)), momentum)
    else:
        mean = np.asarray(running_mean, dtype=x.dtype).reshape(shape)
        std = np.sqrt(np.asarray(running_var, dtype=x.dtype).reshape(shape) + eps)
        y = (x - mean) / std
    return _affine(y, weight, bias, shape)


def _update(running, batch, momentum):
    running *= 1.0 - momentum
    running += momentum * batch


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization over the last len(normalized_shape) axes, like torch's layer_norm.

    x: (..., *normalized_shape); weight and bias: normalized_shape.
    """
    op = "layer_norm"
    x = _tensor(x)
    norm = (normalized_shape,) if is_int(normalized_shape) else tuple(normalized_shape)
    k = len(norm)
    if k == 0 or x.shape[x.ndim - k:] != norm or x.ndim < k:
        raise ValueError(f"{op}: input {x.shape} must end with normalized_shape {norm}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(np.shape(v.data if isinstance(v, Tensor) else v)) != norm:
            raise ValueError(f"{op}: {name} must have shape {norm}, "
                             f"got {tuple(np.shape(v.data if isinstance(v, Tensor) else v))}")
    y, _, _ = _normalize(x, tuple(range(x.ndim - k, x.ndim)), eps)
    return _affine(y, weight, bias, norm)
