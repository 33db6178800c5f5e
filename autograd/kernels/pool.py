"""Serves max_pool2d, avg_pool2d and the window scatter/gather of max-pool's backward
(autograd/ops/pool.py): one strided view per kernel offset, arg-max as a small integer
index, reused buffers; the same numbers as the reference forwards there.

The Python loops are over the k*k kernel offsets (each offset one strided view). The
common 2x2 pool on plain (N, C, H, W) memory, whose views skip every other number (numpy
does not vectorize arithmetic on those), first copies its windows' corners apart and
writes its float32 backward as 64-bit words: 64x6x28x28 fwd+bwd 0.64 -> 0.47 ms.
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
    if _plain_2x2(x, kernel_size, stride, padding, dilation):
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
    """(best, where), with the lesson's index copied into ``where`` when a window holds nan:
    its winner is the first nan (argmax's), which the comparisons here do not see (best
    is nan there already). np.max passes a nan on: one reduction, ~3x faster than a sum."""
    if where is None or best.dtype.kind != "f" or best.size == 0 or not np.isnan(np.max(best)):
        return best, where
    _, first = lesson.max_pool(x, kernel_size, stride, padding, dilation, record=True)
    np.copyto(where, first, casting="unsafe")       # the lesson's int64, in where's dtype
    return best, where


def _two_by_two(kernel_size, stride, padding, dilation):
    """The common pool: 2x2 windows, stride 2, no padding or dilation."""
    return kernel_size == stride == (2, 2) and padding == (0, 0) and dilation == (1, 1)


def _plain_2x2(x, kernel_size, stride, padding, dilation):
    """The common 2x2 pool (_two_by_two) on a non-empty plain (C-contiguous) (N, C, H, W)
    array whose maps the windows tile exactly."""
    return (_two_by_two(kernel_size, stride, padding, dilation) and x.flags.c_contiguous
            and x.size > 0 and x.shape[-2] % 2 == 0 and x.shape[-1] % 2 == 0)


def _corners(x):
    """The four numbers of every 2x2 window of x (_plain_2x2) as contiguous planes
    (4, N*C*H/2*W/2), plane k = 2 i + j holding offset (i, j), in a reused buffer.

    numpy's arithmetic on views that skip every other number does not vectorize (a max of
    two such views of 64x6x28x28 takes ~120 us); its copies are cheap. So the windows'
    upper and lower rows are copied apart as whole rows (each row one item of W numbers),
    then each row's even and odd numbers; the pooling itself is then elementwise."""
    n, c, h, w = x.shape
    row = np.dtype((np.void, w * x.itemsize))
    rows = x.reshape(-1, 2 * w).view(row)                    # (N*C*H/2, 2): upper, lower
    half = scratch("max_pool2d.half", (n * c * h // 2, w), x.dtype)
    planes = scratch("max_pool2d.corners", (4, x.size // 4), x.dtype)
    for i in (0, 1):
        np.copyto(half.view(row)[:, 0], rows[:, i])
        _split_pairs(half.reshape(-1), planes[2 * i], planes[2 * i + 1])
    return planes


def _split_pairs(flat, even, odd):
    """even, odd = flat[0::2], flat[1::2]. Four-byte numbers on a little-endian machine go
    through each pair read as one 64-bit word whose low half is the even number: a
    truncating cast and a 32-bit shift, which vectorize (1.2-1.4x faster than the two
    strided copies)."""
    if flat.itemsize != 4 or sys.byteorder != "little":
        np.copyto(even, flat[0::2])
        np.copyto(odd, flat[1::2])
        return
    words = flat.view(np.uint64)
    np.copyto(even.view(np.uint32), words, casting="unsafe")
    high = scratch("max_pool2d.high", words.shape, np.uint64)
    np.right_shift(words, np.uint64(32), out=high)
    np.copyto(odd.view(np.uint32), high, casting="unsafe")


def _max_pool_2x2(x, index):
    """max_pool for _plain_2x2, elementwise on the windows' corners (_corners); the index
    only when ``index`` is true (a recorded node's).

    The winner, first in row-major order like torch: the lower pair when its max is
    strictly greater, then in that pair the right number when strictly greater."""
    n, c, h, w = x.shape
    x00, x01, x10, x11 = _corners(x)
    upper = scratch("max_pool2d.upper", x00.shape, x.dtype)
    lower = scratch("max_pool2d.lower", x00.shape, x.dtype)
    np.maximum(x00, x01, out=upper)
    np.maximum(x10, x11, out=lower)
    best = np.maximum(upper, lower).reshape(n, c, h // 2, w // 2)
    if not index:
        return best, None
    down = scratch("max_pool2d.down", x00.shape, bool)           # the lower pair wins
    np.greater(lower, upper, out=down)
    column = scratch("max_pool2d.column", x00.shape, bool)       # the right number wins:
    right = scratch("max_pool2d.right", x00.shape, bool)         # in the lower pair if down,
    np.greater(x01, x00, out=column)                             # else in the upper one
    np.greater(x11, x10, out=right)
    # column = right if down else column, without a masked write: c ^ (d & (r ^ c))
    right ^= column
    right &= down
    column ^= right
    down8 = down.view(np.uint8)
    where = np.add(down8, down8)        # offset = 2 down + column (numpy's uint8 shift is slow)
    where |= column.view(np.uint8)
    return best, where.reshape(best.shape)


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

    The float32 2x2 form moves bits (_scatter_2x2) and needs no check; the other forms
    multiply g by a 0/1 mask, and inf x 0 is nan, so there an upstream holding inf or nan
    takes the lesson's selection instead (zeros off the winners, like torch)."""
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
    """The 2x2 pool's backward into a plain (N, C, H, W) array: 4-byte numbers (float32,
    int32), on a little-endian machine, the windows tiling the maps, the index uint8 (the
    kernels' own) in plain memory."""
    return (_two_by_two(kernel_size, stride, padding, dilation)
            and g.dtype.itemsize == 4 and sys.byteorder == "little" and index.dtype == np.uint8
            and index.flags.c_contiguous and index.size > 0
            and tuple(size) == (2 * index.shape[-2], 2 * index.shape[-1]))


def _scatter_2x2(g, index):
    """window_scatter for _pairs_of_words: each window row's two numbers seen as one 64-bit
    word, which is g's 32 bits shifted to the winning half, or 0 (numpy's shift by 64 or
    more gives 0). Writing pairs as words spares the interleaving copies that put two
    numbers side by side: 0.15 ms for 64x6x28x28 against 0.17-0.25 for the general loop
    (a masked multiply per kernel offset into strided views). Bits are moved, never
    multiplied, so inf and nan reach the winner as they are."""
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
    np.multiply(index, np.uint8(32), out=shift)
    for i in (0, 1):
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

