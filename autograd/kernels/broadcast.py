"""Serves the elementwise ops of two inputs (add, sub, mul, div, max, min in
autograd/ops/arithmetic.py and routers.py, on tensors) and the rules of sub, mul, div and
pow: a large array against a small one that is broadcast along its trailing axes, such as
an (N, C, H, W) batch and a per-channel (1, C, 1, 1) mean.

numpy runs such a broadcast as one inner loop per run of the trailing axes (H * W
elements here) and pays its loop overhead every run: 2-3x the time of the same work on two
arrays of one shape (1M elements in 1024 runs of 1024). Repeating the small operand along
those trailing axes first (a copy of at most _MAX_COPY elements, (1, C, H, W) here) lets
numpy merge the axes, so it runs in loops as long as that copy. Each element is computed
from the same two numbers by the same function: the result is the same, bit for bit."""

from __future__ import annotations

import math
import operator

import numpy as np

from ..ops import arithmetic, routers
from ..ops.shape import broadcast_axes
from .attach import Attachments
from .reduce import sum_product, sum_to

MIN_SIZE = 2**15    # smaller arrays: the loop overhead does not matter (callers check)
_MAX_COPY = 2**16   # elements of the repeated small operand (256 KiB of float32)
_SHORT = 4096       # runs at least this long already amortize the loop overhead


def binary(forward, a, b):
    """``forward(a, b)`` for a numpy elementwise function of two arrays that broadcast
    together, the smaller one laid out by long_runs against a C-contiguous larger one."""
    if a.__class__ is np.ndarray and b.__class__ is np.ndarray and a.shape != b.shape:
        if b.size < a.size and a.flags.c_contiguous:
            b = long_runs(b, a.shape)
        elif a.size < b.size and b.flags.c_contiguous:
            a = long_runs(a, b.shape)
    return forward(a, b)


def long_runs(small, shape):
    """``small`` repeated along the trailing axes on which it is broadcast to ``shape``
    (trailing size-1 axes), as one contiguous array; ``small`` itself where that does not
    pay (no such axes, runs already long, or too large a copy). Broadcasts to ``shape``
    exactly as ``small`` does."""
    n = len(shape)
    if small.ndim > n or small.ndim == 0:
        return small
    padded = (1,) * (n - small.ndim) + small.shape
    k = n                           # padded[k:] are the trailing axes where small is 1
    while k > 0 and padded[k - 1] == 1:
        k -= 1
    if k in (0, n) or math.prod(shape[k:]) >= _SHORT:
        return small
    target = padded[:k] + tuple(shape[k:])
    if math.prod(target) > _MAX_COPY:
        return small
    return np.ascontiguousarray(np.broadcast_to(small, target))


def compact(x):
    """The array a broadcast view repeats: ``x`` with each stride-0 axis cut to length 1
    (it broadcasts back to x's shape); x itself when it repeats nothing. pow's rule scales
    a mean's broadcast upstream at this size, before the one full-size product."""
    if 0 not in x.strides or x.size == 0:
        return x
    return x[tuple(slice(0, 1) if s == 0 else slice(None) for s in x.strides)]


def large(a, b):
    """Arrays large enough that laying the small operand out pays."""
    return (a.__class__ is np.ndarray and b.__class__ is np.ndarray
            and a.size + b.size >= MIN_SIZE)


def long_run_forward(forward):
    """An elementwise forward of two inputs that lays out a broadcast operand first on large
    arrays (the same numbers, bit for bit)."""
    def fast(a, b):
        return binary(forward, a, b) if large(a, b) else forward(a, b)
    return fast


# ---------------------------------------------------------------- joint rules
# A broadcast input's gradient is its rule's result summed over the broadcast axes (the
# driver does it: Tensor._unbroadcast). Where a rule's full-size work ends in that sum
# (sub's -g, mul's g * a for a per-channel scale, div's g * out / -b for a per-channel
# divisor), these sum first on raw arrays: the product and the sum are one pass, and a
# factor constant along those axes (-1, -b) applies to the small sum.

def sum_like(g, like):
    """``g`` summed to the shape of ``like`` (the input it is for) on raw arrays, else g."""
    if like.__class__ is np.ndarray and g.__class__ is np.ndarray and g.shape != like.shape:
        return sum_to(g, like.shape)
    return g


def mul_sum_like(g, x, like):
    """``g * x``, summed to the shape of ``like`` (the input it is for) on raw arrays."""
    if g.__class__ is np.ndarray and x.__class__ is np.ndarray:
        if like.__class__ is np.ndarray and g.shape != like.shape and x.shape == g.shape:
            return sum_product(g, x, broadcast_axes(like.shape, g.shape),
                               keepdims=True).reshape(like.shape)
        return binary(operator.mul, g, x)        # a per-channel x in long loops
    return g * x


def add_joint(needs, g, out, a, b):
    return (g if needs[0] else None, g if needs[1] else None)


def sub_joint(needs, g, out, a, b):
    return (g if needs[0] else None, -sum_like(g, b) if needs[1] else None)


def mul_joint(needs, g, out, a, b):
    """g * b and g * a, each summed straight to its input's shape: a per-channel scale
    (batch norm's gamma) gets its sum without a full-size product."""
    return (mul_sum_like(g, b, a) if needs[0] else None,
            mul_sum_like(g, a, b) if needs[1] else None)


def _divisor_grad(g, out, a, b):
    """g * out / -b with the sum of g * out first for a broadcast divisor; where that sum
    overflows although the gradient may not (float16/float32 near their limit), the plain
    order."""
    if g.__class__ is np.ndarray and np.shape(b) != g.shape:
        with np.errstate(over="ignore", invalid="ignore"):
            grad = mul_sum_like(g, out, b) / -b
        if np.isfinite(grad).all():
            return grad
    return g * out / -b


def div_joint(needs, g, out, a, b):
    """g / b in long loops (a per-channel divisor), and the divisor's gradient summed first."""
    return (binary(operator.truediv, g, b) if needs[0] else None,
            _divisor_grad(g, out, a, b) if needs[1] else None)


def pow_joint(needs, g, out, a, exponent):
    """g * p a^(p-1) with p multiplied into the upstream first: where the upstream is a
    broadcast (a mean's backward hands every element the same number), at the size of the
    array it repeats, so the full-size work is one product instead of two. Not where g * p
    would overflow although the gradient does not (float16/float32 near their limit)."""
    if g.__class__ is np.ndarray and exponent not in (0, 1):
        small = compact(g)
        if small is not g:
            with np.errstate(over="ignore"):
                scaled = small * exponent
            if np.isfinite(scaled).all():
                local = a if exponent == 2 else a ** (exponent - 1)
                return [binary(operator.mul, scaled, local)]
    return [g * arithmetic.slope(a, exponent)]


def attach(attachments: Attachments):
    for op in (arithmetic.ADD, arithmetic.SUB, arithmetic.MUL, arithmetic.DIV, routers.MAX, routers.MIN):
        attachments.set(op, "forward", long_run_forward(op.forward))
    attachments.set(arithmetic.ADD, "joint", add_joint)
    attachments.set(arithmetic.SUB, "joint", sub_joint)
    attachments.set(arithmetic.MUL, "joint", mul_joint)
    attachments.set(arithmetic.DIV, "joint", div_joint)
    attachments.set(arithmetic.POW, "joint", pow_joint)

