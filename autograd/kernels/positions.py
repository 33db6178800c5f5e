"""Serves conv2d (autograd/ops/conv.py, through kernels/conv.py) and its input gradient on
a batch of images: one small matrix product per output position, the positions shared out
over the kernel threads.

In batch-last memory (C, H, W, N) the columns one output position reads -- every input
channel c and kernel offset (i, j), for all N images -- are K = C kh kw runs of N
consecutive numbers. Copied position by position into a (Wo, K, N) buffer (one output row
at a time), each position's columns form one compact K x N matrix, and
    y[:, a, b, :] = w (O x K) @ columns (K x N)
is a product small enough to sit in the first cache levels (16x32x32 -> 32@3x3, batch 64:
144 x 64 numbers, 36 KB): OpenBLAS runs it at ~85 GFLOP/s on one core where the one large
product over every position of every image (the columns streamed through memory, tens of
MB) reaches ~45. Each product is below OpenBLAS's size for threading, so it runs on the
calling thread: two kernel threads, each with its own rows, keep both cores busy without
BLAS threads waiting on each other.

The input gradient of a stride-1 conv is the same correlation, of the upstream padded by
(k - 1) d - p with the filter flipped and its channels swapped (the lesson's full
convolution with the flipped filter), so it runs through the same loop.

Every output is the same sum of the same products as one large product: the same numbers
up to the order BLAS adds in.
"""

from __future__ import annotations

import numpy as np

from . import parallel, threads
from .memory import scratch

MIN_BATCH = 16          # fewer images: products too small to pay for their call
MIN_WORK = 2048         # O K below this (LeNet's conv1: 6 x 25): the calls cost more than
                        # the arithmetic; one large product in pieces does better there


def fits(n, o, k, positions):
    """Whether a batch of n images, o outputs per position from k columns, at ``positions``
    output positions, runs here: products small enough for one thread (O K N up to
    parallel.PIECE_WORK), and enough of them (parallel.PARALLEL_WORK) to share over the
    kernel threads. Smaller convs (LeNet's) take one large product on BLAS's threads
    (conv.py), which on two cores measured faster."""
    return (n >= MIN_BATCH and o * k >= MIN_WORK and o * k * n <= parallel.PIECE_WORK
            and o * k * n * positions >= parallel.PARALLEL_WORK and threads.threads() > 1)


def correlate_rows(xt, wk, kernel, out, stride, dilation, y):
    """y (O, Ho, Wo, N) = the correlation of a padded batch-last xt (C, Hp, Wp, N) with
    wk (O, C kh kw): y[o, a, b, n] = sum_{c,i,j} wk[o, (c,i,j)] xt[c, a s + i d, b s + j d, n]."""
    c, _, _, n = xt.shape
    kh, kw = kernel
    ho, wo = out
    k = c * kh * kw
    windows = _windows(xt, kernel, out, stride, dilation)

    def rows(a0, a1):
        cols = scratch("positions.columns", (wo, k, n), xt.dtype)
        laid = cols.reshape(wo, c, kh, kw, n)
        for a in range(a0, a1):
            np.copyto(laid, windows[a])
            np.matmul(wk, cols, out=y[:, a].transpose(1, 0, 2))
    parts = threads.threads() if ho * wo * wk.shape[0] * k * n >= parallel.PARALLEL_WORK else 1
    threads.run([(lambda a0=a0, a1=a1: rows(a0, a1)) for a0, a1 in threads.spans(ho, parts)])
    return y


def _windows(xt, kernel, out, stride, dilation):
    """Every output row's columns as one read-only view (Ho, Wo, C, kh, kw, N) of a padded
    batch-last xt (C, Hp, Wp, N)."""
    c, _, _, n = xt.shape
    sc, sh, sw, sn = xt.strides
    return np.lib.stride_tricks.as_strided(
        xt, (*out, c, *kernel, n),
        (stride[0] * sh, stride[1] * sw, sc, dilation[0] * sh, dilation[1] * sw, sn), writeable=False)


def weight_rows(xt, gt, kernel, out, stride, dilation):
    """dW (O, C kh kw) = sum over positions (a, b) and images n of gt[o, a, b, n] times the
    columns of (a, b): one small product per position, (K x N) @ (N x O), each kernel thread
    summing its rows' products; xt (C, Hp, Wp, N) padded, gt (O, Ho, Wo, N), batch-last."""
    c, _, _, n = xt.shape
    o = gt.shape[0]
    ho, wo = out
    k = c * kernel[0] * kernel[1]
    windows = _windows(xt, kernel, out, stride, dilation)
    spans = threads.spans(ho, threads.threads() if ho * wo * o * k * n >= parallel.PARALLEL_WORK else 1)
    sums = [None] * len(spans)

    def rows(s, a0, a1):
        cols = scratch("positions.columns", (wo, k, n), xt.dtype)
        laid = cols.reshape(wo, c, *kernel, n)
        part = scratch("positions.weight", (wo, k, o), xt.dtype)
        total = np.zeros((k, o), xt.dtype)
        for a in range(a0, a1):
            np.copyto(laid, windows[a])
            np.matmul(cols, gt[:, a].transpose(1, 2, 0), out=part)
            total += part.sum(axis=0)
        sums[s] = total
    threads.run([(lambda s=s, a0=a0, a1=a1: rows(s, a0, a1)) for s, (a0, a1) in enumerate(spans)])
    return sum(sums[1:], sums[0]).T


def full_padding(kernel, padding, dilation):
    """The padding of the upstream for the input gradient of a stride-1 conv,
    (k - 1) d - p per axis (None when the conv's padding is larger than that)."""
    q = tuple((k - 1) * d - p for k, p, d in zip(kernel, padding, dilation))
    return q if min(q) >= 0 else None


def flipped(w):
    """w (O, C, kh, kw) -> (C, O kh kw): the filter flipped, input and output channels
    swapped, as the input gradient's correlation needs it."""
    o, c, kh, kw = w.shape
    return np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)).reshape(c, o * kh * kw)
