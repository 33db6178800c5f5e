"""Functions on tensors built from the ops: joining, selecting, products, softmax.

    where(cond, a, b)        the router op, for any mix of Tensors, arrays and numbers
    concat, stack            join along an axis (each input's gradient: its slice)
    einsum, outer, tensordot products written with the einsum op
    softmax, log_softmax     along an axis (a 0-d tensor counts as one element)
"""

from __future__ import annotations

import string

from ..core import Node
from ..nodes import Tensor
from ..ops.arguments import check_axis, is_int
from ..ops.indexing import CONCAT, STACK, join_args
from ..ops.products import EINSUM, einsum_args
from ..ops.routers import WHERE, where_args
from ..ops.softmax import LOG_SOFTMAX, SOFTMAX


def as_node(x):
    """Nodes stay; raw data (arrays, lists, numbers) becomes a constant Tensor, so a
    function's result is always a Tensor."""
    return x if isinstance(x, Node) else Tensor(x)


def where(condition, a, b):
    """``a`` where ``condition`` is True, else ``b`` (broadcast together), like torch.where:
    a router, each element's upstream goes to the input it came from. a and b may be
    Tensors, arrays or numbers; condition is a boolean array (or Tensor), never
    differentiated."""
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    return WHERE.call(condition, a, b, parse=where_args)


def concat(tensors, axis=0):
    """Join tensors along an existing axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    ax = check_axis(axis, tensors[0].ndim, "concat", tensors[0].shape)
    try:
        inputs, params = join_args("concat", tensors, ax)
        return CONCAT(*inputs, **params)
    except (ValueError, IndexError) as e:
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ValueError(f"concat: shapes {shapes} do not fit along axis {axis} ({e})") from None


def stack(tensors, axis=0):
    """Join same-shape tensors along a new axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all shapes must match, got {sorted(shapes)}")
    inputs, params = join_args("stack", tensors, check_axis(axis, tensors[0].ndim + 1, "stack"))
    return STACK(*inputs, **params)


def _tensors(name, operands):
    if not operands:
        raise ValueError(f"{name}: needs at least one operand")
    return [x if isinstance(x, Tensor) else Tensor(x) for x in operands]


def einsum(subscripts, *operands):
    """Einstein summation, torch.einsum / np.einsum style without '...' or diagonals:
    ``einsum("bij,bjk->bik", a, b)``. Operands: Tensors (or arrays) -> a Tensor."""
    return EINSUM.call(subscripts, *_tensors("einsum", operands), parse=einsum_args)


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
    if is_int(axes):
        if not 0 <= axes <= min(a.ndim, b.ndim):
            raise ValueError(f"tensordot: axes={axes} does not fit shapes {a.shape} and {b.shape}")
        pairs = (list(range(a.ndim - axes, a.ndim)), list(range(axes)))
    elif isinstance(axes, (tuple, list)) and len(axes) == 2:
        pairs = tuple([x] if is_int(x) else list(x) for x in axes)
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


def _normalized(op, name, x, axis):
    x = as_node(x)
    axis = check_axis(axis, x.ndim, name, x.shape)
    if x.ndim == 0:             # a 0-d tensor is a one-element axis, like torch
        return op(x.reshape(1), axis=0).reshape(())
    return op(x, axis=axis)


def softmax(x, axis=-1):
    """Numerically stable softmax along ``axis``."""
    return _normalized(SOFTMAX, "softmax", x, axis)


def log_softmax(x, axis=-1):
    """Numerically stable log-softmax along ``axis`` (finite for logits of +-1000)."""
    return _normalized(LOG_SOFTMAX, "log_softmax", x, axis)

