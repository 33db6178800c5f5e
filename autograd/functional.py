"""Functional primitives with torch semantics: activations, softmax family, losses.

Convolution, pooling and resampling primitives are re-exported here from their own modules.
"""

from __future__ import annotations

import numpy as np

from . import elementwise as ew
from .arguments import as_node
from .conv import conv1d as conv1d
from .conv import conv2d as conv2d
from .conv import conv2d_weight as conv2d_weight
from .conv import conv_transpose1d as conv_transpose1d
from .conv import conv_transpose2d as conv_transpose2d
from .errors import check_axis
from .graph import Op
from .pool import avg_pool2d as avg_pool2d
from .pool import max_pool2d as max_pool2d
from .sampling import downsample2d as downsample2d
from .sampling import upsample2d as upsample2d
from .tensor import Tensor


def relu(x):
    """max(x, 0) elementwise; x: a Tensor, array, list or number -> a Tensor."""
    return ew.RELU(as_node(x))


def sigmoid(x):
    """1 / (1 + exp(-x)) elementwise; x: a Tensor, array, list or number -> a Tensor."""
    return ew.SIGMOID(as_node(x))


def tanh(x):
    """tanh(x) elementwise; x: a Tensor, array, list or number -> a Tensor."""
    return ew.TANH(as_node(x))


def _softmax(x, axis):
    if x.size == 0:             # an empty axis: nothing to normalise (torch returns it empty)
        return np.ones_like(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    if x.size == 0:
        return np.zeros_like(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


SOFTMAX = Op(
    "softmax", "normalize", _softmax,
    backward=(lambda g, out, x, axis: out * (g - (g * out).sum(axis=axis, keepdims=True)),),
    jacobian=("diag(s) - s s^T (applied, never formed)",))

LOG_SOFTMAX = Op(
    "log_softmax", "normalize", _log_softmax,
    backward=(lambda g, out, x, axis: g - ew.EXP(out) * g.sum(axis=axis, keepdims=True),),
    jacobian=("I - 1 softmax(x)^T (applied, never formed)",))


def _axis(x, axis, name):
    x = x if isinstance(x, Tensor) else Tensor(x)
    return x, check_axis(axis, x.ndim, name, x.shape)


def softmax(x, axis=-1):
    """Numerically stable softmax along ``axis``."""
    x, axis = _axis(x, axis, "softmax")
    if x.ndim == 0:             # a 0-d tensor is a one-element axis, like torch
        return SOFTMAX(x.reshape(1), axis=0).reshape(())
    return SOFTMAX(x, axis=axis)


def log_softmax(x, axis=-1):
    """Numerically stable log-softmax along ``axis`` (finite for logits of +-1000)."""
    x, axis = _axis(x, axis, "log_softmax")
    if x.ndim == 0:
        return LOG_SOFTMAX(x.reshape(1), axis=0).reshape(())
    return LOG_SOFTMAX(x, axis=axis)


# ---------------------------------------------------------------- compositions (issue 12)
# losses, normalization, vjp/jvp/hessian, ... : each in its own module, built from the ops above
from .activations import elu as elu  # noqa: E402
from .activations import gelu as gelu  # noqa: E402
from .activations import hardtanh as hardtanh  # noqa: E402
from .activations import leaky_relu as leaky_relu  # noqa: E402
from .activations import silu as silu  # noqa: E402
from .activations import softplus as softplus  # noqa: E402
from .derivatives import hessian as hessian  # noqa: E402
from .derivatives import jvp as jvp  # noqa: E402
from .derivatives import vjp as vjp  # noqa: E402
from .losses import binary_cross_entropy as binary_cross_entropy  # noqa: E402
from .losses import binary_cross_entropy_with_logits as binary_cross_entropy_with_logits  # noqa: E402
from .losses import cross_entropy as cross_entropy  # noqa: E402
from .losses import mse_loss as mse_loss  # noqa: E402
from .losses import nll_loss as nll_loss  # noqa: E402
from .normalization import batch_norm as batch_norm  # noqa: E402
from .normalization import layer_norm as layer_norm  # noqa: E402
from .padding import pad as pad  # noqa: E402
from .resize import adaptive_avg_pool2d as adaptive_avg_pool2d  # noqa: E402
from .resize import interpolate as interpolate  # noqa: E402
from .unpool import max_unpool2d as max_unpool2d  # noqa: E402
