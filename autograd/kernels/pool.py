"""Serves max_pool2d, avg_pool2d and the window scatter/gather of max-pool's backward
(autograd/ops/pool.py): one strided view per kernel offset, arg-max as a small integer
index, reused buffers; the same numbers as the reference forwards there.

The only Python loop is over the k*k kernel offsets: each offset is one strided view.
"""

from __future__ import annotations

import sys

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
    if _rows_in_memory(x, kernel_size, stride, padding, dilation):
        best, where = _max_pool_2x2(x, index)
        return _nan_checked(best, where, x, kernel_size, stride, padding, dilation)
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
    return _nan_checked(best, where, x, kernel_size, stride, padding, dilation)


def _nan_checked(best, where, x, kernel_size, stride, padding, dilation):
    """(best, where), or the lesson's when a window holds nan: its winner is the first nan
    (argmax's), which the comparisons here do not see. One sum finds a nan (or inf - inf,
    which costs only the lesson's time)."""
    if where is None or best.dtype.kind != "f" or not np.isnan(np.sum(best)):
        return best, where
    return lesson.max_pool(x, kernel_size, stride, padding, dilation, record=True)


def _rows_in_memory(x, kernel_size, stride, padding, dilation):
    """The common 2x2 pool, stride 2, on (N, C, H, W) memory with W innermost (a plain array)
    and the windows tiling the maps exactly."""
    return (kernel_size == (2, 2) and stride == (2, 2) and padding == (0, 0)
            and dilation == (1, 1) and x.flags.c_contiguous and x.size > 0
            and x.shape[-2] % 2 == 0 and x.shape[-1] % 2 == 0)


def _rows_of(a, tag, parity):
    """Rows 0, 2, 4, ... (parity 0) or 1, 3, 5, ... (parity 1) of a's maps, a (N, C, H, W)
    plain with H even, copied into a reused (N*C*H/2, W) buffer. Each row is copied as one
    item of W numbers: numpy loops over 14 or 28 numbers at a time are mostly overhead."""
    n, c, h, w = a.shape
    row = np.dtype((np.void, w * a.itemsize))
    rows = scratch(tag, (n * c * h // 2, w), a.dtype)
    np.copyto(rows.view(row)[:, 0], a.reshape(-1, 2 * w).view(row)[:, parity])
    return rows.reshape(-1)


def _max_pool_2x2(x, index):
    """max_pool for _rows_in_memory, in whole-array passes: the windows' upper and lower
    rows are first copied apart, then each is compared with itself shifted by one number,
    and the even positions kept. A max of two views that skip every other number does not
    vectorize in numpy (~120 us for 64x6x28x28); a max of two shifted whole rows does
    (~15 us), so computing every position's pair and keeping half is the faster way.

    The winner, first in row-major order like torch: the lower pair when its max is
    strictly greater, then in that pair the right number when strictly greater."""
    n, c, h, w = x.shape
    top, bottom = _rows_of(x, "max_pool2d.top", 0), _rows_of(x, "max_pool2d.bottom", 1)
    size = top.size - 1             # positions with a right neighbour (only even ones kept)
    upper = scratch("max_pool2d.upper", (size,), x.dtype)    # max(top[p], top[p + 1])
    np.maximum(top[:-1], top[1:], out=upper)
    lower = scratch("max_pool2d.lower", (size,), x.dtype)
    np.maximum(bottom[:-1], bottom[1:], out=lower)
    both = scratch("max_pool2d.both", (size,), x.dtype)
    np.maximum(upper, lower, out=both)
    best = np.empty((n, c, h // 2, w // 2), x.dtype)
    np.copyto(best.reshape(-1), both[0::2])
    if index is None:
        return best, None
    down = scratch("max_pool2d.down", (size,), bool)             # the lower pair wins
    np.greater(lower, upper, out=down)
    column = scratch("max_pool2d.column", (size,), bool)         # the right number wins:
    right = scratch("max_pool2d.right", (size,), bool)           # in the lower pair if down,
    np.greater(top[1:], top[:-1], out=column)                    # else in the upper one
    np.greater(bottom[1:], bottom[:-1], out=right)
    right ^= column
    right &= down
    column ^= right
    code = scratch("max_pool2d.code", (size,), np.uint8)         # offset = 2 down + column
    twice = down.view(np.uint8)
    np.add(twice, twice, out=code)      # numpy's uint8 shift does not vectorize: 10x slower
    code |= column.view(np.uint8)
    where = np.empty(best.shape, np.uint8)
    np.copyto(where.reshape(-1), code[0::2])
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
    if _pairs_of_words(g, index, size, kernel_size, stride, padding, dilation):
        return _scatter_2x2(g, index)
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


def _pairs_of_words(g, index, size, kernel_size, stride, padding, dilation):
    """The 2x2 pool's backward into a plain (N, C, H, W) array: 4-byte numbers (float32), on
    a little-endian machine, the windows tiling the maps, the index in plain memory."""
    return (kernel_size == (2, 2) and stride == (2, 2) and padding == (0, 0)
            and dilation == (1, 1) and g.dtype.itemsize == 4 and sys.byteorder == "little"
            and index.flags.c_contiguous and index.size > 0
            and tuple(size) == (2 * index.shape[-2], 2 * index.shape[-1]))


def _scatter_2x2(g, index):
    """window_scatter for _pairs_of_words: each window row's two numbers seen as one 64-bit
    word, which is g's 32 bits shifted to the winning half, or 0 (numpy's shift by 64 or
    more gives 0). Writing pairs as words spares the interleaving copies that put two
    numbers side by side, the slow part otherwise: 0.18 ms against 0.25 for 64x6x28x28.
    Bits are moved, never multiplied, so inf and nan reach the winner as they are."""
    n, c, ho, wo = index.shape
    out = np.empty((n, c, 2 * ho, 2 * wo), g.dtype)
    row = np.dtype((np.void, 8 * wo))                        # a row of wo words, one item
    rows = out.reshape(-1, 4 * wo).view(row)                 # (N*C*Ho, 2): window rows 0, 1
    bits = scratch("window_scatter2d.bits", index.shape, np.uint64)
    np.copyto(bits, g.view(np.uint32), casting="unsafe")
    shift = scratch("window_scatter2d.shift", index.shape, np.uint8)
    wide = scratch("window_scatter2d.wide", index.shape, np.uint64)
    words = scratch("window_scatter2d.words", index.shape, np.uint64)
    # offset k = 2 i + j goes to row i's word, shifted by 32 j: 32 k - 64 i, which is 64 or
    # more (mod 256) for the other row's offsets, so that row gets 0
    for i in (0, 1):
        np.multiply(index, np.uint8(32), out=shift)
        if i:
            shift -= np.uint8(64)
        np.copyto(wide, shift)
        np.left_shift(bits, wide, out=words)
        np.copyto(rows[:, i], words.reshape(-1, wo).view(row)[:, 0])
    return out


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

