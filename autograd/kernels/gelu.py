"""Serves gelu (autograd/ops/activations.py), exact (approximate="none"), on float32 and
float64 arrays: forward and backward share the normal CDF Phi(x), and both run block by
block on the kernel threads.

The lesson computes gelu(x) = 0.5 x (1 + erf(x / sqrt 2)) and, in backward, the slope
Phi(x) + x phi(x) with erf evaluated again. Here the forward saves Phi(x) (and, in float32,
exp(-x^2 / 2) too) on the node, and the joint rule -- used for a plain backward -- reads
them: the backward is four or seven array passes instead of an erf and eleven. The declared
rule stays the one drawn and differentiated again (create_graph, steps).

Work runs in blocks of BLOCK elements (a block's temporaries stay in the core's cache, so
a pass costs a cache read instead of a memory read), the blocks shared out over the kernel
threads.

float64: erf is kernels/erf.py's (Cody's rational approximations, 1e-15 relative), and
every other operation is the lesson's, in the lesson's order: the same numbers.

float32: the lesson rounds erf to float32, then adds 1, which cancels for x < 0 (at
x = -4.6 the CDF carries a 0.7% error; below -5.4 it is 0). Here
    Phi(x) = h         for x < 0,      h = 0.5 erfc(|x| / sqrt 2) = 0.5 exp(-x^2 / 2) R(|x|)
    Phi(x) = 1 - h     for x >= 0,
with R(z sqrt 2) = erfc(z) exp(z^2) a rational function of degree 3/4 (fitted by weighted
least squares, Lawson iterations, in float64) that puts h within 2e-9 of Phi(-|x|) on
0 <= z <= 10.5 (past that exp(-x^2 / 2) is 0 in float32): exact where h is large, looser
where h is tiny and the lesson's own error is larger still. Evaluated in float32 (its
powers and one small matrix product), Phi is within 1.4e-7 of the truth everywhere (the
lesson's: 4.5e-8 at best, 3e-8 absolute where it cancels), and gelu within 1.8e-6
relative for x > -3. So float32 gelu agrees with the lesson to the lesson's own rounding.
exp(-x^2 / 2) is computed exactly as the lesson's backward computes it (x * x, times -0.5,
numpy's exp), so the slope uses the same number.
"""

from __future__ import annotations

import math

import numpy as np

from ..ops import activations as lesson
from . import erf as special
from . import parallel
from .attach import Attachments
from .memory import memory_order, scratch

_INV_SQRT2 = 1.0 / math.sqrt(2.0)                   # the lesson's constants
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

# R(z) = erfc(z) exp(z^2) ~ P(z) / Q(z), ascending powers, 0 <= z <= 10.5, fitted so that
# h = 0.5 exp(-z^2) R(z) is within 2e-9 of Phi(-z sqrt 2) (the float32 lesson's Phi is
# within 6e-8 at best): exact where h is large, as loose as that allows where h is tiny
_R_P = (0.9999999999685947, 0.8118152179805164, 0.32692421460040405, 0.0510978883398811)
_R_Q = (1.0, 1.9401943774521435, 1.5161994093001485, 0.5740004196437696, 0.0910310447376951)
_Z_MAX = 10.5
# in |x| = z sqrt 2, with P's coefficients halved: h = exp(-x^2/2) * P(|x|) / Q(|x|)
_P32 = tuple(np.float32(0.5 * c * _INV_SQRT2 ** i) for i, c in enumerate(_R_P))
_Q32 = tuple(np.float32(c * _INV_SQRT2 ** i) for i, c in enumerate(_R_Q))
_ABS_MAX = np.float32(_Z_MAX / _INV_SQRT2)
_PQ32 = np.array([_P32 + (np.float32(0),) * (len(_Q32) - len(_P32)), _Q32], np.float32)
_LESSON_RULE = lesson.GELU.backward[0]


