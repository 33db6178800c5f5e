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
        return np.asarray(i.data)
    if isinstance(i, (list, tuple)):
        return np.asarray(i)
    return i


def _getitem_args(x, index):
    """Tensors and lists used as indices become integer arrays (no gradient through indices)."""
    index = tuple(_index_part(i) for i in index) if isinstance(index, tuple) else _index_part(index)
    return (x,), {"index": index}


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
    backward=lambda i, g, out, *xs, axis, starts: GETITEM(g, index=_slab(axis, starts[i], starts[i + 1])),
    jacobian=None)      # steps: "slice of upstream" per input

STACK = Op(
    "stack", Pattern.SPLIT, lambda *xs, axis, starts: np.stack(xs, axis=axis),
    backward=lambda i, g, out, *xs, axis, starts: GETITEM(g, index=(slice(None),) * axis + (i,)),
    jacobian=None)
