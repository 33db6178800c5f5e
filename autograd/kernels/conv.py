"""Serves conv2d, conv2d_weight and conv_transpose2d (autograd/ops/conv.py): im2col in
batch-last memory, one large GEMM. The ops' declarations and reference forwards say what
is computed; these compute the same numbers fast (raw arrays in, fresh arrays out).

Layout trick: the work happens in a batch-last layout (C, H, W, N). A kernel offset (i, j)
then selects rows of Wo*N contiguous numbers, so building columns (im2col) and adding
them back (col2im) are k*k long, cheap copies/adds instead of millions of short rows, and
every matmul is one large GEMM per group. The only Python loops are over kernel offsets
and, for layers whose columns outgrow the cache, bands of rows.

Results are returned as (N, C, H, W) *views* of batch-last memory: same values and shape
as torch, no transpose copy. Elementwise numpy ops keep that memory order, so the next
conv, pool or activation reads it contiguously.
"""

from __future__ import annotations

import functools
import os

import numpy as np

from ..ops import conv as lesson
from ..ops.windows import offsets, out_size, strided
from . import parallel, positions, threads
from .attach import Attachments
from .memory import scratch

# OpenBLAS runs a GEMM on one thread when m*n*k < 2^18. A GEMM with tiny m and k (conv1:
# 6 x 25) but a huge n (every output position of every image) is ~3x faster cut into
# pieces of n that stay below that size: each piece fits in cache, and one-thread calls
# never wait for a second thread (which, on a loaded machine, can take a scheduler slice).
SINGLE_THREAD_WORK = 1 << 17
MIN_PIECE = 64
# A forward keeps its columns for the weight gradient up to this size. Larger ones would be
# fresh pages on every step (beyond the allocator's reuse, see memory.py), costing about
# what rebuilding them in the shared buffer costs.
KEEP_LIMIT = 8 * 2**20
# Columns larger than KEEP_LIMIT are built and used a band of output rows at a time, each
# band's columns at most BAND_BYTES: they stay in cache between the copy and the GEMM
# instead of streaming tens of MB to memory and back (16x32x32 -> 32@3x3: 38 MB of
# columns; one thread: forward 14.1 -> 10.2 ms, weight gradient 12.9 -> 10.0 ms).
# With several BLAS threads the bands are few and large: every band's GEMM waits for the
# other threads, and on a loaded machine each wait is a scheduler slice (8-16 ms per call
# measured; 32 bands of 1.5 MB made a 20 ms forward 500 ms). On a quiet machine, 2 threads,
# fwd+bwd of that layer: one GEMM 40 ms, 10 MB bands 30 ms, 1.5 MB bands 33 ms.


def _blas_threads():
    """Threads BLAS was told to use (the usual environment variables), else the cores
    this process may run on (OpenBLAS's default)."""
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


BANDED = True          # False: one GEMM per pass, whatever its size
BAND_BYTES = 3 * 2**19 if _blas_threads() == 1 else 10 * 2**20


def batch_last(x, padding=(0, 0), tag="x", fresh=False):
    """x (N, C, H, W) -> (C, H + 2ph, W + 2pw, N), zero-padded; a reused buffer (a fresh
    array if ``fresh``), or x's own memory when it already lies batch-last and needs no
    padding (callers only read it)."""
    n, c, h, w = x.shape
    ph, pw = padding
    if not ph and not pw:
        view = x.transpose(1, 2, 3, 0)
        if view.flags.c_contiguous:
            return view
    shape = (c, h + 2 * ph, w + 2 * pw, n)
    if fresh:
        buf = np.zeros(shape, x.dtype) if ph or pw else np.empty(shape, x.dtype)
    else:
        buf = scratch(("batch_last", tag), shape, x.dtype, 0.0 if ph or pw else None, extra=(ph, pw))
    transpose_copy(buf[:, ph:ph + h, pw:pw + w, :], x.transpose(1, 2, 3, 0))
    return buf


TRANSPOSE_BAND = 8     # images per band of a batch-last copy


