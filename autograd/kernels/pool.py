"""Serves max_pool2d, avg_pool2d and the window scatter/gather of max-pool's backward
(autograd/ops/pool.py): one strided view per kernel offset, arg-max as a small integer
index, reused buffers; the same numbers as the reference forwards there.

The only Python loop is over the k*k kernel offsets: each offset is one strided view.
"""

from __future__ import annotations

import numpy as np

from ..ops import pool as lesson
from ..ops.windows import effective, lowest, offsets, out_size, window_view
from .attach import Attachments
from .memory import empty, memory_order, padded, scratch


def _views(xp, kernel_size, out, stride, dilation):
    return [window_view(xp, i, j, out, stride, dilation) for i, j in offsets(kernel_size)]


def max_pool(x, kernel_size, stride, padding, dilation, index=True):
    """(out, index): index[n, c, a, b] is the kernel offset (row-major) of the first max
    (None unless ``index``: only a recorded node's backward needs it)."""
    out_hw = out_size("max_pool2d", x.shape[-2:], kernel_size, stride, padding, dilation)
    layout = memory_order(x)
    best = empty((*x.shape[:2], *out_hw), x.dtype, layout)      # fresh, laid out like x
    where = (empty(best.shape, np.uint8 if kernel_size[0] * kernel_size[1] < 256 else np.int32, layout)
             if index else None)
    xp = padded(x, padding, lowest(x.dtype), "max_pool2d")
    views = _views(xp, kernel_size, out_hw, stride, dilation)
    np.maximum(views[0], views[min(1, len(views) - 1)], out=best)   # no copy pass first
    for v in views[2:]:
        np.maximum(best, v, out=best)
    if where is not None:
        _first_max(views, best, where)
    return best, where


def _first_max(views, best, index):
    """Fill index with the first k where views[k] == best (ties go to the first, like
    torch): the number of leading views that differ, index = d0 + d0 d1 + d0 d1 d2 + ...
    with d_k = views[k] != best (masked writes are slow in numpy; this is a few passes over
    small integers)."""
    layout = memory_order(best)
    if len(views) == 1:
        index.fill(0)
        return index
    run = scratch("max_pool2d.run", best.shape, bool, order=layout)       # d0 d1 ... dk
    differs = scratch("max_pool2d.differs", best.shape, bool, order=layout)
    np.not_equal(views[0], best, out=run)
    np.copyto(index, run)
    for v in views[1:-1]:                   # the last view is the max when all others differ
        np.not_equal(v, best, out=differs)
        run &= differs
        index += run
    return index


def _separate(kernel_size, stride, dilation):
    """True when no two windows share an element (stride >= kernel span on both axes)."""
    return all(s >= k for s, k in zip(stride, effective(kernel_size, dilation)))


def _all_finite(a):
    """Finite unless a holds inf or nan: the largest and the smallest number are (a nan is
    both). Two vectorized reductions, ~3x faster than a sum or an isfinite mask."""
    return a.size == 0 or bool(np.isfinite(a.max()) and np.isfinite(a.min()))


def window_scatter(g, index, size, kernel_size, stride, padding, dilation):
    """out (N, C, *size): g[n, c, a, b] added at the chosen offset of window (a, b); laid
    out in memory like index (the pooled input's layout: the router downstream, relu's
    mask, then multiplies matching layouts, ~3x faster).

    The fast forms multiply g by a 0/1 mask; inf x 0 is nan, so an upstream holding inf or
    nan takes the lesson's selection instead (zeros off the winners, like torch)."""
    if not _all_finite(g):
        return lesson.window_scatter(g, index, size, kernel_size, stride, padding, dilation)
    layout = memory_order(index)
    out = empty((g.shape[0], g.shape[1], *size), g.dtype, layout)
    ph, pw = padding
    full = (g.shape[0], g.shape[1], size[0] + 2 * ph, size[1] + 2 * pw)
    separate = _separate(kernel_size, stride, dilation)
    # every element in exactly one window: no zeros needed. Dilated windows have holes, so
    # they never tile: without this the holes kept a reused buffer's old numbers (NaN)
    tiled = dilation == (1, 1) and all(n == o * s and s == k for n, o, s, k in
                                       zip(full[2:], g.shape[2:], stride, kernel_size))
    if memory_order(g) != layout:
        g = _laid_like(g, layout, "window_scatter2d.g")
    if tiled and not (ph or pw) and dilation == (1, 1) and _blockwise(layout):
        _scatter_blocks(g, index, out, kernel_size, layout)
        return out
    if ph or pw:
        acc = scratch("window_scatter2d", full, g.dtype, order=layout)
    else:
        acc = out
    if not tiled:
        acc.fill(0)
    chosen = scratch("window_scatter2d.chosen", g.shape, bool, order=layout)
    part = None if separate else scratch("window_scatter2d.part", g.shape, g.dtype, order=layout)
    for k, (i, j) in enumerate(offsets(kernel_size)):
        np.equal(index, k, out=chosen)           # where this offset won
        target = window_view(acc, i, j, g.shape[-2:], stride, dilation)
        if separate:
            np.multiply(g, chosen, out=target)
        else:                                    # overlapping windows: +=
            np.multiply(g, chosen, out=part)
            target += part
    if ph or pw:
        np.copyto(out, acc[..., ph:ph + size[0], pw:pw + size[1]])
    return out


