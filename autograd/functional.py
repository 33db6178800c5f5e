"""autograd.functional (``F``): the engine's functions with torch's names, argument orders,
semantics and layouts. Each takes Tensors, arrays, lists or numbers and returns a Tensor.

Functions that are one op -- relu, sigmoid, tanh, leaky_relu, elu, gelu, silu, softplus,
hardtanh, conv2d_weight, upsample2d, downsample2d -- come from that op's declaration
(``function=``); the rest are compositions (autograd/compose).
"""

from __future__ import annotations

import sys

from .compose.convolution import conv1d, conv2d, conv_transpose1d, conv_transpose2d
from .compose.derivatives import hessian, jvp, vjp
from .compose.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    mse_loss,
    nll_loss,
)
from .compose.normalization import batch_norm, layer_norm
from .compose.padding import pad
from .compose.pooling import avg_pool2d, max_pool2d, max_unpool2d
from .compose.resize import adaptive_avg_pool2d, interpolate
from .compose.tensors import as_node, log_softmax, softmax
from .core import registry


def _function(op, name, parse):
    """F.<name>: the op on its first argument made a Tensor (raw data becomes a constant)."""
    def function(x, *args, **kwargs):
        return op.call(as_node(x), *args, parse=parse, **kwargs)
    function.__doc__ = f"{op.name} ({op.pattern}): torch's F.{name}."
    return function


registry.carry(sys.modules[__name__], _function, kind="function")

__all__ = ["adaptive_avg_pool2d", "avg_pool2d", "batch_norm", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "conv1d", "conv2d", "conv_transpose1d",
           "conv_transpose2d", "cross_entropy", "hessian", "interpolate", "jvp", "layer_norm",
           "log_softmax", "max_pool2d", "max_unpool2d", "mse_loss", "nll_loss", "pad", "softmax",
           "vjp", *registry.FUNCTIONS]