def transpose_copy(dst, src):
    """dst[...] = src for a batch-last dst (..., N) and a src whose last axis is the outer
    one in its memory (x.transpose(1, 2, 3, 0)): in bands of TRANSPOSE_BAND images. In one
    copy numpy walks the images with a stride of a whole image, a page (and a TLB entry)
    per number; a band of 8 keeps those pages in reach: 16x32x32 batch of 64 into a
    padded batch-last buffer 2.9 -> 0.7 ms, an 8 MiB upstream 6.8 -> 2.5 ms."""
    n = dst.shape[-1]
    if n <= TRANSPOSE_BAND or src.strides[-1] <= src.itemsize * n:
        np.copyto(dst, src)
        return dst
    for i in range(0, n, TRANSPOSE_BAND):
        np.copyto(dst[..., i:i + TRANSPOSE_BAND], src[..., i:i + TRANSPOSE_BAND])
    return dst


def laid_batch_last(g):
    """g (N, C, H, W) with the same values in batch-last memory (a fresh array, or a view of
    g when it already lies so): conv2d's two backward rules then both read it without a copy."""
    return batch_first(batch_last(g, fresh=True))


def batch_first(y):
    """View a batch-last y (C, H, W, N) as (N, C, H, W), without moving data."""
    return y.transpose(3, 0, 1, 2)


def columns(shape, dtype):
    """The one column buffer (often the largest array of a conv): every kernel fills it
    and is done with it before returning, so all share it."""
    return scratch("columns", (int(np.prod(shape)),), dtype).reshape(shape)


def im2col(xt, kernel, out, stride, dilation, fresh=False):
    """Columns (C, kh, kw, Ho, Wo, N) of a batch-last padded input xt (C, Hp, Wp, N), in the
    shared buffer, or in a fresh array that the caller may keep."""
    c, n = xt.shape[0], xt.shape[-1]
    shape = (c, *kernel, *out, n)
    cols = np.empty(shape, xt.dtype) if fresh else columns(shape, xt.dtype)
    sc, sh, sw, sn = xt.strides
    # all k*k shifted windows as one read-only view (no Python loop): one copy
    windows = np.lib.stride_tricks.as_strided(
        xt, shape, (sc, dilation[0] * sh, dilation[1] * sw, stride[0] * sh, stride[1] * sw, sn),
        writeable=False)
    np.copyto(cols, windows)
    return cols


