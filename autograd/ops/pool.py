"""Pooling as graph primitives (PyTorch semantics), backward rules made of primitives.

    max_pool2d        router: the upstream goes to the arg-max of each window
                      backward = window_scatter2d(upstream, argmax)  (+= where windows overlap)
    window_scatter2d  scatter; its backward is window_gather2d (and back again)
    avg_pool2d        distributor: upstream / K^2 spread over each window, adding on overlaps;
                      backward = the channel-wise transposed convolution with a uniform filter

Windows may overlap (stride < kernel) and need not tile the input. Padding is -inf for max
(never chosen) and zeros for the average, counted in the divisor like torch's default.
x: (N, C, H, W) -> (N, C, Ho, Wo).
"""

from __future__ import annotations

import numpy as np

from ..core import Node, Op, Pattern, raw
from .arguments import check_ndim, flag, pair, shape_of
from .conv import CONV_TRANSPOSE2D
from .sampling import UPSAMPLE2D
from .windows import effective, leftover, lowest, offsets, out_size, sliding_windows, window_view

# ---------------------------------------------------------------- the forwards


def max_pool(x, kernel_size, stride, padding, dilation, record):
    """(max over each window, which kernel offset won -- the first max, like torch -- when
    the node is recorded, else None)."""
    windows = sliding_windows(x, kernel_size, stride, padding, dilation, fill=lowest(x.dtype))
    flat = windows.reshape(*windows.shape[:4], -1)          # (N, C, Ho, Wo, kh*kw)
    return flat.max(axis=-1), (flat.argmax(axis=-1) if record else None)


def window_scatter(g, index, size, kernel_size, stride, padding, dilation):
    """out (N, C, *size): g[n, c, a, b] added at the winning offset of window (a, b);
    where windows overlap, what lands on one input adds up."""
    ph, pw = padding
    out = np.zeros((*g.shape[:2], size[0] + 2 * ph, size[1] + 2 * pw), g.dtype)
    for k, (i, j) in enumerate(offsets(kernel_size)):
        target = window_view(out, i, j, g.shape[-2:], stride, dilation)
        target += np.where(index == k, g, 0)
    return out[..., ph:ph + size[0], pw:pw + size[1]]


def window_gather(x, index, kernel_size, stride, padding, dilation):
    """out (N, C, Ho, Wo): x at the winning offset of each window."""
    windows = sliding_windows(x, kernel_size, stride, padding, dilation)
    flat = windows.reshape(*windows.shape[:4], -1)
    return np.take_along_axis(flat, index[..., None].astype(np.intp), axis=-1)[..., 0]


def avg_pool(x, kernel_size, stride, padding):
    """The mean of each window (zero padding counted)."""
    windows = sliding_windows(x, kernel_size, stride, padding, (1, 1))
    return windows.mean(axis=(-2, -1))


# ---------------------------------------------------------------- backward rules


def stride_one(g, size, kernel_size, stride, padding, dilation):
    """A strided pool is the stride-1 pool followed by downsampling: while a backward is being
    recorded, the upstream is first upsampled to the stride-1 output (zeros for the skipped
    windows), as for a strided conv. Returns (upstream, its stride, the stride-1 size or None)."""
    if stride == (1, 1) or not isinstance(g, Node):
        return g, stride, None
    full = tuple(n + 2 * p - k + 1 for n, p, k in zip(size, padding, effective(kernel_size, dilation)))
    return UPSAMPLE2D(g, factor=stride, size=full), (1, 1), full


def _scatter_rule(g, out, x, kernel_size, stride, padding, dilation, saved):
    g, step, full = stride_one(g, x.shape[-2:], kernel_size, stride, padding, dilation)
    if full is not None:   # the skipped windows' arg-max is never used: their upstream is 0
        index = np.zeros(saved.shape[:-2] + full, saved.dtype)
        index[..., ::stride[0], ::stride[1]] = saved
        saved = index
    return WINDOW_SCATTER2D(g, index=saved, size=tuple(x.shape[-2:]), kernel_size=kernel_size,
                            stride=step, padding=padding, dilation=dilation)


def _avg_rule(g, out, x, kernel_size, stride, padding):
    """upstream / K^2 to every element of its window: conv_transpose2d, one uniform filter
    per channel (groups = channels)."""
    c = x.shape[1]
    uniform = np.full((c, 1, *kernel_size), 1.0 / (kernel_size[0] * kernel_size[1]), raw(g).dtype)
    g, stride, _ = stride_one(g, x.shape[-2:], kernel_size, stride, padding, (1, 1))
    extra = leftover(x.shape[-2:], g.shape[-2:], kernel_size, stride, padding, (1, 1))
    return CONV_TRANSPOSE2D(g, uniform, stride=stride, padding=padding, output_padding=extra,
                            groups=c, dilation=(1, 1))


# ---------------------------------------------------------------- the primitives

MAX_POOL2D = Op(
    "max_pool2d", Pattern.ROUTER, max_pool,
    backward=(_scatter_rule,),
    jacobian=("one-hot at each window's arg-max; overlaps add",))

WINDOW_SCATTER2D = Op(
    "window_scatter2d", Pattern.SCATTER, window_scatter,
    backward=(lambda upstream, out, routed, index, size, kernel_size, stride, padding, dilation:
              WINDOW_GATHER2D(upstream, index=index, kernel_size=kernel_size, stride=stride,
                              padding=padding, dilation=dilation),),
    jacobian=("scatter to the arg-max; backward gathers",))

WINDOW_GATHER2D = Op(
    "window_gather2d", Pattern.GATHER, window_gather,
    backward=(lambda upstream, out, x, index, kernel_size, stride, padding, dilation:
              WINDOW_SCATTER2D(upstream, index=index, size=tuple(x.shape[-2:]), kernel_size=kernel_size,
                               stride=stride, padding=padding, dilation=dilation),),
    jacobian=("gather at the arg-max; backward scatters",))

AVG_POOL2D = Op(
    "avg_pool2d", Pattern.DISTRIBUTOR, avg_pool,
    backward=(_avg_rule,),
    jacobian=("1/K^2 over each window; overlaps add",))


# ---------------------------------------------------------------- argument checks

def pool_args(op, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """Checked (kernel, stride, padding, dilation, (Ho, Wo)); the output size rounds up
    with ceil_mode."""
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding = pair(padding, "padding", op, 0)
    dilation = pair(dilation, "dilation", op)
    xs = shape_of(x)
    check_ndim(op, "input", xs, 4, "(N, C, H, W)")
    if xs[1] == 0:                      # torch refuses it too
        raise ValueError(f"{op}: input {xs} has no channels")
    for axis, p, k in zip("HW", padding, effective(kernel, dilation)):
        if p > k // 2:
            raise ValueError(f"{op}: padding {p} along {axis} must be at most half the kernel "
                             f"span {k} (kernel {kernel}, dilation {dilation})")
    out = out_size(op, xs[2:], kernel, stride, padding, dilation)
    if flag(ceil_mode, "ceil_mode", op):
        out = ceil_out_size(xs[2:], kernel, stride, padding, dilation)
    return kernel, stride, padding, dilation, out


def ceil_out_size(size, kernel, stride, padding, dilation=(1, 1)):
    """(Ho, Wo) with ceil_mode (torch): a last, partial window is kept when it starts inside
    the input or its left padding."""
    out = []
    for n, k, s, p in zip(size, effective(kernel, dilation), stride, padding):
        o = -(-(n + 2 * p - k) // s) + 1
        out.append(o - 1 if (o - 1) * s >= n + p else o)
    return tuple(out)

