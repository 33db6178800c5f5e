"""Indexing and joining: reading some numbers out, putting them back.

    getitem      gather  x[index]; backward scatters the upstream back, adding where an
                         index repeats (x[[0, 0]] uses x[0] twice: the copy gate again)
    scatter_add  scatter the adjoint of getitem: backward gathers
    concat       split   join along an axis; each input's gradient is its slice of the upstream
    stack        split   join along a new axis; each input's gradient is its slice
"""

from __future__ import annotations

import numpy as np

from ..core import Op, Pattern, raw
from .arguments import is_int


def is_advanced(index):
    """Whether an index holds an integer array (numpy's advanced indexing)."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (np.ndarray, list)) for p in parts)


def _scatter_add(g, index, shape):
    out = np.zeros(shape, dtype=np.result_type(g, np.float32))
    if is_advanced(index):
        np.add.at(out, index, g)        # repeated indices accumulate
    else:
        out[index] = g
    return out


def _index_part(i):
    # a tuple inside the index tuple is an integer array to numpy (x[:, (0, 0)]): made one
    # here, so the backward scatters with np.add.at and repeats accumulate
    if hasattr(i, "inputs"):
        i = np.asarray(i.data)
    if isinstance(i, (list, tuple)):
        i = np.asarray(i)
    if isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu":
        return int(i)               # a 0-d integer tensor indexes like an int (torch)
    return i


def _getitem_args(x, index):
    """Tensors and lists used as indices become integer arrays (no gradient through indices);
    an int and an index array with a slice between them are read as torch reads them."""
    index = tuple(_index_part(i) for i in index) if isinstance(index, tuple) else _index_part(index)
    return (x,), {"index": torch_order(x.shape, index)}


def _is_array(part):
    return isinstance(part, np.ndarray)


def _axes_taken(array):
    """How many axes of x an index array indexes: a boolean mask one per dimension."""
    return array.ndim if array.dtype == np.bool_ else 1


def _apart(parts):
    """Whether numpy would move the index arrays to the front because of an int: it counts
    an int as one more index array, and moves them all when a slice, None or ... lies
    between two of them."""
    if not any(_is_array(p) for p in parts) or not any(is_int(p) for p in parts):
        return False
    advanced = [k for k, p in enumerate(parts) if _is_array(p) or is_int(p)]
    return advanced[-1] - advanced[0] + 1 != len(advanced)


def torch_order(shape, index):
    """``index`` such that numpy's x[index] gives torch's x[index].

    They differ in one case: an int and an index array with a slice between them.
    x[1, :, [0, 2]] on (2, 3, 4, 5) is (2, 3, 5) in numpy (the int joins the arrays, which
    go to the front) and (3, 2, 5) in torch (the int selects first; the array then indexes
    what is left, in place). In that case the index is written out: one integer array per
    axis of x, each holding that axis's coordinate of every element torch would pick."""
    parts = index if isinstance(index, tuple) else (index,)
    if not _apart(parts):
        return index
    # torch's order: ints, slices, None and ... first (arrays stand aside as whole axes) ...
    basic = tuple(q for p in parts for q in ((slice(None),) * _axes_taken(p) if _is_array(p) else (p,)))
    # ... then the arrays, on what is left (an int's axis is gone, None's is there)
    rest = tuple(p if _is_array(p) or p is Ellipsis else slice(None) for p in parts if not is_int(p))
    return tuple(np.broadcast_to(np.arange(n).reshape((-1,) + (1,) * (len(shape) - 1 - axis)),
                                 shape)[basic][rest] for axis, n in enumerate(shape))


GETITEM = Op(
    "getitem", Pattern.GATHER, lambda x, index: x[index],
    backward=(lambda g, out, x, index: SCATTER_ADD(g, index=index, shape=x.shape),),
    parse=_getitem_args, method="__getitem__", jacobian=("selection; backward scatters, adding repeats",))

SCATTER_ADD = Op(
    "scatter_add", Pattern.SCATTER, _scatter_add,
    backward=(lambda g, out, x, index, shape: GETITEM(g, index=index),),
    jacobian=("scatter; backward gathers",))


def join_args(op, xs, axis):
    """(inputs, params) of concat/stack: where each input starts along the axis is worked out
    once, so every input's rule slices its part of the upstream directly."""
    if not xs:
        raise ValueError(f"{op}: needs at least one tensor")
    sizes = [np.shape(raw(x))[axis] if op == "concat" else 1 for x in xs]
    return tuple(xs), {"axis": axis, "starts": tuple(np.cumsum([0, *sizes]).tolist())}


def _slab(axis, start, stop):
    return (slice(None),) * axis + (slice(start, stop),)


CONCAT = Op(
    "concat", Pattern.SPLIT, lambda *xs, axis, starts: np.concatenate(xs, axis=axis),
    backward=lambda i, g, out, xs, axis, starts: GETITEM(g, index=_slab(axis, starts[i], starts[i + 1])),
    jacobian=None)      # steps: "slice of upstream" per input

STACK = Op(
    "stack", Pattern.SPLIT, lambda *xs, axis, starts: np.stack(xs, axis=axis),
    backward=lambda i, g, out, xs, axis, starts: GETITEM(g, index=(slice(None),) * axis + (i,)),
    jacobian=None)
