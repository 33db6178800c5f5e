"""Pooling as graph primitives (PyTorch semantics), backward rules made of primitives.

    max_pool2d        router: the upstream goes to the arg-max of each window
                      backward = window_scatter2d(upstream, argmax)  (+= where windows overlap)
    window_scatter2d  scatter; its backward is window_gather2d (and back again)
    avg_pool2d        distributor: upstream / K^2 spread over each window, adding on overlaps;
                      backward = the channel-wise transposed convolution with a uniform filter

Windows may overlap (stride < kernel) and need not tile the input. Padding is -inf for max
(never chosen) and zeros for the average, counted in the divisor like torch's default.
ceil_mode, count_include_pad=False and divisor_override are compositions around the same
primitives (an extended input, a constant rescaling), not variants of them.
The kernels (strided views, arg-max index, reused buffers) live in autograd/kernels/pool.py.
"""

from __future__ import annotations

import numpy as np

from .arguments import as_node, check_ndim, flag, pair, positive_int, shape_of
from .conv import CONV_TRANSPOSE2D
from .graph import DISTRIBUTOR, ROUTER, Node, Op, raw
from .kernels import pool as K
from .sampling import UPSAMPLE2D
from .tensor_ops import SCATTER_ADD
from .windows import effective, leftover, out_size

# ---------------------------------------------------------------- rules and primitives

def _stride_one(g, size, kernel_size, stride, padding, dilation):
    """A strided pool is the stride-1 pool followed by downsampling: while a backward is being
    recorded, the upstream is first upsampled to the stride-1 output (zeros for the skipped
    windows), as for a strided conv. Returns (upstream, its stride, the stride-1 size or None)."""
    if stride == (1, 1) or not isinstance(g, Node):
        return g, stride, None
    full = tuple(n + 2 * p - k + 1 for n, p, k in zip(size, padding, effective(kernel_size, dilation)))
    return UPSAMPLE2D(g, factor=stride, size=full), (1, 1), full


def _max_pool(x, kernel_size, stride, padding, dilation, record):
    """(max over each window, the arg-max index when the node is recorded, else None)."""
    return K.max_pool(x, kernel_size, stride, padding, dilation, index=record)


def _scatter_rule(g, out, x, kernel_size, stride, padding, dilation, saved):
    g, step, full = _stride_one(g, x.shape[-2:], kernel_size, stride, padding, dilation)
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
    g, stride, _ = _stride_one(g, x.shape[-2:], kernel_size, stride, padding, (1, 1))
    extra = leftover(x.shape[-2:], g.shape[-2:], kernel_size, stride, padding, (1, 1))
    return CONV_TRANSPOSE2D(g, uniform, stride=stride, padding=padding, output_padding=extra,
                            groups=c, dilation=(1, 1))


MAX_POOL2D = Op(
    "max_pool2d", ROUTER, _max_pool,
    backward=(_scatter_rule,),
    jacobian=("one-hot at each window's arg-max; overlaps add",))

WINDOW_SCATTER2D = Op(
    "window_scatter2d", "scatter", K.window_scatter,
    backward=(lambda upstream, out, routed, index, size, kernel_size, stride, padding, dilation:
              WINDOW_GATHER2D(upstream, index=index, kernel_size=kernel_size, stride=stride,
                              padding=padding, dilation=dilation),),
    jacobian=("scatter to the arg-max; backward gathers",))

WINDOW_GATHER2D = Op(
    "window_gather2d", "gather", K.window_gather,
    backward=(lambda upstream, out, x, index, kernel_size, stride, padding, dilation:
              WINDOW_SCATTER2D(upstream, index=index, size=tuple(x.shape[-2:]), kernel_size=kernel_size,
                               stride=stride, padding=padding, dilation=dilation),),
    jacobian=("gather at the arg-max; backward scatters",))

AVG_POOL2D = Op(
    "avg_pool2d", DISTRIBUTOR, K.avg_pool,
    backward=(_avg_rule,),
    jacobian=("1/K^2 over each window; overlaps add",))


# ---------------------------------------------------------------- public functions

