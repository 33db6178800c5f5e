"""Serves the operators of two inputs on Tensors (+ - * / @, max, min: autograd/ops):
one call per gate instead of the lesson's several (registry method -> Op.call ->
core.apply -> Tensor._operands/_result/_link), and on large arrays the elementwise forward
through broadcast.binary (long loops for a broadcast operand). Anything unusual -- integer
data, a failing forward, a non-float result -- goes the lesson's way, so the numbers,
errors and recorded graph are the lesson's.
"""

from __future__ import annotations

import numpy as np

from ..core import apply, ops, registry, watch
from ..nodes.tensor import Tensor
from .attach import Attachments
from .broadcast import MIN_SIZE, binary
from .mode import MODE

_new = object.__new__
_ELEMENTWISE = ("add", "sub", "mul", "div", "max", "min")


def _make(op, a, b, forward):
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        return apply(op, (a, b), {})        # numbers and arrays become constants there
    x, y = a._data, b._data
    if x.dtype.kind != "f" or y.dtype.kind != "f":
        return apply(op, (a, b), {})
    try:
        data = binary(forward, x, y) if forward is not None and x.size + y.size >= MIN_SIZE \
            else op.forward(x, y)
    except (ValueError, IndexError, TypeError):
        return apply(op, (a, b), {})        # the lesson explains the error
    if data.__class__ is not np.ndarray:
        data = np.asarray(data)
    out = _new(Tensor)
    out._data = data
    out._version = 0
    out.grad = None
    out.label = ""
    out._params = out._saved = None
    out._more = ()
    if (a.requires_grad or b.requires_grad) and (MODE.everywhere or MODE.enabled):
        out.requires_grad = True
        out._in0, out._in1, out._op = a, b, op
        out._versions = (a._version, b._version)
        if watch.anomaly.on:
            watch.note_site(out)
    else:
        out.requires_grad = False
        out._in0 = out._in1 = out._op = out._versions = None
    return out


def _binary(op, forward):
    return lambda self, other: _make(op, self, other, forward)


def _reflected(op, forward):
    return lambda self, other: _make(op, other, self, forward)


def attach(attachments: Attachments):
    """Before broadcast.attach wraps the elementwise forwards: ``forward`` is the lesson's."""
    for op in ops():
        if op.arity != 2 or op.parse is not None:
            continue
        forward = op.forward if op.name in _ELEMENTWISE else None
        for name, parse in op.method.items():
            if parse is not None or (Tensor, name) not in registry._INSTALLED:
                continue
            made = _reflected(op, forward) if registry.is_reflected(name) else _binary(op, forward)
            made.__name__, made.__doc__ = name, getattr(Tensor, name).__doc__
            attachments.set(Tensor, name, made)
