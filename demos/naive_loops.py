"""The lectures' loops: convolution, pooling and resampling, forward and backward, one
number at a time. Slow on purpose; they are the reference the fast primitives in
autograd.conv / autograd.pool / autograd.sampling are tested against.

Every function works on float arrays and on object arrays of Values (autograd.expand), so
the same loops also run as a graph of scalar gates. Layouts follow PyTorch: x (N, C, H, W),
conv weights (O, C/groups, kH, kW), transposed-conv weights (C_in, C_out/groups, kH, kW).

The lecture's picture, for one channel, stride 1, no padding:
    forward     O  = X (correlate) F
    weight      dF = X (correlate) dO           (correlation of input with upstream)
    input       dX = pad(dO, k-1) (correlate) rot180(F)   (full convolution)
"""

from __future__ import annotations

import numpy as np


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def _zeros(shape, like):
    """Zeros that can hold whatever ``like`` holds (floats or Values)."""
    if np.asarray(like).dtype == object:
        out = np.empty(shape, dtype=object)
        out.fill(0.0)
        return out
    return np.zeros(shape)


def _pad(x, padding, fill=0.0):
    """Surround the last two axes with ``padding`` rows/cols of ``fill``."""
    ph, pw = _pair(padding)
    n, c, h, w = x.shape
    out = np.empty((n, c, h + 2 * ph, w + 2 * pw), dtype=object if x.dtype == object else float)
    out.fill(fill)
    out[:, :, ph:ph + h, pw:pw + w] = x
    return out


def _number(v):
    return float(v)   # a float, or a Value's data


# ---------------------------------------------------------------- convolution