def _blockwise(layout):
    """Blocks pay when a long axis (N or C) lies innermost, as in batch-last memory; with W
    innermost numpy's inner loop would run over the kw columns of one window."""
    return layout[-1] < 2 and layout.index(2) < layout.index(3)


def _scatter_blocks(g, index, acc, kernel_size, layout):
    """Windows that tile the input exactly (stride = kernel, the common 2x2 pool): acc seen
    as blocks (N, C, Ho, kh, Wo, kw) is filled by two broadcast passes, one-hot of the
    index, times g, instead of two strided passes per kernel offset. Axes are taken in
    memory order (``layout``) so numpy's loops run contiguously."""
    shape, strides, spread = [], [], []
    for axis in layout:
        n, step = acc.shape[axis], acc.strides[axis]
        if axis < 2:
            shape += [n]
            strides += [step]
            spread += [slice(None)]
        else:                                    # H -> (Ho, kh), W -> (Wo, kw)
            k = kernel_size[axis - 2]
            shape += [n // k, k]
            strides += [k * step, step]
            spread += [slice(None), None]
    blocks = np.lib.stride_tricks.as_strided(acc, shape, strides)
    grid = np.arange(len(offsets(kernel_size)), dtype=index.dtype).reshape(
        [1 if s is not None else n for s, n in zip(spread, shape)])
    np.equal(index.transpose(layout)[tuple(spread)], grid, out=blocks)
    np.multiply(blocks, g.transpose(layout)[tuple(spread)], out=blocks)


def _laid_like(a, layout, tag):
    """a copied into a reused buffer laid out in memory along ``layout``."""
    buf = scratch(tag, a.shape, a.dtype, order=layout)
    np.copyto(buf, a)
    return buf


def window_gather(x, index, kernel_size, stride, padding, dilation):
    """out (N, C, Ho, Wo): x at the chosen offset of each window (a mask multiply, so x
    holding inf or nan takes the lesson's take_along_axis, as window_scatter does)."""
    if not _all_finite(x):
        return lesson.window_gather(x, index, kernel_size, stride, padding, dilation)
    xp = padded(x, padding, 0.0, "window_gather2d")
    layout = memory_order(index)
    out = empty(index.shape, x.dtype, layout, zero=True)
    chosen = scratch("window_gather2d.chosen", index.shape, x.dtype, order=layout)
    for k, v in enumerate(_views(xp, kernel_size, index.shape[-2:], stride, dilation)):
        np.equal(index, k, out=chosen)
        np.multiply(v, chosen, out=chosen)
        out += chosen
    return out


def avg_pool(x, kernel_size, stride, padding):
    out_hw = out_size("avg_pool2d", x.shape[-2:], kernel_size, stride, padding, (1, 1))
    xp = padded(x, padding, 0.0, "avg_pool2d")
    views = _views(xp, kernel_size, out_hw, stride, (1, 1))
    total = np.array(views[0], dtype=x.dtype if x.dtype.kind == "f" else np.float64, order="K")
    for v in views[1:]:
        total += v
    total *= 1.0 / len(views)
    return total


def attach(attachments: Attachments):
    attachments.set(lesson.MAX_POOL2D, "forward",
                    lambda x, kernel_size, stride, padding, dilation, record:
                    max_pool(x, kernel_size, stride, padding, dilation, index=record))
    attachments.set(lesson.WINDOW_SCATTER2D, "forward", window_scatter)
    attachments.set(lesson.WINDOW_GATHER2D, "forward", window_gather)
    attachments.set(lesson.AVG_POOL2D, "forward", avg_pool)

