"""Numpy kernels behind the conv primitives (raw arrays in, fresh arrays out).

Layout trick: the work happens in a batch-last layout (C, H, W, N). A kernel offset (i, j)
then selects rows of Wo*N contiguous numbers, so building columns (im2col) and adding
them back (col2im) are k*k long, cheap copies/adds instead of millions of short rows, and
every matmul is one large GEMM per group. The only Python loop is over kernel offsets.

Results are returned as (N, C, H, W) *views* of batch-last memory: same values and shape
as torch, no transpose copy. Elementwise numpy ops keep that memory order, so the next
conv, pool or activation reads it contiguously.
"""

from __future__ import annotations

import numpy as np

from .windows import offsets, scratch, strided


def batch_last(x, padding=(0, 0), tag="x"):
    """x (N, C, H, W) -> (C, H + 2ph, W + 2pw, N), zero-padded; a reused buffer, or x's own
    memory when it already lies batch-last and needs no padding (callers only read it)."""
    n, c, h, w = x.shape
    ph, pw = padding
    if not ph and not pw:
        view = x.transpose(1, 2, 3, 0)
        if view.flags.c_contiguous:
            return view
    buf = scratch(("batch_last", tag), (c, h + 2 * ph, w + 2 * pw, n), x.dtype,
                  0.0 if ph or pw else None, extra=(ph, pw))
    buf[:, ph:ph + h, pw:pw + w, :] = x.transpose(1, 2, 3, 0)
    return buf


def batch_first(y):
    """View a batch-last y (C, H, W, N) as (N, C, H, W), without moving data."""
    return y.transpose(3, 0, 1, 2)


def columns(shape, dtype):
    """The one column buffer (often the largest array of a conv): every kernel fills it
    and is done with it before returning, so all share it."""
    return scratch("columns", (int(np.prod(shape)),), dtype).reshape(shape)


def im2col(xt, kernel, out, stride, dilation):
    """Columns (C, kh, kw, Ho, Wo, N) of a batch-last padded input xt (C, Hp, Wp, N)."""
    c, n = xt.shape[0], xt.shape[-1]
    cols = columns((c, *kernel, *out, n), xt.dtype)
    for i, j in offsets(kernel):
        cols[:, i, j] = xt[:, strided(i * dilation[0], out[0], stride[0]),
                           strided(j * dilation[1], out[1], stride[1])]
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


def conv2d(x, w, stride, padding, dilation, groups, out):
    """y[n, o] = sum_{c, i, j} w[o, c, i, j] x_pad[n, c, a*s + i*d, b*s + j*d]; y: (N, O, *out)."""
    n = x.shape[0]
    o, cg, kh, kw = w.shape
    xt = batch_last(x, padding, "conv2d")
    cols = im2col(xt, (kh, kw), out, stride, dilation)
    length = out[0] * out[1] * n
    y = np.matmul(w.reshape(groups, o // groups, cg * kh * kw),
                  cols.reshape(groups, cg * kh * kw, length))        # fresh: it is the output
    return batch_first(y.reshape(o, *out, n))


def conv2d_weight(x, g, kernel_size, stride, padding, dilation, groups):
    """dW[o, c, i, j] = sum_{n, a, b} g[n, o, a, b] x_pad[n, c, a*s + i*d, b*s + j*d]:
    the correlation of the input maps with the upstream maps; (O, C/groups, kh, kw)."""
    o, out = g.shape[1], g.shape[2:]
    c, kernel = x.shape[1], kernel_size
    xt = batch_last(x, padding, "weight.x")
    cols = im2col(xt, kernel, out, stride, dilation)
    gt = batch_last(g, (0, 0), "weight.g")
    length = gt[0].size
    cg = c // groups
    dw = correlate(gt.reshape(groups, o // groups, length),
                   cols.reshape(groups, cg * kernel[0] * kernel[1], length))
    return dw.reshape(o, cg, *kernel)


def correlate(g, cols):
    """sum_l g[G, m, l] cols[G, p, l] -> (G, m, p), for a very long l (every output position
    of every image). Computed as cols @ g^T: OpenBLAS is ~1.5x faster in that orientation
    when the result is tiny and l is huge. One GEMM per group, not pieces of l: on a loaded
    machine every extra multi-threaded BLAS call can wait a scheduler slice for its second
    thread (8 pieces measured 3-6x slower under load, and no faster when idle)."""
    return np.matmul(cols, g.transpose(0, 2, 1)).transpose(0, 2, 1)


def conv_transpose2d(x, w, stride, padding, output_padding, groups, dilation):
    """Each input pixel adds w[c_in] (scaled by it) into the output at (a*s + i*d - p):
    a zero-inserted (upsampled) input convolved with the flipped filter. w: (C_in, C_out/g, kh, kw)."""
    n, cin, h, wd = x.shape
    _, cog, kh, kw = w.shape
    xt = batch_last(x, (0, 0), "transpose")
    length = h * wd * n
    dtype = np.result_type(x.dtype, w.dtype)
    cols = columns((groups, cog * kh * kw, length), dtype)
    wt = w.reshape(groups, cin // groups, cog * kh * kw).transpose(0, 2, 1)
    if cin == groups:      # one input channel per group (avg-pool's backward): an outer product
        np.multiply(wt, xt.reshape(groups, 1, length), out=cols)
    else:
        np.matmul(wt, xt.reshape(groups, cin // groups, length), out=cols)
    cols = cols.reshape(cog * groups, kh, kw, h, wd, n)
    size = tuple((m - 1) * s + d * (k - 1) + 1 + op - 2 * p for m, s, d, k, op, p in
                 zip((h, wd), stride, dilation, (kh, kw), output_padding, padding))
    return batch_first(col2im(cols, size, stride, dilation, padding))