def _rational(x):
    """(P(a), Q(a)) for a = min(|x|, _ABS_MAX) on one block: the powers of a, then one
    small matrix product (BLAS, one thread at this size) instead of two Horner loops of
    seven and nine array passes."""
    n = x.size
    powers = scratch("gelu.powers", (len(_Q32), parallel.BLOCK), np.float32, fill=1.0)[:, :n]
    a = np.abs(x, out=powers[1])                 # row 0 stays 1
    np.minimum(a, parallel.constant(_ABS_MAX, np.float32)[:n], out=a)
    np.multiply(a, a, out=powers[2])
    for k in range(3, len(_Q32)):
        np.multiply(powers[k - 1], a, out=powers[k])
    return np.matmul(_PQ32, powers)


def _forward32_block(x, out, cdf, pdf):
    """gelu of one float32 block; cdf = Phi(x), pdf = exp(-x^2 / 2) (1-d, same length)."""
    with np.errstate(over="ignore"):           # x^2 = inf: exp(-inf) = 0, as it should be
        np.multiply(x, x, out=pdf)
    pdf *= -0.5
    np.exp(pdf, out=pdf)
    pq = _rational(x)
    p = np.divide(pq[0], pq[1], out=pq[0])
    p *= pdf                                    # h = Phi(-|x|); at x = 0 exactly 0.5
    # Phi(x) = h for x < 0, 1 - h for x >= 0: h - (2h - 1) [x >= 0] (a masked copy or
    # np.where costs 4-8 arithmetic passes when the signs are mixed)
    positive = np.greater_equal(x, 0, out=pq[1])
    np.multiply(p, 2.0, out=cdf)
    cdf -= 1.0
    cdf *= positive
    np.subtract(p, cdf, out=cdf)
    np.multiply(x, cdf, out=out)


def _forward64_block(x, out, cdf):
    """The lesson's float64 gelu of one block, keeping 0.5 (1 + erf) as cdf."""
    e = special.erf(x * _INV_SQRT2)
    e += 1.0
    np.multiply(e, 0.5, out=cdf)
    np.multiply(x, 0.5, out=out)
    out *= e


def _slope_block(g, x, cdf, pdf, out):
    """out = g * (cdf + x * pdf / sqrt(2 pi)), pdf = exp(-x^2 / 2) (computed here when None),
    in the lesson's order."""
    if pdf is None:
        np.multiply(x, x, out=out)
        out *= -0.5
        np.exp(out, out=out)
        out *= x
    else:
        np.multiply(x, pdf, out=out)
    out *= _INV_SQRT_2PI
    out += cdf
    out *= g


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
    out, cdf = np.empty(n, x.dtype), np.empty(n, x.dtype)
    if x.dtype == np.float32:
        pdf = np.empty(n, x.dtype)
        parallel.blockwise(n, lambda i, j: _forward32_block(xf[i:j], out[i:j], cdf[i:j], pdf[i:j]))
    else:
        pdf = None
        parallel.blockwise(n, lambda i, j: _forward64_block(xf[i:j], out[i:j], cdf[i:j]))
    saved = {"cdf": shaped(cdf), "pdf": None if pdf is None else shaped(pdf)} if record else None
    return shaped(out), saved


def _rule(g, out, x, approximate="none", saved=None):
    return _LESSON_RULE(g, out, x, approximate)


def joint(needs, g, out, x, approximate="none", saved=None):
    """gelu's rule for a plain backward, from the CDF (and exp) its forward saved."""
    if not needs[0]:
        return [None]
    if saved is None or g.__class__ is not np.ndarray or g.dtype != x.dtype or g.shape != x.shape:
        return [_LESSON_RULE(g, out, x, approximate)]
    xf, shaped = _layout(x)
    cdf = parallel.flat_as(saved["cdf"], x)
    pdf = None if saved["pdf"] is None else parallel.flat_as(saved["pdf"], x)
    gf = parallel.flat_as(g, x)
    dx = np.empty(xf.size, x.dtype)
    parallel.blockwise(xf.size, lambda i, j: _slope_block(
        gf[i:j], xf[i:j], cdf[i:j], None if pdf is None else pdf[i:j], dx[i:j]))
    return [shaped(dx)]


def attach(attachments: Attachments):
    op = lesson.GELU
    attachments.set(op, "forward", gelu)
    attachments.set(op, "saves", True)
    attachments.set(op, "backward", (_rule,))
    attachments.set(op, "joint", joint)
