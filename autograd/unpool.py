"""max_pool2d's indices (torch's flat layout) and max_unpool2d, the router's own scatter.

max_pool2d remembers, per window, which kernel offset won. torch hands those out as flat
indices into each input plane (row * W + col). max_unpool2d takes them back: it is
window_scatter2d, the very primitive that carries max-pool's upstream to the winners in
backward, so its gradient is window_gather2d (the pooled positions read back).
"""

from __future__ import annotations

import numpy as np

from .pool import MAX_POOL2D, WINDOW_SCATTER2D
from .windows import as_node, check_ndim, pair, shape_of


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