def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """out[n, o, a, b] = bias[o] + sum_{c, i, j} w[o, c, i, j] * x_pad[n, c, a*s + i*d, b*s + j*d]."""
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    xp = _pad(x, padding)
    n_, _, hp, wp = xp.shape
    c_out, cg, kh, kw = w.shape
    og = c_out // groups
    ho = (hp - dh * (kh - 1) - 1) // sh + 1
    wo = (wp - dw * (kw - 1) - 1) // sw + 1
    out = _zeros((n_, c_out, ho, wo), x)
    for n in range(n_):
        for o in range(c_out):
            first = (o // og) * cg          # the group's first input channel
            for a in range(ho):
                for bb in range(wo):
                    total = b[o] if b is not None else 0.0
                    for c in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                total = total + w[o, c, i, j] * xp[n, first + c, a * sh + i * dh,
                                                                   bb * sw + j * dw]
                    out[n, o, a, bb] = total
    return out


def conv2d_backward(x, w, dout, stride=1, padding=0, dilation=1, groups=1):
    """(dx, dw, db): every product w * x in the forward sends dout to both factors
    (swap multiplier) and every use of a weight adds up (the weight is shared)."""
    (sh, sw), (dh, dw_) = _pair(stride), _pair(dilation)
    ph, pw = _pair(padding)
    xp = _pad(x, padding)
    n_, _, hp, wp = xp.shape
    c_out, cg, kh, kw = w.shape
    og = c_out // groups
    _, _, ho, wo = dout.shape
    dxp = _zeros(xp.shape, x)
    dw = _zeros(w.shape, x)
    db = _zeros((c_out,), x)
    for n in range(n_):
        for o in range(c_out):
            first = (o // og) * cg
            for a in range(ho):
                for bb in range(wo):
                    up = dout[n, o, a, bb]
                    db[o] += up
                    for c in range(cg):
                        for i in range(kh):
                            for j in range(kw):
                                r, s = a * sh + i * dh, bb * sw + j * dw_
                                dxp[n, first + c, r, s] += w[o, c, i, j] * up
                                dw[o, c, i, j] += xp[n, first + c, r, s] * up
    dx = dxp[:, :, ph:hp - ph, pw:wp - pw]
    return dx, dw, db


def conv_transpose2d_forward(x, w, b=None, stride=1, padding=0, output_padding=0, groups=1,
                             dilation=1):
    """Each input pixel stamps a scaled copy of its filter into the output:
    out_full[n, co, a*s + i*d, b*s + j*d] += x[n, ci, a, b] * w[ci, co, i, j]; then crop."""
    (sh, sw), (dh, dw) = _pair(stride), _pair(dilation)
    ph, pw = _pair(padding)
    oph, opw = _pair(output_padding)
    n_, c_in, h, wd = x.shape
    _, cog, kh, kw = w.shape
    cig = c_in // groups
    full_h = (h - 1) * sh + dh * (kh - 1) + 1 + oph
    full_w = (wd - 1) * sw + dw * (kw - 1) + 1 + opw
    full = _zeros((n_, cog * groups, full_h, full_w), x)
    for n in range(n_):
        for ci in range(c_in):
            first = (ci // cig) * cog       # the group's first output channel
            for a in range(h):
                for bb in range(wd):
                    for co in range(cog):
                        for i in range(kh):
                            for j in range(kw):
                                full[n, first + co, a * sh + i * dh, bb * sw + j * dw] += \
                                    x[n, ci, a, bb] * w[ci, co, i, j]
    out = full[:, :, ph:full_h - ph, pw:full_w - pw]
    if b is not None:
        for co in range(out.shape[1]):
            out[:, co] = out[:, co] + b[co]
    return out


# ---------------------------------------------------------------- pooling

def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """(out, where): out is each window's max; where[n, c, a, b] = (row, col) of the first
    max in the unpadded input: the router's switch, remembered for backward."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride if stride is not None else kernel_size)
    ph, pw = _pair(padding)
    xp = _pad(x, padding, fill=float("-inf"))
    n_, c_, hp, wp = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = np.empty((n_, c_, ho, wo), dtype=object if x.dtype == object else float)
    where = np.zeros((n_, c_, ho, wo, 2), dtype=int)
    for n in range(n_):
        for c in range(c_):
            for a in range(ho):
                for b in range(wo):
                    best, at = None, None
                    for i in range(kh):
                        for j in range(kw):
                            v = xp[n, c, a * sh + i, b * sw + j]
                            if best is None or _number(v) > _number(best):
                                best, at = v, (a * sh + i - ph, b * sw + j - pw)
                    out[n, c, a, b] = best     # the winner itself (for Values: the same node)
                    where[n, c, a, b] = at
    return out, where


def max_pool2d_backward(dout, x_shape, where):
    """Router: each upstream number goes to its window's winner; overlaps add (+=)."""
    dx = _zeros(x_shape, dout)
    n_, c_, ho, wo = dout.shape
    for n in range(n_):
        for c in range(c_):
            for a in range(ho):
                for b in range(wo):
                    r, s = where[n, c, a, b]
                    dx[n, c, r, s] += dout[n, c, a, b]
    return dx


def avg_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Mean of each window; padded zeros count (torch's count_include_pad=True)."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride if stride is not None else kernel_size)
    xp = _pad(x, padding)
    n_, c_, hp, wp = xp.shape
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    out = _zeros((n_, c_, ho, wo), x)
    for n in range(n_):
        for c in range(c_):
            for a in range(ho):
                for b in range(wo):
                    total = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            total = total + xp[n, c, a * sh + i, b * sw + j]
                    out[n, c, a, b] = total * (1.0 / (kh * kw))
    return out


def avg_pool2d_backward(dout, x_shape, kernel_size, stride=None, padding=0):
    """Distributor: each upstream number, divided by K^2, goes to every element of its
    window; overlaps add."""
    kh, kw = _pair(kernel_size)
    sh, sw = _pair(stride if stride is not None else kernel_size)
    ph, pw = _pair(padding)
    n_, c_, h, w = x_shape
    dxp = _zeros((n_, c_, h + 2 * ph, w + 2 * pw), dout)
    _, _, ho, wo = dout.shape
    for n in range(n_):
        for c in range(c_):
            for a in range(ho):
                for b in range(wo):
                    share = dout[n, c, a, b] * (1.0 / (kh * kw))
                    for i in range(kh):
                        for j in range(kw):
                            dxp[n, c, a * sh + i, b * sw + j] += share
    return dxp[:, :, ph:ph + h, pw:pw + w]


# ---------------------------------------------------------------- resampling

def downsample(x, factor):
    """Keep rows/cols 0, f, 2f, ... of the last two axes."""
    fh, fw = _pair(factor)
    *lead, h, w = x.shape
    ho, wo = (h + fh - 1) // fh, (w + fw - 1) // fw
    out = _zeros((*lead, ho, wo), x)
    for idx in np.ndindex(*lead):
        for a in range(ho):
            for b in range(wo):
                out[(*idx, a, b)] = x[(*idx, a * fh, b * fw)]
    return out


def upsample(x, factor):
    """Put x[a, b] at (a*f, b*f) and zeros in between: (H-1)*f + 1 rows."""
    fh, fw = _pair(factor)
    *lead, h, w = x.shape
    out = _zeros((*lead, (h - 1) * fh + 1, (w - 1) * fw + 1), x)
    for idx in np.ndindex(*lead):
        for a in range(h):
            for b in range(w):
                out[(*idx, a * fh, b * fw)] = x[(*idx, a, b)]
    return out


# ---------------------------------------------------------------- one channel, as on the slides

def correlate2d(x, f):
    """Valid cross-correlation of one map with one filter: out[a, b] = sum x[a+i, b+j] f[i, j]."""
    kh, kw = f.shape
    h, w = x.shape
    out = _zeros((h - kh + 1, w - kw + 1), x)
    for a in range(h - kh + 1):
        for b in range(w - kw + 1):
            total = 0.0
            for i in range(kh):
                for j in range(kw):
                    total = total + x[a + i, b + j] * f[i, j]
            out[a, b] = total
    return out


def full_convolve2d(g, f):
    """Full convolution: pad g with k-1 zeros on every side and correlate with the filter
    rotated by 180 degrees. This is dX for O = X (correlate) F."""
    kh, kw = f.shape
    gp = _pad(np.asarray(g)[None, None], (kh - 1, kw - 1))[0, 0]
    return correlate2d(gp, np.asarray(f)[::-1, ::-1])