def _pool_args(op, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
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
        out = _ceil_out_size(xs[2:], kernel, stride, padding, dilation)
    return kernel, stride, padding, dilation, out


def _ceil_out_size(size, kernel, stride, padding, dilation=(1, 1)):
    """(Ho, Wo) with ceil_mode (torch): a last, partial window is kept when it starts inside
    the input or its left padding."""
    out = []
    for n, k, s, p in zip(size, effective(kernel, dilation), stride, padding):
        o = -(-(n + 2 * p - k) // s) + 1
        out.append(o - 1 if (o - 1) * s >= n + p else o)
    return tuple(out)


def _overhang(size, out, kernel, stride, padding, dilation=(1, 1)):
    """Rows/cols the last windows reach past the padded input (bottom, right)."""
    return tuple(max(0, (o - 1) * s + k - (n + 2 * p)) for n, o, k, s, p in
                 zip(size, out, effective(kernel, dilation), stride, padding))


def _extended(x, extra, fill):
    """x (N, C, H, W) grown by ``extra`` rows/cols at the bottom/right, holding ``fill``:
    a scatter into zeros (its backward crops), plus a constant where fill is not 0."""
    n, c, h, w = x.shape
    grown = SCATTER_ADD(x, index=(slice(None), slice(None), slice(0, h), slice(0, w)),
                        shape=(n, c, h + extra[0], w + extra[1]))
    if fill == 0:
        return grown
    edge = np.full(grown.shape[-2:], fill, x.data.dtype)
    edge[:h, :w] = 0
    return grown + edge


def _divisors(size, out, kernel, stride, padding, count_include_pad):
    """How many elements each window's mean divides by (torch): the window clipped to the
    padded input, or to the input itself without count_include_pad; (Ho, Wo)."""
    per_axis = []
    for n, o, k, s, p in zip(size, out, kernel, stride, padding):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        per_axis.append(end - start)
    return np.outer(*per_axis)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each (dilated) window, like torch.nn.functional.max_pool2d.

    x: (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size. The gradient goes to
    the first arg-max of each window and adds up where windows overlap. ceil_mode keeps a
    last, partial window: the input is first extended at the bottom/right with -inf
    (scatter_add, then an add), so the primitive itself never changes.
    return_indices: also each winner's flat index in its input plane (torch's layout, for
    max_unpool2d). An unbatched x (C, H, W) gives (C, Ho, Wo).
    """
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        x = as_node(x)
        y = max_pool2d(x.reshape(1, *x.shape), kernel_size, stride, padding, dilation, ceil_mode,
                       return_indices)
        return (y[0].reshape(y[0].shape[1:]), y[1][0]) if return_indices else y.reshape(y.shape[1:])
    kernel, stride, padding, dilation, out = _pool_args(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    x = as_node(x)
    width = x.shape[-1]
    extra = _overhang(x.shape[-2:], out, kernel, stride, padding, dilation)
    if any(extra):
        x = _extended(x, extra, K.lowest(x.data.dtype))
    y = MAX_POOL2D(x, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    if flag(return_indices, "return_indices", "max_pool2d"):
        from .unpool import flat_indices
        return y, flat_indices(x, y, kernel, stride, padding, dilation, width)
    return y


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Mean over each window, like torch's avg_pool2d (zero padding counted in the mean).

    x: (N, C, H, W) -> (N, C, Ho, Wo); stride defaults to kernel_size. The primitive always
    divides by kH*kW; ceil_mode (a last, partial window, over a zero-extended input),
    count_include_pad=False and divisor_override rescale its output by a constant (Ho, Wo)
    map, kH*kW / divisor, so the backward stays the uniform distributor.
    """
    op = "avg_pool2d"
    if len(shape_of(x)) == 3:                               # unbatched (C, H, W), as torch
        x = as_node(x)
        y = avg_pool2d(x.reshape(1, *x.shape), kernel_size, stride, padding, ceil_mode,
                       count_include_pad, divisor_override)
        return y.reshape(y.shape[1:])
    kernel, stride, padding, _, out = _pool_args(op, x, kernel_size, stride, padding, 1, ceil_mode)
    include = flag(count_include_pad, "count_include_pad", op)
    x = as_node(x)
    size = x.shape[-2:]
    extra = _overhang(size, out, kernel, stride, padding)
    if any(extra):
        x = _extended(x, extra, 0)
    y = AVG_POOL2D(x, kernel_size=kernel, stride=stride, padding=padding)
    if divisor_override is not None:
        divisors = np.full(out, positive_int(divisor_override, "divisor_override", op))
    else:
        divisors = _divisors(size, out, kernel, stride, padding, include)
    area = kernel[0] * kernel[1]
    if (divisors != area).any():
        y = y * (area / divisors).astype(y.data.dtype)      # the primitive's output is float
    return y
