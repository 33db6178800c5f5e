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
backward its input gradient is drawn as upsample2d then the stride-1 rule.

Shapes: x (N, C, H, W); w (O, C/groups, kh, kw) for conv2d, (C_in, C_out/groups, kh, kw)
for conv_transpose2d; groups split the channels into independent convolutions.
"""

from __future__ import annotations

import numpy as np

from ..core import Node, Op, Pattern
from .arguments import check_ndim, check_size, is_int, pair, shape_of
from .indexing import GETITEM, SCATTER_ADD
from .sampling import UPSAMPLE2D
from .windows import effective, leftover, offsets, out_size, sliding_windows, strided

# ---------------------------------------------------------------- the forwards


def _grouped_windows(x, kernel, stride, padding, dilation, groups):
    """x's windows as (N, G, C/G, Ho, Wo, kh, kw)."""
    windows = sliding_windows(x, kernel, stride, padding, dilation)
    n, c = x.shape[:2]
    return windows.reshape(n, groups, c // groups, *windows.shape[2:])


def conv2d_forward(x, w, stride, padding, dilation, groups):
    """y[n, o, a, b] = sum over c, i, j of w[o, c, i, j] x_pad[n, c, a*s + i*d, b*s + j*d]
    (c running over o's group of input channels); y: (N, O, Ho, Wo)."""
    o, cg, kh, kw = w.shape
    windows = _grouped_windows(x, (kh, kw), stride, padding, dilation, groups)
    filters = w.reshape(groups, o // groups, cg, kh, kw)
    y = np.einsum("ngchwij,gocij->ngohw", windows, filters, optimize=True)
    return y.reshape(x.shape[0], o, *y.shape[-2:])


def conv2d_weight_forward(x, g, kernel_size, stride, padding, dilation, groups):
    """dW[o, c, i, j] = sum over n, a, b of g[n, o, a, b] x_pad[n, c, a*s + i*d, b*s + j*d]:
    the correlation of the input maps with the upstream maps; (O, C/groups, kh, kw)."""
    n, o = g.shape[:2]
    windows = _grouped_windows(x, kernel_size, stride, padding, dilation, groups)
    upstream = g.reshape(n, groups, o // groups, *g.shape[2:])
    dw = np.einsum("ngchwij,ngohw->gocij", windows, upstream, optimize=True)
    return dw.reshape(o, *dw.shape[2:])


def conv_transpose2d_forward(x, w, stride, padding, output_padding, groups, dilation):
    """Each input pixel stamps the filter, scaled by its value, into the output:
    out[n, o, a*s + i*d - p, b*s + j*d - p] += x[n, c, a, b] w[c, o, i, j].
    One pass per kernel offset (i, j); w: (C_in, C_out/groups, kh, kw)."""
    n, c_in, h, wd = x.shape
    _, cog, kh, kw = w.shape
    full = tuple((m - 1) * s + d * (k - 1) + 1 + q for m, s, d, k, q in
                 zip((h, wd), stride, dilation, (kh, kw), output_padding))
    out = np.zeros((n, groups * cog, *full), np.result_type(x, w))
    xg = x.reshape(n, groups, c_in // groups, h, wd)
    wg = w.reshape(groups, c_in // groups, cog, kh, kw)
    for i, j in offsets((kh, kw)):
        stamp = np.einsum("ngchw,gco->ngohw", xg, wg[..., i, j]).reshape(n, groups * cog, h, wd)
        out[:, :, strided(i * dilation[0], h, stride[0]), strided(j * dilation[1], wd, stride[1])] += stamp
    (ph, pw) = padding
    return out[:, :, ph:full[0] - ph, pw:full[1] - pw]


# ---------------------------------------------------------------- backward rules


def _input_grad(g, w, size, kernel, stride, padding, dilation, groups):
    """dX of y = conv2d(x, w): the upstream, zero-inserted by the stride, fully convolved
    with the flipped, channel-transposed filter (conv_transpose2d does all of that)."""
    out = g.shape[-2:]
    if stride != (1, 1) and isinstance(g, Node):
        # record the lecture's derivation: upsample, then the stride-1 rule
        full = tuple(n + 2 * p - k + 1 for n, p, k in zip(size, padding, effective(kernel, dilation)))
        g = UPSAMPLE2D(g, factor=stride, size=full)
        out, stride = full, (1, 1)
    extra = leftover(size, out, kernel, stride, padding, dilation)
    return CONV_TRANSPOSE2D(g, w, stride=stride, padding=padding, output_padding=extra,
                            groups=groups, dilation=dilation)


def _conv_grad_x(g, out, x, w, stride, padding, dilation, groups):
    return _input_grad(g, w, x.shape[-2:], w.shape[-2:], stride, padding, dilation, groups)


def _conv_grad_w(g, out, x, w, stride, padding, dilation, groups):
    return CONV2D_WEIGHT(x, g, kernel_size=w.shape[-2:], stride=stride, padding=padding,
                         dilation=dilation, groups=groups)


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


# ---------------------------------------------------------------- argument checks

def check_groups(op, groups, c_in, c_out, what_out="output channels"):
    if not is_int(groups) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    if c_in % groups:
        raise ValueError(f"{op}: input has {c_in} channels, not divisible by groups={groups}")
    if c_out is not None and c_out % groups:
        raise ValueError(f"{op}: {c_out} {what_out} are not divisible by groups={groups}")
    return int(groups)


def _conv2d_args(x, w, stride=1, padding=0, dilation=1, groups=1):
    op = "conv2d"
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    xs, ws = shape_of(x), shape_of(w)
    check_ndim(op, "input", xs, 4, "(N, C, H, W)")
    check_ndim(op, "weight", ws, 4, "(O, C/groups, kH, kW)")
    groups = check_groups(op, groups, xs[1], ws[0])
    if xs[1] == 0 or ws[0] == 0:
        raise ValueError(f"{op}: input {xs} and weight {ws} need at least one input and one "
                         "output channel")
    check_size(op, (*xs[:2], xs[2] + 2 * padding[0], xs[3] + 2 * padding[1]), "padded input")
    if ws[1] * groups != xs[1]:
        raise ValueError(f"{op}: weight {ws} expects {ws[1]} x groups={groups} = "
                         f"{ws[1] * groups} input channels, but the input has {xs[1]}")
    check_size(op, (xs[0], ws[0], *out_size(op, xs[2:], ws[2:], stride, padding, dilation)))
    return (x, w), {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


def _conv_transpose2d_args(x, w, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    op = "conv_transpose2d"
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    output_padding = pair(output_padding, "output_padding", op, 0)
    xs, ws = shape_of(x), shape_of(w)
    check_ndim(op, "input", xs, 4, "(N, C_in, H, W)")
    check_ndim(op, "weight", ws, 4, "(C_in, C_out/groups, kH, kW)")
    groups = check_groups(op, groups, xs[1], None)
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
    # the forward stamps into the output before the padding is cut off
    check_size(op, (xs[0], ws[1] * groups, *(n + 2 * p for n, p in zip(size, padding))))
    return (x, w), {"stride": stride, "padding": padding, "output_padding": output_padding,
                    "groups": groups, "dilation": dilation}


def _conv2d_weight_args(x, g, kernel_size, stride=1, padding=0, dilation=1, groups=1):
    op = "conv2d_weight"
    kernel = pair(kernel_size, "kernel_size", op)
    stride, padding = pair(stride, "stride", op), pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    xs, gs = shape_of(x), shape_of(g)
    check_ndim(op, "input", xs, 4, "(N, C, H, W)")
    check_ndim(op, "upstream", gs, 4, "(N, O, Ho, Wo)")
    groups = check_groups(op, groups, xs[1], gs[1], "upstream channels")
    check_size(op, (*xs[:2], xs[2] + 2 * padding[0], xs[3] + 2 * padding[1]), "padded input")
    out = out_size(op, xs[2:], kernel, stride, padding, dilation)
    if gs[0] != xs[0] or gs[2:] != out:
        raise ValueError(f"{op}: upstream {gs} does not match input {xs}: expected "
                         f"({xs[0]}, {gs[1]}, {out[0]}, {out[1]})")
    return (x, g), {"kernel_size": kernel, "stride": stride, "padding": padding,
                    "dilation": dilation, "groups": groups}


# ---------------------------------------------------------------- the primitives

CONV2D = Op(
    "conv2d", Pattern.SWAP_MULTIPLIER, conv2d_forward,
    backward=(_conv_grad_x, _conv_grad_w), parse=_conv2d_args,
    jacobian=("conv_transpose2d(upstream, W): full conv with the flipped filter",
              "conv2d_weight(X, upstream): correlation of X with the upstream"))

CONV2D_WEIGHT = Op(
    "conv2d_weight", Pattern.SWAP_MULTIPLIER, conv2d_weight_forward,
    backward=(_weight_grad_x, _weight_grad_g), parse=_conv2d_weight_args, function="conv2d_weight",
    jacobian=("conv_transpose2d(g, upstream)", "conv2d(X, upstream)"))

CONV_TRANSPOSE2D = Op(
    "conv_transpose2d", Pattern.SWAP_MULTIPLIER, conv_transpose2d_forward,
    backward=(_transpose_grad_x, _transpose_grad_w), parse=_conv_transpose2d_args,
    jacobian=("conv2d(upstream, W)", "conv2d_weight(upstream, X)"))
