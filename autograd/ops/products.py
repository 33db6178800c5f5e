"""Products of tensors: matmul and einsum, swap multipliers both.

    matmul  out = a @ b (batched like numpy); dA = upstream @ B^T, dB = A^T @ upstream
    einsum  multiply the operands, sum over the letters missing from the output; operand
            i's gradient is the einsum of the upstream with every *other* operand:
            einsum("ij,jk->ik", a, b) has da = einsum("ik,jk->ij", g, b)
"""

from __future__ import annotations

import string

import numpy as np

from ..core import Op, Pattern
from .shape import BROADCAST_TO


def _matmul_grad_a(g, out, a, b):
    if b.ndim == 1:                      # out (...,) = a (..., k) @ b (k,)
        return g.reshape((*g.shape, 1)) * b
    if a.ndim == 1:                      # out (..., n) = a (k,) @ b (..., k, n)
        r = g.reshape((*g.shape[:-1], 1, g.shape[-1])) @ b.swapaxes(-1, -2)
        return r.reshape(r.shape[:-2] + r.shape[-1:])
    return g @ b.swapaxes(-1, -2)        # dX = dY W^T


def _matmul_grad_b(g, out, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:
        return a.reshape((*a.shape, 1)) * g.reshape((*g.shape[:-1], 1, g.shape[-1]))
    if b.ndim == 1:
        r = a.swapaxes(-1, -2) @ g.reshape((*g.shape, 1))
        return r.reshape(r.shape[:-1])
    return a.swapaxes(-1, -2) @ g        # dW = X^T dY


def _check_matmul(a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"{a.shape} @ {b.shape}: operands must have at least one dimension")
    k_a = a.shape[-1]
    k_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if k_a != k_b:
        raise ValueError(f"{a.shape} @ {b.shape}: inner dimensions {k_a} and {k_b} differ")
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(f"{a.shape} @ {b.shape}: batch dimensions "
                         f"{a.shape[:-2]} and {b.shape[:-2]} cannot broadcast") from None


MATMUL = Op(
    "matmul", Pattern.SWAP_MULTIPLIER, np.matmul,
    backward=(_matmul_grad_a, _matmul_grad_b),
    method=("__matmul__", "__rmatmul__"), symbol="@", check=_check_matmul,
    jacobian=("B^T (dA = upstream @ B^T)", "A^T (dB = A^T @ upstream)"))


def parse_subscripts(subscripts, shapes):
    """(input letter-strings, output letters) of an explicit or implicit einsum, checked."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    spec = subscripts.replace(" ", "")
    if "." in spec:
        raise ValueError(f"einsum: '...' is not supported, name every axis ({subscripts!r})")
    lhs, arrow, rhs = spec.partition("->")
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum: {subscripts!r} names {len(ins)} operands, got {len(shapes)}")
    letters = "".join(ins)
    if any(c not in string.ascii_letters for c in letters + rhs):
        raise ValueError(f"einsum: subscripts must be letters, got {subscripts!r}")
    if not arrow:       # implicit output: the letters used once, in alphabetical order
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    sizes = {}
    for sub, shape in zip(ins, shapes):
        if len(sub) != len(shape):
            raise ValueError(f"einsum: operand {sub!r} has {len(sub)} letters but shape {shape}")
        if len(set(sub)) != len(sub):
            raise ValueError(f"einsum: repeated letter in {sub!r} (diagonals) is not supported")
        for c, d in zip(sub, shape):
            if sizes.setdefault(c, d) != d:
                raise ValueError(f"einsum: letter {c!r} has sizes {sizes[c]} and {d}")
    if len(set(rhs)) != len(rhs) or any(c not in letters for c in rhs):
        raise ValueError(f"einsum: output {rhs!r} must use distinct letters of the inputs")
    return ins, rhs


def _einsum_grad(i, g, out, xs, subscripts):
    """Operand i's gradient: einsum of the upstream with the other operands (swap
    multiplier); letters only operand i has (summed away in the forward) come back as a
    broadcast, the distributor of that sum."""
    ins, rhs = parse_subscripts(subscripts, [x.shape for x in xs])
    others = [(s, x) for j, (s, x) in enumerate(zip(ins, xs)) if j != i]
    known = rhs + "".join(s for s, _ in others)
    mine = ins[i]
    kept = "".join(c for c in mine if c in known)
    spec = ",".join([rhs] + [s for s, _ in others]) + "->" + kept
    grad = EINSUM(g, *(x for _, x in others), subscripts=spec)
    if kept != mine:
        shape = xs[i].shape
        grad = BROADCAST_TO(grad.reshape(tuple(d if c in kept else 1 for c, d in zip(mine, shape))),
                            shape=shape)
    return grad


def einsum_args(subscripts, *xs):
    parse_subscripts(subscripts, [np.shape(getattr(x, "data", x)) for x in xs])
    return xs, {"subscripts": subscripts.replace(" ", "")}


EINSUM = Op(
    "einsum", Pattern.SWAP_MULTIPLIER,
    lambda *xs, subscripts: np.einsum(subscripts, *xs, optimize=len(xs) > 2),
    backward=_einsum_grad,
    check=lambda *xs, subscripts: parse_subscripts(subscripts, [np.shape(x) for x in xs]),
    jacobian="the other operands (upstream einsum'd with them)")
