"""Output shapes by the layer formulas, without running anything: ``nn.summary(..., run=False)``.

Each rule reads a layer's hyper-parameters and returns the shape its forward would return,
so a 143-million-parameter network is listed in milliseconds and without memory (build it
inside ``nn.meta()`` to skip the weights too). The tests check every rule against the layer
run on zeros.

A layer with children and its own data flow (a residual add, an Inception concat) says how
shapes move through it in a method ``output_shape(self, shape, visit)``, calling
``visit(child, shape)`` for each child in the order its forward calls them. A Sequential
without that method is a chain of its children.
"""

from __future__ import annotations

from .activation import ELU, GELU, Hardtanh, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .container import Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .invariant import InvariantConv2d
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AvgPool2d, MaxPool2d
from .resampling import AdaptiveAvgPool2d
from .sizes import fit
from .softmax import Softmax


def _expect(layer, shape, ndim, layout, channels=None):
    if len(shape) != ndim or (channels is not None and shape[1] != channels):
        want = layout if channels is None else layout.replace("C", f"C={channels}", 1)
        raise ValueError(f"{type(layer).__name__}: expected input {want}, got shape {tuple(shape)}")


def _slide(n, kernel, stride, padding, dilation, ceil_mode=False):
    """Window positions along one axis: fit's floor, or torch's ceil_mode (a last partial
    window counts when it starts inside the input or its left padding)."""
    size, leftover = fit(n, kernel, stride, padding, dilation)
    if ceil_mode and leftover and size * stride < n + padding:
        size += 1
    return size


def conv2d(layer, shape):
    _expect(layer, shape, 4, "(N, C, H, W)", layer.in_channels)
    n, _, h, w = shape
    if layer.padding == "same":
        return (n, layer.out_channels, h, w)
    pad = (0, 0) if layer.padding == "valid" else layer.padding
    return (n, layer.out_channels, *(_slide(size, *args) for size, *args in
                                     zip((h, w), layer.kernel_size, layer.stride, pad, layer.dilation)))


def conv1d(layer, shape):
    _expect(layer, shape, 3, "(N, C, L)", layer.in_channels)
    n, _, length = shape
    if layer.padding == "same":
        return (n, layer.out_channels, length)
    pad = 0 if layer.padding == "valid" else layer.padding[1]
    return (n, layer.out_channels, _slide(length, layer.kernel_size[1], layer.stride[1], pad,
                                          layer.dilation[1]))


def conv_transpose2d(layer, shape):
    _expect(layer, shape, 4, "(N, C, H, W)", layer.in_channels)
    n, _, h, w = shape
    return (n, layer.out_channels, *((size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size, k, s, p, d, op in
                                     zip((h, w), layer.kernel_size, layer.stride, layer.padding,
                                         layer.dilation, layer.output_padding)))


def invariant_conv2d(layer, shape):
    _expect(layer, shape, 4, "(N, C, H, W)", layer.in_channels)
    n, _, h, w = shape
    sizes = [_slide(size, k, s, p, 1) for size, k, s, p in
             zip((h, w), layer.kernel_size, layer.stride, layer.padding)]
    return (n, layer.out_channels * (1 if layer.keep == "max" else layer.num_transforms), *sizes)


def pool2d(layer, shape):
    _expect(layer, shape, 4, "(N, C, H, W)")
    n, c, h, w = shape
    return (n, c, *(_slide(size, k, s, p, d, layer.ceil_mode) for size, k, s, p, d in
                    zip((h, w), layer.kernel_size, layer.stride, layer.padding, layer.dilation)))


def adaptive_avg_pool2d(layer, shape):
    if len(shape) not in (3, 4):
        raise ValueError(f"AdaptiveAvgPool2d: expected input (N, C, H, W) or (C, H, W), got shape {shape}")
    size = layer.output_size
    sizes = (size, size) if size is None or isinstance(size, int) else tuple(size)
    return (*shape[:-2], *(n if s is None else s for n, s in zip(shape[-2:], sizes)))


def linear(layer, shape):
    if tuple(shape[-1:]) != (layer.in_features,):
        raise ValueError(f"Linear({layer.in_features}, {layer.out_features}): input has shape "
                         f"{tuple(shape)}, its last dimension must be {layer.in_features}")
    return (*shape[:-1], layer.out_features)


def flatten(layer, shape):
    return layer.flattened_shape(shape)


def batch_norm(layer, shape):
    if len(shape) not in layer._ndims or shape[1] != layer.num_features:
        raise ValueError(f"{type(layer).__name__}: expected input {layer._layout} with "
                         f"C={layer.num_features}, got shape {tuple(shape)}")
    return tuple(shape)


def same(layer, shape):
    return tuple(shape)


RULES = {
    Conv2d: conv2d, Conv1d: conv1d, ConvTranspose2d: conv_transpose2d, InvariantConv2d: invariant_conv2d,
    MaxPool2d: pool2d, AvgPool2d: pool2d, AdaptiveAvgPool2d: adaptive_avg_pool2d,
    Linear: linear, Flatten: flatten, BatchNorm1d: batch_norm, BatchNorm2d: batch_norm,
    **dict.fromkeys((ReLU, Tanh, Sigmoid, LeakyReLU, ELU, GELU, SiLU, Softplus, Hardtanh, Softmax, Dropout,
                     LayerNorm), same),
}


def rule_for(layer):
    """The shape rule of a layer without children, or None."""
    return next((RULES[cls] for cls in type(layer).__mro__ if cls in RULES), None)


def output_shape(module, shape, visit):
    """The shape ``module`` returns for an input of ``shape``; children through ``visit``."""
    own = getattr(module, "output_shape", None)
    if own is not None:
        return own(tuple(shape), visit)
    rule = rule_for(module)
    if rule is not None:
        return rule(module, tuple(shape))
    if isinstance(module, Sequential):
        for child in module.children():
            shape = visit(child, shape)
        return tuple(shape)
    raise ValueError(f"summary(run=False): no shape rule for {type(module).__name__}; "
                     "give it an output_shape(shape, visit) method, or use run=True")