def _landing(count, size, offset, step, pad):
    """Input positions a in [lo, hi) whose target a*step + offset - pad lies in [0, size),
    and the first target."""
    lo = max(0, -((offset - pad) // step))                       # ceil((pad - offset) / step)
    hi = min(count, -((offset - pad - size) // step))            # ceil((size + pad - offset) / step)
    return lo, hi, lo * step + offset - pad


def col2im(cols, size, stride, dilation, padding):
    """Add columns (C, kh, kw, Hi, Wi, N) back into a fresh (C, *size, N): column (i, j, a, b)
    lands at (a*s + i*d - p, b*s + j*d - p); overlaps add, what lands in the padding is dropped."""
    c, kh, kw, hi, wi, n = cols.shape
    acc = np.zeros((c, *size, n), cols.dtype)

    for i, j in offsets((kh, kw)):
        a0, a1, r = _landing(hi, size[0], i * dilation[0], stride[0], padding[0])
        b0, b1, q = _landing(wi, size[1], j * dilation[1], stride[1], padding[1])
        if a1 > a0 and b1 > b0:
            acc[:, strided(r, a1 - a0, stride[0]), strided(q, b1 - b0, stride[1])] \
                += cols[:, i, j, a0:a1, b0:b1]
    return acc


def cols_fit(x, kernel, out):
    """Whether the columns of x (N, C, H, W) fit KEEP_LIMIT."""
    n, c = x.shape[:2]
    return c * kernel[0] * kernel[1] * out[0] * out[1] * n * x.itemsize <= KEEP_LIMIT


def bands(kernel, out, n, channels, itemsize):
    """Output rows per band of columns: all of them unless BANDED and the columns are
    larger than KEEP_LIMIT."""
    row = channels * kernel[0] * kernel[1] * out[1] * n * itemsize
    if not BANDED or row * out[0] <= max(KEEP_LIMIT, BAND_BYTES):
        return out[0]
    return max(1, BAND_BYTES // row)


def band_columns(xt, kernel, out, stride, dilation, a0, a1):
    """Columns of output rows a0 .. a1 (shared buffer): im2col of the input rows they read."""
    top = a0 * stride[0]
    bottom = (a1 - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1
    return im2col(xt[:, top:bottom], kernel, (a1 - a0, out[1]), stride, dilation)


def conv2d(x, w, stride, padding, dilation, groups, out, keep=False):
    """y[n, o] = sum_{c, i, j} w[o, c, i, j] x_pad[n, c, a*s + i*d, b*s + j*d]; y: (N, O, *out).

    keep: return (y, saved) for the weight gradient, conv2d_weight(..., **saved): x's
    columns ({"cols": ...}) when they fit KEEP_LIMIT, else x's padded batch-last copy
    ({"padded": ...}; None when that is x's own memory), each in a fresh array."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    if groups == 1 and x.dtype == w.dtype and positions.fits(n, o, cg * kh * kw, out[0] * out[1]):
        xt = batch_last(x, padding, "conv2d", fresh=keep)
        y = positions.correlate_rows(xt, w.reshape(o, -1), (kh, kw), out, stride, dilation,
                                     np.empty((o, *out, n), x.dtype))
        if not keep:
            return batch_first(y)
        return batch_first(y), (None if np.may_share_memory(xt, x) else {"padded": xt})
    rows = bands((kh, kw), out, n, x.shape[1], x.itemsize)
    whole = cols_fit(x, (kh, kw), out)
    xt = batch_last(x, padding, "conv2d", fresh=keep and not whole)
    y = np.empty((o, *out, n), np.result_type(x.dtype, w.dtype))  # the output
    wg = w.reshape(groups, o // groups, cg * kh * kw)
    if keep and whole:
        rows = out[0]
    if rows >= out[0]:
        cols = im2col(xt, (kh, kw), out, stride, dilation, fresh=keep and whole)
        long_matmul(wg, cols.reshape(groups, cg * kh * kw, -1), y.reshape(groups, o // groups, -1))
    else:
        for a0 in range(0, out[0], rows):
            a1 = min(out[0], a0 + rows)
            cols = band_columns(xt, (kh, kw), out, stride, dilation, a0, a1)
            long_matmul(wg, cols.reshape(groups, cg * kh * kw, -1),
                        y[:, a0:a1].reshape(groups, o // groups, -1))
    y = batch_first(y)
    if not keep:
        return y
    if whole:
        return y, {"cols": cols}
    return y, (None if np.may_share_memory(xt, x) else {"padded": xt})


def conv2d_weight(x, g, kernel_size, stride, padding, dilation, groups, cols=None, padded=None):
    """dW[o, c, i, j] = sum_{n, a, b} g[n, o, a, b] x_pad[n, c, a*s + i*d, b*s + j*d]:
    the correlation of the input maps with the upstream maps; (O, C/groups, kh, kw).
    cols / padded: x's columns for this geometry, or x's padded batch-last copy, when the
    forward kept them."""
    o, out = g.shape[1], g.shape[2:]
    c, kernel = x.shape[1], kernel_size
    cg = c // groups
    gt = batch_last(g, (0, 0), "weight.g")
    taps = cg * kernel[0] * kernel[1]
    if cols is not None:
        dw = correlate(gt.reshape(groups, o // groups, -1), cols.reshape(groups, taps, -1))
        return dw.reshape(o, cg, *kernel)
    xt = batch_last(x, padding, "weight.x") if padded is None else padded
    rows = bands(kernel, out, x.shape[0], c, xt.itemsize)
    dw = 0
    for a0 in range(0, out[0], rows):
        a1 = min(out[0], a0 + rows)
        cols = band_columns(xt, kernel, out, stride, dilation, a0, a1)
        dw = dw + correlate(gt[:, a0:a1].reshape(groups, o // groups, -1),
                            cols.reshape(groups, taps, -1))
    return dw.reshape(o, cg, *kernel)


@functools.lru_cache(maxsize=256)
def piece_length(m, k, length, work=SINGLE_THREAD_WORK):
    """Length of the one-thread pieces of a long GEMM dimension, or 0 for one whole GEMM
    (m*k too large for pieces of at least MIN_PIECE, or no divisor of length fits)."""
    top = min(work // (m * k), length // 2)
    for c in range(top, MIN_PIECE - 1, -1):
        if length % c == 0:
            return c
    return 0


def long_matmul(a, b, out, work=SINGLE_THREAD_WORK):
    """out[G, m, l] = a[G, m, k] @ b[G, k, l] for a very long l, in one-thread pieces of l
    of at most ``work`` multiply-adds when m and k are small (see SINGLE_THREAD_WORK); one
    product when work is 0."""
    groups, m, k = a.shape
    length = b.shape[-1]
    c = piece_length(m, k, length, work) if work else 0
    if not c:
        return np.matmul(a, b, out=out)
    pieces = length // c
    bp = b.reshape(groups, k, pieces, c).transpose(0, 2, 1, 3)
    op = out.reshape(groups, m, pieces, c).transpose(0, 2, 1, 3)
    # one-thread products: the kernel threads take a share of the pieces each
    threads.run([(lambda i=i, j=j: np.matmul(a[:, None], bp[:, i:j], out=op[:, i:j]))
                 for i, j in threads.spans(pieces, _parts(m * k * length))])
    return out


def _parts(work):
    """Kernel threads for ``work`` multiply-adds of one-thread products (one when small:
    handing work to a thread costs 15-100 us on a VM whose idle core must wake)."""
    return threads.threads() if work >= parallel.PARALLEL_WORK else 1


def correlate(g, cols):
    """sum_l g[G, m, l] cols[G, p, l] -> (G, m, p), for a very long l (every output position
    of every image). Computed as cols @ g^T: OpenBLAS is ~1.5x faster in that orientation
    when the result is tiny and l is huge; in one-thread pieces of l when m and p are small
    (pieces that need two threads were 3-6x slower on a loaded machine)."""
    groups, m, length = g.shape
    p = cols.shape[1]
    c = piece_length(m, p, length)
    if not c:
        return np.matmul(cols, g.transpose(0, 2, 1)).transpose(0, 2, 1)
    pieces = length // c
    cp = cols.reshape(groups, p, pieces, c).transpose(0, 2, 1, 3)
    gp = g.reshape(groups, m, pieces, c).transpose(0, 2, 3, 1)
    spans = threads.spans(pieces, _parts(m * p * length))
    sums = [None] * len(spans)

    def part(k, i, j):      # (G, p, m): the products of pieces i..j, summed
        sums[k] = np.matmul(cp[:, i:j], gp[:, i:j]).sum(axis=1)
    threads.run([(lambda k=k, i=i, j=j: part(k, i, j)) for k, (i, j) in enumerate(spans)])
    return sum(sums[1:], sums[0]).transpose(0, 2, 1)


def conv_transpose2d(x, w, stride, padding, output_padding, groups, dilation):
    """Each input pixel adds w[c_in] (scaled by it) into the output at (a*s + i*d - p):
    a zero-inserted (upsampled) input convolved with the flipped filter. w: (C_in, C_out/g, kh, kw)."""
    n, cin, h, wd = x.shape
    _, cog, kh, kw = w.shape
    xt = batch_last(x, (0, 0), "transpose")
    if stride == (1, 1) and output_padding == (0, 0) and cin > groups:
        return batch_first(_transpose_shifted(xt, w, groups, dilation, padding))
    length = h * wd * n
    dtype = np.result_type(x.dtype, w.dtype)
    cols = columns((groups, cog * kh * kw, length), dtype)
    wt = w.reshape(groups, cin // groups, cog * kh * kw).transpose(0, 2, 1)
    if cin == groups:      # one input channel per group (avg-pool's backward): an outer product
        np.multiply(wt, xt.reshape(groups, 1, length), out=cols)
    else:
        long_matmul(wt, xt.reshape(groups, cin // groups, length), cols)
    cols = cols.reshape(cog * groups, kh, kw, h, wd, n)
    size = tuple((m - 1) * s + d * (k - 1) + 1 + extra - 2 * p for m, s, d, k, extra, p in
                 zip((h, wd), stride, dilation, (kh, kw), output_padding, padding))
    return batch_first(col2im(cols, size, stride, dilation, padding))


def _transpose_shifted(xt, w, groups, dilation, padding):
    """Stride-1 conv_transpose2d of a batch-last xt (C_in, H, W, N) -> (C_out, Ho, Wo, N)
    without col2im (whose k*k strided adds cost more than the GEMM).

    The sum over kernel columns j joins the GEMM's inner dimension: the input is copied kw
    times, shifted right by j*d within rows of the full output width Wf = W + d(kw-1)
    (zeros elsewhere), so one GEMM gives every (c, i) its full-width rows
    R[c, i, a, w] = sum_{c_in, j} w[c_in, c, i, j] x[c_in, a, w - j*d]. Kernel row i then
    adds R[c, i] to rows i*d .. i*d + H of the output: kh contiguous adds. The result is
    the full output cropped by the padding (a view). When BANDED and the shifted copies are
    larger than KEEP_LIMIT, this runs a band of input rows at a time (copies, GEMM and adds
    in cache: 16x32x32 -> 32@3x3 input gradient 15.4 -> 9.7 ms on one thread)."""
    cin, h, wd, n = xt.shape
    _, cog, kh, kw = w.shape
    dh, dw = dilation
    full_h, full_w = h + dh * (kh - 1), wd + dw * (kw - 1)
    cig = cin // groups
    a = (w.reshape(groups, cig, cog, kh, kw).transpose(0, 2, 3, 1, 4)
         .reshape(groups, cog * kh, cig * kw))
    row = full_w * n
    dtype = np.result_type(xt.dtype, w.dtype)
    acc = np.zeros((groups * cog, full_h * row), dtype)
    per_row = cin * kw * row * xt.itemsize
    band = h if not BANDED or per_row * h <= max(KEEP_LIMIT, BAND_BYTES) else max(1, BAND_BYTES // per_row)
    # unwritten entries stay zero: the key holds everything that decides where writes land
    shifted = scratch(("transpose.shifted", wd, dw), (cin, kw, band, full_w, n), xt.dtype, 0.0)
    # a large input gradient (the wide conv's) runs its products as one-thread pieces shared
    # over the kernel threads, like the forward by positions: BLAS's own threads would be
    # left spinning beside the kernel threads (a step measured 22-28 ms that way, 38-50 ms
    # with BLAS's threads here); a small one (LeNet's) takes BLAS's threads, measured faster;
    # on one thread, small one-thread pieces stay in cache (LeNet conv1's input gradient:
    # 1.2 ms as one product, 0.7 ms in pieces)
    work = groups * cog * kh * cig * kw * h * row
    if threads.threads() == 1:
        pieces = SINGLE_THREAD_WORK
    else:
        pieces = parallel.PIECE_WORK if work >= parallel.PARALLEL_WORK else 0
    for r0 in range(0, h, band):      # one band of input rows (all of them unless BANDED)
        r = min(h, r0 + band) - r0
        part = shifted[:, :, :r]
        for j in range(kw):
            part[:, j, :, j * dw:j * dw + wd] = xt[:, r0:r0 + r]
        if band == h:
            rows = np.empty((groups, cog * kh, h * row), dtype)
            long_matmul(a, shifted.reshape(groups, cig * kw, h * row), rows, work=pieces)
        else:
            rows = scratch("transpose.rows", (groups, cog * kh, band * row), dtype)[..., :r * row]
            long_matmul(a, part.reshape(groups, cig * kw, r * row), rows, work=pieces)
        rows = rows.reshape(groups * cog, kh, r * row)
        for i in range(kh):
            acc[:, (r0 + i * dh) * row:(r0 + i * dh + r) * row] += rows[:, i]
    full = acc.reshape(groups * cog, full_h, full_w, n)
    ph, pw = padding
    return full[:, ph:full_h - ph, pw:full_w - pw]


# ---------------------------------------------------------------- attached to the ops

def _forward(x, w, stride, padding, dilation, groups, record):
    """conv2d's forward; when its node is recorded, also what the weight gradient can reuse:
    x's columns up to KEEP_LIMIT (building them again costs as much as the GEMM), else x's
    padded batch-last copy (fresh pages for larger columns would cost more than rebuilding)."""
    out = out_size("conv2d", x.shape[-2:], w.shape[-2:], stride, padding, dilation)
    if not record:
        return conv2d(x, w, stride, padding, dilation, groups, out), None
    return conv2d(x, w, stride, padding, dilation, groups, out, keep=True)


def _joint(needs, g, out, x, w, stride, padding, dilation, groups, saved=None):
    """conv2d's two rules at once: the upstream is laid out batch-last once and both
    kernels read it without a copy; the weight gradient reuses the forward's columns."""
    g = laid_batch_last(g)
    dx = dw = None
    if needs[0]:
        dx = _input_grad(g, x, w, stride, padding, dilation, groups)
    if needs[1]:
        o, cg, kh, kw = w.shape
        if (groups == 1 and g.dtype == x.dtype
                and positions.fits(x.shape[0], o, cg * kh * kw, g.shape[2] * g.shape[3])):
            xt = (saved or {}).get("padded")
            if xt is None:
                xt = batch_last(x, padding, "weight.x")
            dw = positions.weight_rows(xt, g.transpose(1, 2, 3, 0), (kh, kw), g.shape[-2:], stride,
                                       dilation).reshape(w.shape)
        else:
            dw = conv2d_weight(x, g, w.shape[-2:], stride, padding, dilation, groups, **(saved or {}))
    return dx, dw


def _input_grad(g, x, w, stride, padding, dilation, groups):
    """dX of conv2d: by output positions (positions.py) for a stride-1 conv of a batch
    large enough to share over the kernel threads, else the lesson's rule (conv_transpose2d's
    kernel). On two threads the positions measured faster for every channel count they
    take (fwd+bwd, batch 64, 32x32 maps: 16 -> 32 channels 33.4 -> 30.1 ms, 8 -> 32
    24.6 -> 20.8 ms, 4 -> 64 33.8 -> 32.1 ms); on one thread the transposed conv is faster
    below ~64 channels, and the positions do not run there."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    q = positions.full_padding((kh, kw), padding, dilation)
    if (stride == (1, 1) and groups == 1 and q is not None and g.dtype == w.dtype == x.dtype
            and positions.fits(n, c, o * kh * kw, h * wd)):
        gt = batch_last(g, q, "positions.g")
        dx = positions.correlate_rows(gt, positions.flipped(w), (kh, kw), (h, wd), (1, 1), dilation,
                                      np.empty((c, h, wd, n), x.dtype))
        return batch_first(dx)
    return lesson._conv_grad_x(g, None, x, w, stride, padding, dilation, groups)


def _without_saved(rule):
    """A declared rule, given the kernel's saved columns along with the rest: it ignores them."""
    return lambda g, out, x, w, saved=None, **geometry: rule(g, out, x, w, **geometry)


def attach(attachments: Attachments):
    attachments.set(lesson.CONV2D, "forward", _forward)
    attachments.set(lesson.CONV2D, "saves", True)
    attachments.set(lesson.CONV2D, "backward", tuple(_without_saved(r) for r in lesson.CONV2D.backward))
    attachments.set(lesson.CONV2D, "joint", _joint)
    attachments.set(lesson.CONV2D_WEIGHT, "forward", conv2d_weight)
    attachments.set(lesson.CONV_TRANSPOSE2D, "forward", conv_transpose2d)

