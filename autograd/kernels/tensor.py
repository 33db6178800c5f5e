"""Serves the operators of two inputs on Tensors (+ - * / @, max, min: autograd/ops) and
every other Tensor method of one input (relu, exp, sum, reshape, ...): one call per gate
instead of the lesson's several (registry method -> Op.call -> core.apply ->
Tensor._operands/_result/_link), and on large arrays the elementwise forward through
broadcast.binary (long loops for a broadcast operand). Anything unusual -- integer data,
a failing forward, a non-float result -- goes the lesson's way, so the numbers, errors and
recorded graph are the lesson's.

Also serves the backward's sum of gradient parts into a held .grad (autograd/nodes/tensor.py)
without making a node.
"""

from __future__ import annotations

import numpy as np

from ..core import apply, ops, registry, watch
from ..nodes.tensor import Tensor, _wrap
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


def _single(op, x, params):
    """The node ``op`` makes from one float Tensor x: what core.apply does (the forward,
    the recorded op, inputs, parameters and what the forward saved), in one call. Integer
    data and failing forwards go the lesson's way."""
    data = x._data
    if data.dtype.kind != "f":
        return apply(op, (x,), params)
    record = x.requires_grad and (MODE.everywhere or MODE.enabled)
    try:
        if op.saves:
            value, saved = op.forward(data, record=record, **params)
        else:
            value, saved = op.forward(data, **params), None
    except (ValueError, IndexError, TypeError):
        return apply(op, (x,), params)      # the lesson explains the error
    out = _new(Tensor)
    out._data = value if value.__class__ is np.ndarray else np.asarray(value)
    out._version = 0
    out.grad = None
    out.label = ""
    out._more = ()
    out._in1 = None
    if record:
        out.requires_grad = True
        out._in0, out._op = x, op
        out._params = params or None
        out._saved = saved
        out._versions = (x._version,)
        if watch.anomaly.on:
            watch.note_site(out)
    else:
        out.requires_grad = False
        out._in0 = out._op = out._params = out._saved = out._versions = None
    return out


def _method(op, parse):
    """A Tensor method of ``op`` (parsed like the lesson's): one input goes through
    _single, anything else through the op itself."""
    if parse is None:
        def method(self, *args, **params):
            if args:
                return op(self, *args, **params)
            return _single(op, self, params)
    else:
        def method(self, *args, **kwargs):
            inputs, params = parse(self, *args, **kwargs)
            if len(inputs) == 1 and inputs[0].__class__ is Tensor:
                return _single(op, inputs[0], params)
            return op(*inputs, **params)
    return method


def _reflected(op, forward):
    return lambda self, other: _make(op, other, self, forward)


_LESSON_ACCUMULATE = Tensor._accumulate_grad


def _accumulate_grad(self, g):
    """Tensor._accumulate_grad for a raw array: added to a held .grad without making a
    node (the lesson's ``grad + g`` makes an unrecorded one: the same numbers)."""
    if g.__class__ is not np.ndarray:
        return _LESSON_ACCUMULATE(self, g)
    held = self.grad
    if held is None:
        if not g.flags.writeable:
            g = g.copy()        # a broadcast view (from sum's backward): .grad owns its array
        self.grad = _wrap(g)
    elif held.__class__ is Tensor and not held.requires_grad:
        self.grad = _wrap(held._data + g)
    else:
        _LESSON_ACCUMULATE(self, g)


def attach(attachments: Attachments):
    """Before broadcast.attach wraps the elementwise forwards: ``forward`` is the lesson's."""
    attachments.set(Tensor, "_accumulate_grad", _accumulate_grad)
    for op in ops():
        binary = op.arity == 2 and op.parse is None
        forward = op.forward if op.name in _ELEMENTWISE else None
        for name, parse in op.method.items():
            if (Tensor, name) not in registry._INSTALLED:
                continue
            if binary and parse is None:
                made = _reflected(op, forward) if registry.is_reflected(name) else _binary(op, forward)
            elif registry.is_reflected(name):
                continue
            else:
                made = _method(op, parse or op.parse)
            made.__name__, made.__doc__ = name, getattr(Tensor, name).__doc__
            attachments.set(Tensor, name, made)
