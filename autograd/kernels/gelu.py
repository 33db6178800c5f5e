"""Serves gelu (autograd/ops/activations.py), exact (approximate="none"), on float32 and
float64 arrays: the normal CDF Phi(x) and exp(-x^2 / 2) are computed once, block by block
on the kernel threads, for the output and for the slope the backward needs.

The lesson computes gelu(x) = 0.5 x (1 + erf(x / sqrt 2)) and, in backward, the slope
Phi(x) + x phi(x) with erf evaluated again. Here the forward also computes the slope, in
the block whose Phi and exp are still in cache, when the node is recorded, and saves it on
the node; the joint rule -- used for a plain backward -- multiplies the upstream by it:
the backward is one array pass instead of an erf and eleven. The declared rule stays the
one drawn and differentiated again (create_graph, steps).

Phi without erf. The lesson's 0.5 (1 + erf) cancels for x < 0 (in float32, at x = -4.6 the
CDF carries a 0.7% error and below -5.4 it is 0; in float64 the same from x = -8 on). Here
    Phi(x) = h         for x < 0,      h = 0.5 erfc(|x| / sqrt 2) = 0.5 exp(-x^2 / 2) R(|x|)
    Phi(x) = 1 - h     for x >= 0,
with R a rational function fitted for each float type (see _FITS) and evaluated as the
powers of |x| and one small matrix product. Measured against mpmath: float32 Phi within
1.4e-7 of the truth everywhere, gelu within 1.8e-6 relative for x > -3; float64 Phi
within 4.4e-16 (the lesson's: 1.1e-16 where it does not cancel), gelu within 1.3e-10 of the
lesson's for x > -5, where the lesson's own rounding is the larger part. So gelu agrees
with the lesson to the lesson's own rounding, and is the more accurate in the negative
tail. In float64, exp(-x^2 / 2) is computed exactly as the lesson's backward computes it
(x * x, times -0.5, numpy's exp), so the slope uses the same number; in float32 as a power
of 2, within a few units in the last place of it (see _GAUSS).

Work runs in blocks of 256 KiB per array (a block's temporaries stay in the core's caches,
so a pass costs a cache read instead of a memory read, and the ~20 numpy calls of a block
are few enough per element), the blocks shared out over the kernel threads.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops import activations as lesson
from . import parallel
from .attach import Attachments
from .memory import memory_order, scratch

_INV_SQRT2 = 1.0 / math.sqrt(2.0)                   # the lesson's constants
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# R(z) = erfc(z) exp(z^2) ~ P(z) / Q(z), ascending powers, fitted (weighted least squares
# with Lawson's iterations, in 60-digit arithmetic) so that h = 0.5 exp(-z^2) R(z) is close
# to Phi(-z sqrt 2) in absolute terms: exact where h is large, as loose as that allows where
# h is tiny. Past z_max, exp(-x^2 / 2) is 0 in that precision (or below its last digit).
#   float32: degree 3/4 on 0 <= z <= 10.5, h within 2e-9 (the lesson's Phi: 6e-8 at best)
#   float64: degree 6/7 on 0 <= z <= 8, h within 2.2e-17 (the lesson's: 1.1e-16)
_FITS = {
    np.dtype(np.float32): ((0.9999999999685947, 0.8118152179805164, 0.32692421460040405,
                            0.0510978883398811),
                           (1.0, 1.9401943774521435, 1.5161994093001485, 0.5740004196437696,
                            0.0910310447376951), 10.5),
    np.dtype(np.float64): ((1.0000000000000000423, 1.420592135157109056, 1.0178352413016173226,
                            0.43552071075178640341, 0.1157560352652280981, 0.017986846628045081427,
                            0.0012805922085799440932),
                           (1.0, 2.5489713022526363013, 2.8940413562869875025, 1.9043781617278406303,
                            0.78804606606479329994, 0.20628956014250088232, 0.031882077086733164154,
                            0.0022697488339334177361), 27.0),
}


def _coefficients(dtype):
    """(2 x k matrix of P's and Q's coefficients in |x| = z sqrt 2, P's halved; the largest
    |x| the fit covers) for float32 or float64."""
    p, q, z_max = _FITS[dtype]
    p = [0.5 * c * _INV_SQRT2 ** i for i, c in enumerate(p)]
    q = [c * _INV_SQRT2 ** i for i, c in enumerate(q)]
    return np.array([p + [0.0] * (len(q) - len(p)), q], dtype), dtype.type(z_max / _INV_SQRT2)


_PQ = {dtype: _coefficients(dtype) for dtype in _FITS}
# exp(-x^2 / 2) as (scale, function): function(x^2 scale). float32 takes 2^(-x^2 log2(e) / 2):
# numpy's float32 exp2 runs ~2x faster than its exp (14 against 31 us a block of 64K on the
# AVX-512 VM); the scaled argument's two roundings (the factor, the product) change the
# result by at most x^2 2^-24 relative: 5e-7 at |x| = 3, where the value is 0.011
_GAUSS = {np.dtype(np.float32): (-0.5 * math.log2(math.e), np.exp2),
          np.dtype(np.float64): (-0.5, np.exp)}
_LESSON_RULE = lesson.GELU.backward[0]
# a forward block's cost per element on one core (measured): float64's pays for two threads
# from 256K elements on, float32's (4 ns) would not: the threads' turns at the GIL between
# its short numpy calls cost more than the second core gives (1.1 -> 1.7 ms measured)
_NS = {np.dtype(np.float32): 4.0, np.dtype(np.float64): 10.0}
# 256 KiB of each array per block (float32: 65536 elements, float64: 32768). On one core,
# 256x1024 float32 forward+backward took 1.2-1.3 ms in blocks of 16K elements and 1.0 ms
# in blocks of 64K: each numpy call costs about a microsecond before its loop starts
BLOCK_BYTES = 2**18


def _block(dtype):
    return BLOCK_BYTES // dtype.itemsize


def _rational(x):
    """((P(a), Q(a)), a^2) for a = min(|x|, |x|_max) on one block: the powers of a, then one
    small matrix product (BLAS, one thread at this size) instead of two Horner loops of a
    dozen or more array passes. a^2 is a row of this thread's scratch powers: the caller
    reads it before the next block."""
    pq, a_max = _PQ[x.dtype]
    n, block = x.size, _block(x.dtype)
    powers = scratch("gelu.powers", (pq.shape[1], block), x.dtype, fill=1.0)[:, :n]
    a = np.abs(x, out=powers[1])                 # row 0 stays 1
    np.minimum(a, parallel.constant(a_max, x.dtype, block)[:n], out=a)
    np.multiply(a, a, out=powers[2])
    for k in range(3, pq.shape[1]):
        np.multiply(powers[k - 1], a, out=powers[k])
    return np.matmul(pq, powers), powers[2]


def _forward_block(x, out, slope=None):
    """gelu of one block (1-d) into ``out``; also its derivative Phi(x) + x phi(x) into
    ``slope`` when the node is recorded (its backward is then one product)."""
    cdf, pdf = scratch("gelu.cdf_pdf", (2, _block(x.dtype)), x.dtype)[:, :x.size]
    scale, power = _GAUSS[x.dtype]
    pq, square = _rational(x)
    if x.dtype == np.float32:
        # a^2 is x^2 up to |x|_max, past which both give 0 (2^-159 in float32): one pass less
        np.multiply(square, scale, out=pdf)
    else:                                       # the lesson's x * x, exactly (see above)
        np.multiply(x, x, out=pdf)              # may overflow to inf: exp(-inf) = 0, as it should
        pdf *= scale
    power(pdf, out=pdf)                         # exp(-x^2 / 2)
    p = np.divide(pq[0], pq[1], out=pq[0])
    p *= pdf                                    # h = Phi(-|x|); at x = 0 exactly 0.5
    # Phi(x) = h for x < 0, 1 - h for x >= 0: |[x >= 0] - h|, as h <= 0.5 (a masked copy or
    # np.where costs 4-8 arithmetic passes when the signs are mixed); exact for x < 0
    positive = np.greater_equal(x, 0, out=pq[1])
    np.subtract(positive, p, out=cdf)
    np.abs(cdf, out=cdf)
    np.multiply(x, cdf, out=out)
    if slope is not None:                       # cdf + x pdf / sqrt(2 pi), in the lesson's order
        np.multiply(x, pdf, out=slope)
        slope *= _INV_SQRT_2PI
        slope += cdf


def _layout(x):
    """(x's 1-d view in memory order, a function making an array shaped and laid out like x
    from such a 1-d array)."""
    flat = parallel.flat(x)
    if flat is None:
        x = np.ascontiguousarray(x)
        flat = x.reshape(-1)
    order = memory_order(x)
    laid_shape = tuple(x.shape[i] for i in order)
    inverse = np.argsort(order)
    return flat, lambda f: f.reshape(laid_shape).transpose(inverse)


def gelu(x, approximate="none", record=None):
    """gelu's forward: (output, what the joint rule reuses or None) as the core calls it,
    told whether the node is recorded; the output alone when called without ``record``, as
    the lesson's forward is called (tests, steps)."""
    if record is None:
        return gelu(x, approximate, record=False)[0]
    if (x.__class__ is not np.ndarray or approximate != "none" or x.size == 0
            or x.dtype not in (np.float32, np.float64)):
        return lesson._gelu(x, approximate), None
    xf, shaped = _layout(x)
    n = xf.size
    out = np.empty(n, x.dtype)
    slope = np.empty(n, x.dtype) if record else None
    with np.errstate(over="ignore"):           # x^2 (the kernel threads take the caller's state)
        parallel.blockwise(n, lambda i, j: _forward_block(
            xf[i:j], out[i:j], None if slope is None else slope[i:j]),
            block=_block(x.dtype), ns_per_element=_NS[x.dtype])
    return shaped(out), ({"slope": shaped(slope)} if record else None)


def _rule(g, out, x, approximate="none", saved=None):
    return _LESSON_RULE(g, out, x, approximate)


def joint(needs, g, out, x, approximate="none", saved=None):
    """gelu's rule for a plain backward: the upstream times the slope its forward saved,
    Phi(x) + x phi(x), the lesson's rule's formula (which evaluates erf again)."""
    if not needs[0]:
        return [None]
    if saved is None or g.__class__ is not np.ndarray or g.dtype != x.dtype or g.shape != x.shape:
        return [_LESSON_RULE(g, out, x, approximate)]
    _, shaped = _layout(x)
    return [shaped(np.multiply(parallel.flat_as(g, x), parallel.flat_as(saved["slope"], x)))]


def attach(attachments: Attachments):
    op = lesson.GELU
    attachments.set(op, "forward", gelu)
    attachments.set(op, "saves", True)
    attachments.set(op, "backward", (_rule,))
    attachments.set(op, "joint", joint)
