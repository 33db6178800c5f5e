"""Products of tensors: einsum, declared once, and outer/tensordot written with it.

einsum multiplies its operands and sums over the letters missing from the output. Its
backward is the swap multiplier again: operand i's gradient is the einsum of the upstream
with every *other* operand, written out to operand i's letters.

    einsum("ij,jk->ik", a, b)       # a @ b;  da = einsum("ik,jk->ij", g, b)
"""

from __future__ import annotations

import string

import numpy as np

from .graph import SWAP_MULTIPLIER, Op
from .tensor_ops import BROADCAST_TO


def parse(subscripts, shapes):
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


def _einsum_grad(i, g, out, *xs, subscripts):
    """Operand i's gradient: einsum of the upstream with the other operands (swap
    multiplier); letters only operand i has (summed away in the forward) come back as a
    broadcast, the distributor of that sum."""
    ins, rhs = parse(subscripts, [x.shape for x in xs])
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


def _check(*xs, subscripts):
    parse(subscripts, [np.shape(x) for x in xs])


EINSUM = Op(
    "einsum", SWAP_MULTIPLIER, lambda *xs, subscripts: np.einsum(subscripts, *xs, optimize=len(xs) > 2),
    backward=_einsum_grad, check=_check,
    jacobian="the other operands (upstream einsum'd with them)")


def _tensors(name, operands):
    from .tensor import Tensor
    if not operands:
        raise ValueError(f"{name}: needs at least one operand")
    return [x if isinstance(x, Tensor) else Tensor(x) for x in operands]


def einsum(subscripts, *operands):
    """Einstein summation, torch.einsum / np.einsum style without '...' or diagonals:
    ``einsum("bij,bjk->bik", a, b)``. Operands: Tensors (or arrays) -> a Tensor."""
    xs = _tensors("einsum", operands)
    parse(subscripts, [x.shape for x in xs])
    return EINSUM(*xs, subscripts=subscripts.replace(" ", ""))


def outer(a, b):
    """a (n,), b (m,) -> (n, m) with out[i, j] = a[i] b[j]."""
    a, b = _tensors("outer", (a, b))
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"outer: needs two 1-d tensors, got shapes {a.shape} and {b.shape}")
    return EINSUM(a, b, subscripts="i,j->ij")


def tensordot(a, b, axes=2):
    """Sum a and b over pairs of axes, like np.tensordot / torch.tensordot: ``axes`` an int n
    (a's last n with b's first n) or a pair of axis lists. The result keeps a's free axes,
    then b's."""
    a, b = _tensors("tensordot", (a, b))
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} does not fit shapes {a.shape} and {b.shape}")
        pairs = (list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        pairs = tuple([x] if isinstance(x, (int, np.integer)) else list(x) for x in axes)
    else:
        raise ValueError(f"tensordot: axes must be an int or a pair of axis lists, got {axes!r}")
    if len(pairs[0]) != len(pairs[1]):
        raise ValueError(f"tensordot: {len(pairs[0])} axes of a paired with {len(pairs[1])} of b")
    for t, ax, who in ((a, pairs[0], "a"), (b, pairs[1], "b")):
        for d in ax:
            if not -t.ndim <= d < t.ndim:
                raise IndexError(f"tensordot: axis {d} is out of range for {who} of shape {t.shape}")
    pa = [d % a.ndim for d in pairs[0]]
    pb = [d % b.ndim for d in pairs[1]]
    if len(set(pa)) != len(pa) or len(set(pb)) != len(pb):
        raise ValueError(f"tensordot: repeated axis in {axes!r}")
    for i, j in zip(pa, pb):
        if a.shape[i] != b.shape[j]:
            raise ValueError(f"tensordot: axis {i} of a {a.shape} and axis {j} of b {b.shape} differ")
    letters = iter(string.ascii_letters)
    sa = [next(letters) for _ in range(a.ndim)]
    sb = [next(letters) for _ in range(b.ndim)]
    for i, j in zip(pa, pb):
        sb[j] = sa[i]
    out = [c for k, c in enumerate(sa) if k not in pa] + [c for k, c in enumerate(sb) if k not in pb]
    return einsum(f"{''.join(sa)},{''.join(sb)}->{''.join(out)}", a, b)
