"""Convolution the way torch calls it: bias, unbatched inputs, padding="same", 1-D.

The primitives (conv2d, conv_transpose2d and their backward rules) are declared in
autograd/ops/conv.py; this adds what is a composition around them:

    bias        a broadcast add (a distributor: its gradient is a sum over N, H, W)
    unbatched   (C, H, W) runs as a batch of one
    'same'      an odd total padding is added on the bottom/right by F.pad first
    1-D         conv1d on (N, C, L) is conv2d on (N, C, 1, L)
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..core import Node
from ..ops.arguments import check_ndim, is_int, shape_of
from ..ops.conv import CONV2D, CONV_TRANSPOSE2D
from .padding import conv_padding
from .tensors import as_node


def _raw_or_node(a):
    return a if isinstance(a, Node) else np.asarray(a)


def add_bias(op, y, b, channels):
    """y (N, O, Ho, Wo) plus a per-channel bias b (O,)."""
    if b is None:
        return y
    if shape_of(b) != (channels,):
        raise ValueError(f"{op}: bias must have shape ({channels},), got {shape_of(b)}")
    return y + _raw_or_node(b).reshape(1, channels, 1, 1)


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation, like torch.nn.functional.conv2d.

    x: (N, C, H, W), w: (O, C/groups, kH, kW), b: (O,) -> (N, O, Ho, Wo) with
    Ho = (H + 2*padding - dilation*(kH-1) - 1) // stride + 1. groups=C is depthwise.
    padding may be 'valid' (0) or 'same' (stride 1; Ho = H); an unbatched x (C, H, W)
    gives (O, Ho, Wo).
    """
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        return _unbatched(conv2d, x, w, b, stride, padding, dilation, groups)
    x, padding = conv_padding("conv2d", x, padding, shape_of(w)[2:], stride, dilation)
    y = CONV2D.call(as_node(x), w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    return add_bias("conv2d", y, b, shape_of(w)[0])


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed convolution (the adjoint of conv2d), like torch's conv_transpose2d.

    x: (N, C_in, H, W), w: (C_in, C_out/groups, kH, kW), b: (C_out,) -> (N, C_out, Ho, Wo),
    Ho = (H-1)*stride - 2*padding + dilation*(kH-1) + output_padding + 1.
    """
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        return _unbatched(conv_transpose2d, x, w, b, stride, padding, output_padding, groups, dilation)
    y = CONV_TRANSPOSE2D.call(as_node(x), w, stride=stride, padding=padding,
                              output_padding=output_padding, groups=groups, dilation=dilation)
    return add_bias("conv_transpose2d", y, b, y.shape[1])


def _unbatched(fn, x, *args):
    """fn on a batch of one: x (C, H, W) -> (1, C, H, W), and the result back to 3-d."""
    y = fn(as_node(x).reshape(1, *shape_of(x)), *args)
    return y.reshape(y.shape[1:])


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
    if not is_int(v):
        raise ValueError(f"{op}: {name} must be an int, got {v!r}")
    if v < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {v!r}")
    return int(v)
