"""Convolution as graph primitives (PyTorch layouts), with backward rules made of convolutions.

    conv2d            y = x * w (correlation)                    swap multiplier
    conv2d_weight     dW = correlation of input and upstream     swap multiplier
    conv_transpose2d  the adjoint of conv2d (input gradient)     swap multiplier

The three close under differentiation, as the lectures derive it:
    conv2d:           dX = conv_transpose2d(dY, W)   (full convolution with the flipped filter)
                      dW = conv2d_weight(X, dY)      (correlation of X with dY)
    conv_transpose2d: dX = conv2d(dY, W),  dW = conv2d_weight(dY, X)
    conv2d_weight:    dX = conv_transpose2d(dY, dW~), d(dY) = conv2d(X, dW~)
A strided conv is a stride-1 conv followed by downsampling, so in a recorded (create_graph)
backward its input gradient is drawn as upsample2d then the stride-1 rule. Bias is an
ordinary broadcast add (a distributor: its gradient is a sum).
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from .arguments import as_node, check_ndim, pair, shape_of
from .graph import SWAP_MULTIPLIER, Node, Op
from .kernels import conv as K
from .padding import conv_padding
from .sampling import UPSAMPLE2D
from .tensor_ops import GETITEM, SCATTER_ADD
from .windows import effective, leftover, out_size

# ---------------------------------------------------------------- backward rules


def _input_grad(g, w, size, kernel, stride, padding, dilation, groups):
    """dX of y = conv2d(x, w): the upstream, zero-inserted by the stride, fully convolved
    with the flipped, channel-transposed filter."""
    out = g.shape[-2:]
    if stride != (1, 1) and isinstance(g, Node):
        # record the lecture's derivation: upsample, then the stride-1 rule
        full = tuple(n + 2 * p - k + 1 for n, p, k in zip(size, padding, effective(kernel, dilation)))
        g = UPSAMPLE2D(g, factor=stride, size=full)
        out, stride = full, (1, 1)
    extra = leftover(size, out, kernel, stride, padding, dilation)
    return CONV_TRANSPOSE2D(g, w, stride=stride, padding=padding, output_padding=extra,
                            groups=groups, dilation=dilation)


def _conv_grad_x(g, out, x, w, stride, padding, dilation, groups, saved=None):
    return _input_grad(g, w, x.shape[-2:], w.shape[-2:], stride, padding, dilation, groups)


def _conv_grad_w(g, out, x, w, stride, padding, dilation, groups, saved=None):
    # a plain backward reuses the forward's columns or padded copy of x (saved); a recorded
    # one draws the primitive with its hyper-parameters only
    reuse = {} if saved is None or isinstance(g, Node) else saved
    return CONV2D_WEIGHT(x, g, kernel_size=w.shape[-2:], stride=stride, padding=padding,
                         dilation=dilation, groups=groups, **reuse)


def _weight_grad_x(gw, out, x, g, kernel_size, stride, padding, dilation, groups):
    return _input_grad(g, gw, x.shape[-2:], kernel_size, stride, padding, dilation, groups)


def _weight_grad_g(gw, out, x, g, kernel_size, stride, padding, dilation, groups):
    return CONV2D(x, gw, stride=stride, padding=padding, dilation=dilation, groups=groups)


def _transpose_grad_x(g, out, x, w, stride, padding, output_padding, groups, dilation):
    dx = CONV2D(g, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    h, wd = x.shape[-2:]
    if dx.shape[-2:] != (h, wd):
        dx = GETITEM(dx, index=(slice(None), slice(None), slice(0, h), slice(0, wd)))
    return dx


def _transpose_grad_w(g, out, x, w, stride, padding, output_padding, groups, dilation):
    kernel = w.shape[-2:]
    # conv2d of the output reaches past the input only when output_padding >= stride
    # (allowed while < dilation): those extra rows saw zeros
    reach = out_size("conv_transpose2d", g.shape[-2:], kernel, stride, padding, dilation)
    if reach != x.shape[-2:]:
        x = SCATTER_ADD(x, index=(slice(None), slice(None), *(slice(0, n) for n in x.shape[-2:])),
                        shape=(*x.shape[:2], *reach))
    return CONV2D_WEIGHT(g, x, kernel_size=kernel, stride=stride, padding=padding,
                         dilation=dilation, groups=groups)


# ---------------------------------------------------------------- the primitives

def _conv_forward(x, w, stride, padding, dilation, groups, record):
    """(y, what the weight gradient can reuse) when the node is recorded: x's columns up to
    K.KEEP_LIMIT (building them again costs as much as the GEMM), else x's padded
    batch-last copy (fresh pages for larger columns would cost more than rebuilding them);
    (y, None) otherwise."""
    out = out_size("conv2d", x.shape[-2:], w.shape[-2:], stride, padding, dilation)
    if not record:
        return K.conv2d(x, w, stride, padding, dilation, groups, out), None
    return K.conv2d(x, w, stride, padding, dilation, groups, out, keep=True)


def _conv_grads(needs, g, out, x, w, saved=None, **geometry):
    """Both rules at once, for a plain backward: the upstream is laid out batch-last once,
    and both kernels read it without a copy."""
    g = K.laid_batch_last(g)
    return (_conv_grad_x(g, out, x, w, **geometry) if needs[0] else None,
            _conv_grad_w(g, out, x, w, saved=saved, **geometry) if needs[1] else None)


CONV2D = Op(
    "conv2d", SWAP_MULTIPLIER, _conv_forward,
    backward=(_conv_grad_x, _conv_grad_w), joint=_conv_grads,
    jacobian=("conv_transpose2d(upstream, W): full conv with the flipped filter",
              "conv2d_weight(X, upstream): correlation of X with the upstream"))

CONV2D_WEIGHT = Op(
    "conv2d_weight", SWAP_MULTIPLIER, K.conv2d_weight,
    backward=(_weight_grad_x, _weight_grad_g),
    jacobian=("conv_transpose2d(g, upstream)", "conv2d(X, upstream)"))

CONV_TRANSPOSE2D = Op(
    "conv_transpose2d", SWAP_MULTIPLIER, K.conv_transpose2d,
    backward=(_transpose_grad_x, _transpose_grad_w),
    jacobian=("conv2d(upstream, W)", "conv2d_weight(upstream, X)"))


# ---------------------------------------------------------------- public functions

def _check_groups(op, groups, c_in, c_out, what_out="output channels"):
    if not isinstance(groups, (int, np.integer)) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if c_in % groups:
        raise ValueError(f"{op}: input has {c_in} channels, not divisible by groups={groups}")
    if c_out is not None and c_out % groups:
        raise ValueError(f"{op}: {c_out} {what_out} are not divisible by groups={groups}")
    return int(groups)


def _raw_or_node(a):
    return a if isinstance(a, Node) else np.asarray(a)


def _add_bias(op, y, b, channels):
    if b is None:
        return y
    if shape_of(b) != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {shape_of(b)}")
    return y + _raw_or_node(b).reshape(1, channels, 1, 1)


MAX_PADDED = 2**30   # elements of conv2d's zero-padded input (8 GiB as float64)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, like torch.nn.functional.conv2d.

    x: (N, C, H, W), w: (O, C/groups, kH, kW), b: (O,) -> (N, O, Ho, Wo) with
    Ho = (H + 2*padding - dilation*(kH-1) - 1) // stride + 1. groups=C is depthwise.
    padding may be 'valid' (0) or 'same' (stride 1; Ho = H); an unbatched x (C, H, W)
    gives (O, Ho, Wo).
    """
    op = "conv2d"
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        return _unbatched(conv2d, x, w, b, stride, padding, dilation, groups)
    x, padding = conv_padding(op, x, padding, shape_of(w)[2:], stride, dilation)
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    xs, ws = shape_of(x), shape_of(w)
    check_ndim(op, "input", xs, 4, "(N, C, H, W)")
    check_ndim(op, "weight", ws, 4, "(O, C/groups, kH, kW)")
    groups = _check_groups(op, groups, xs[1], ws[0])
    if xs[1] == 0 or ws[0] == 0:
        raise ValueError(f"{op}: input {xs} and weight {ws} need at least one input and one "
                         "output channel")
    padded = xs[0] * xs[1] * (xs[2] + 2 * padding[0]) * (xs[3] + 2 * padding[1])
    if padded > MAX_PADDED:
        raise ValueError(f"{op}: padding {padding} makes a padded input of {padded:,} elements "
                         f"(limit {MAX_PADDED:,}); refused before allocating")
    if ws[1] * groups != xs[1]:
        raise ValueError(f"{op}: weight {ws} expects {ws[1]} x groups={groups} = "
                         f"{ws[1] * groups} input channels, but the input has {xs[1]}")
    out_size(op, xs[2:], ws[2:], stride, padding, dilation)
    y = CONV2D(as_node(x), w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return _add_bias(op, y, b, ws[0])


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (the adjoint of conv2d), like torch's conv_transpose2d.

    x: (N, C_in, H, W), w: (C_in, C_out/groups, kH, kW), b: (C_out,) -> (N, C_out, Ho, Wo),
    Ho = (H-1)*stride - 2*padding + dilation*(kH-1) + output_padding + 1.
    """
    op = "conv_transpose2d"
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        return _unbatched(conv_transpose2d, x, w, b, stride, padding, output_padding, groups, dilation)
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    output_padding = pair(output_padding, "output_padding", op, 0)
    xs, ws = shape_of(x), shape_of(w)
    check_ndim(op, "input", xs, 4, "(N, C_in, H, W)")
    check_ndim(op, "weight", ws, 4, "(C_in, C_out/groups, kH, kW)")
    groups = _check_groups(op, groups, xs[1], None)
    if ws[0] != xs[1]:
        raise ValueError(f"{op}: weight {ws} expects {ws[0]} input channels, but the input has {xs[1]}")
    if xs[1] == 0 or ws[1] == 0:
        raise ValueError(f"{op}: input {xs} and weight {ws} need at least one input and one "
                         "output channel")
    for axis, extra, s, d in zip("HW", output_padding, stride, dilation):
        if extra >= s and extra >= d:
            raise ValueError(f"{op}: output_padding {extra} along {axis} must be smaller than "
                             f"stride {s} or dilation {d}")
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + q + 1 for n, s, p, d, k, q in
                 zip(xs[2:], stride, padding, dilation, ws[2:], output_padding))
    if min(size) < 1:
        raise ValueError(f"{op}: output size {size} is not positive (input {xs[2:]}, kernel "
                         f"{ws[2:]}, stride {stride}, padding {padding}, dilation {dilation})")
    y = CONV_TRANSPOSE2D(as_node(x), w, stride=stride, padding=padding,
                         output_padding=output_padding, groups=groups, dilation=dilation)
    return _add_bias(op, y, b, ws[1] * groups)


def _unbatched(fn, x, *args):
    """fn on a batch of one: x (C, H, W) -> (1, C, H, W), and the result back to 3-d."""
    y = fn(as_node(x).reshape(1, *shape_of(x)), *args)
    return y.reshape(y.shape[1:])


def conv2d_weight(x, g, kernel_size, stride=1, padding=0, dilation=1, groups=1):
    """The weight gradient of conv2d as a primitive: correlation of x with the upstream g.

    x: (N, C, H, W), g: (N, O, Ho, Wo) -> (O, C/groups, kH, kW).
    """
    op = "conv2d_weight"
    kernel = pair(kernel_size, "kernel_size", op)
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    xs, gs = shape_of(x), shape_of(g)
    check_ndim(op, "input", xs, 4, "(N, C, H, W)")
    check_ndim(op, "upstream", gs, 4, "(N, O, Ho, Wo)")
    groups = _check_groups(op, groups, xs[1], gs[1], "upstream channels")
    out = out_size(op, xs[2:], kernel, stride, padding, dilation)
    if gs[0] != xs[0] or gs[2:] != out:
        raise ValueError(f"{op}: upstream {gs} does not match input {xs}: expected "
                         f"({xs[0]}, {gs[1]}, {out[0]}, {out[1]})")
    return CONV2D_WEIGHT(as_node(x), g, kernel_size=kernel, stride=stride, padding=padding,
                         dilation=dilation, groups=groups)


def _one_d(op, x, w, lengths):
    xs, ws = shape_of(x), shape_of(w)
    check_ndim(op, "input", xs, 3, "(N, C, L)")
    check_ndim(op, "weight", ws, 3, lengths)
    return as_node(x).reshape(xs[0], xs[1], 1, xs[2]), _raw_or_node(w).reshape(ws[0], ws[1], 1, ws[2])


def _squeeze(y):
    return y.reshape(y.shape[0], y.shape[1], y.shape[3])


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (time-delay networks): conv2d on (N, C, 1, L).

    x: (N, C, L), w: (O, C/groups, k), b: (O,) -> (N, O, Lo).
    """
    if len(shape_of(x)) == 2:                               # unbatched (C, L)
        return _unbatched(conv1d, x, w, b, stride, padding, dilation, groups)
    op = "conv1d"
    x4, w4 = _one_d(op, x, w, "(O, C/groups, k)")
    pad = padding if isinstance(padding, str) else (0, _int(padding, "padding", op, 0))
    with _named(op, x4, x, w4, w):
        y = conv2d(x4, w4, None, (1, _int(stride, "stride", op)), pad,
                   (1, _int(dilation, "dilation", op)), groups)
    return _with_bias_1d(op, _squeeze(y), b)


def conv_transpose1d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution. x: (N, C_in, L), w: (C_in, C_out/groups, k) -> (N, C_out, Lo)."""
    if len(shape_of(x)) == 2:                               # unbatched (C_in, L)
        return _unbatched(conv_transpose1d, x, w, b, stride, padding, output_padding, groups, dilation)
    op = "conv_transpose1d"
    x4, w4 = _one_d(op, x, w, "(C_in, C_out/groups, k)")
    with _named(op, x4, x, w4, w):
        y = conv_transpose2d(x4, w4, None, (1, _int(stride, "stride", op)),
                             (0, _int(padding, "padding", op, 0)),
                             (0, _int(output_padding, "output_padding", op, 0)), groups,
                             (1, _int(dilation, "dilation", op)))
    return _with_bias_1d(op, _squeeze(y), b)


@contextmanager
def _named(op, x4, x, w4, w):
    """A 1-d conv runs as a 2-d one: its errors name the 1-d op and the user's 3-d shapes."""
    try:
        yield
    except ValueError as e:
        why = str(e).split(":", 1)[-1]
        for four, three in ((shape_of(w4), shape_of(w)), (shape_of(x4), shape_of(x))):
            why = why.replace(str(four), str(three))
        raise ValueError(f"{op}:{why}") from None


def _with_bias_1d(op, y, b):
    """y: (N, C, L) plus a per-channel bias b: (C,) (a broadcast add: distributor)."""
    if b is None:
        return y
    if shape_of(b) != (y.shape[1],):
        raise ValueError(f"{op}: bias must have shape ({y.shape[1]},), got {shape_of(b)}")
    return y + _raw_or_node(b).reshape(1, -1, 1)


def _int(v, name, op, minimum=1):
    """A 1-d hyper-parameter given as an int or a 1-tuple (like torch), at least ``minimum``."""
    if isinstance(v, (tuple, list)) and len(v) == 1:
        v = v[0]
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool):
        raise ValueError(f"{op}: {name} must be an int, got {v!r}")
    if v < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {v!r}")
    return int(v)
