"""Pooling the way torch calls it, around the primitives of autograd/ops/pool.py.

ceil_mode, count_include_pad=False and divisor_override are compositions around the same
primitives (an extended input, a constant rescaling), not variants of them; unbatched
inputs run as a batch of one. max_unpool2d is window_scatter2d, the very primitive that
carries max-pool's upstream to the winners in backward.
"""

from __future__ import annotations

import numpy as np

from ..ops.arguments import check_ndim, check_size, flag, pair, positive_int, shape_of
from ..ops.indexing import SCATTER_ADD
from ..ops.pool import AVG_POOL2D, MAX_POOL2D, WINDOW_SCATTER2D, pool_args
from ..ops.windows import effective, lowest
from .tensors import as_node


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
    kernel, stride, padding, dilation, out = pool_args(
        "max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    x = as_node(x)
    width = x.shape[-1]
    extra = _overhang(x.shape[-2:], out, kernel, stride, padding, dilation)
    if any(extra):
        x = _extended(x, extra, lowest(x.data.dtype))
    y = MAX_POOL2D(x, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    if flag(return_indices, "return_indices", "max_pool2d"):
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
    kernel, stride, padding, _, out = pool_args(op, x, kernel_size, stride, padding, 1, ceil_mode)
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


# ---------------------------------------------------------------- indices and unpooling

def _window_starts(count, step, pad):
    return np.arange(count) * step - pad


def flat_indices(x, out, kernel, stride, padding, dilation, width):
    """int64 (N, C, Ho, Wo): for each window the flat position (row * width + col) of its
    winner in the input plane; ``out`` is the pooled node (its saved offsets are reused)."""
    offset = out.saved if out.saved is not None else MAX_POOL2D.forward(
        x.data, kernel_size=kernel, stride=stride, padding=padding, dilation=dilation, record=True)[1]
    ki, kj = np.divmod(offset.astype(np.int64), kernel[1])
    ho, wo = offset.shape[-2:]
    rows = _window_starts(ho, stride[0], padding[0])[:, None] + ki * dilation[0]
    cols = _window_starts(wo, stride[1], padding[1])[None, :] + kj * dilation[1]
    return rows * width + cols


def max_unpool2d(x, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Each value of x put back at its flat index, zeros elsewhere (torch's max_unpool2d).

    x, indices: (N, C, Ho, Wo) or unbatched (C, Ho, Wo), indices from
    max_pool2d(..., return_indices=True) with the same kernel_size/stride/padding.
    Output (N, C, H, W), by default H = (Ho - 1) * stride - 2 * padding + kH; output_size
    (H, W) (or a longer shape ending in it) picks the size a pool of odd sizes came from.
    Where windows overlap and one input won twice, its values add (torch keeps one).
    """
    op = "max_unpool2d"
    if len(shape_of(x)) == 3:
        idx = np.asarray(indices)
        y = max_unpool2d(as_node(x).reshape(1, *shape_of(x)), idx.reshape(1, *idx.shape),
                         kernel_size, stride, padding, output_size)
        return y.reshape(y.shape[1:])
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    padding = pair(padding, "padding", op, 0)
    xs = shape_of(x)
    check_ndim(op, "input", xs, 4, "(N, C, Ho, Wo)")
    idx = np.asarray(indices.data if hasattr(indices, "data") and not isinstance(indices, np.ndarray)
                     else indices)
    if idx.shape != xs or idx.dtype.kind not in "iu":
        raise ValueError(f"{op}: indices must be integers of the input's shape {xs}, "
                         f"got {idx.dtype} {idx.shape}")
    default = tuple((o - 1) * s - 2 * p + k for o, s, p, k in zip(xs[2:], stride, padding, kernel))
    size = default if output_size is None else tuple(int(n) for n in tuple(output_size)[-2:])
    for axis, n, d, s in zip("HW", size, default, stride):
        if not d - s < n < d + s:
            raise ValueError(f"{op}: output_size {size} along {axis} must lie between "
                             f"{d - s} and {d + s} (exclusive) for this input and geometry")
    check_size(op, (*xs[:2], *(max(n, d) + 2 * p for n, d, p in zip(size, default, padding))))
    rows, cols = np.divmod(idx.astype(np.int64), size[1])
    ki = rows - _window_starts(xs[2], stride[0], padding[0])[:, None]
    kj = cols - _window_starts(xs[3], stride[1], padding[1])[None, :]
    if idx.size and (idx.min() < 0 or idx.max() >= size[0] * size[1] or ki.min() < 0 or
                     ki.max() >= kernel[0] or kj.min() < 0 or kj.max() >= kernel[1]):
        raise ValueError(f"{op}: indices do not lie in their windows (kernel {kernel}, stride "
                         f"{stride}, padding {padding}, output {size}): were they made by "
                         "max_pool2d with the same geometry, and is output_size the pooled "
                         "input's size?")
    offset = np.ascontiguousarray(ki * kernel[1] + kj, dtype=np.int32)
    # a ceil-mode pool's last windows hang over the edge: scatter into a plane that holds
    # them whole, then crop (nothing lands in the overhang: the indices lie inside)
    reach = tuple(max(n, default_n) for n, default_n in zip(size, default))
    y = WINDOW_SCATTER2D(as_node(x), index=offset, size=reach, kernel_size=kernel, stride=stride,
                         padding=padding, dilation=(1, 1))
    return y if reach == size else y[..., :size[0], :size[1]]
