"""Serves every scalar op on Values (autograd/nodes/value.py): a Value's operators and
methods built for one call per gate.

A scalar network's training step makes tens of thousands of Values. The lesson's path
(registry method -> Op.call -> core.apply -> Value._operands/_result/_link) costs several
Python calls per gate; these methods make the node in one, with the same slots set to the
same things: the numbers and the recorded graph are the lesson's.
"""

from __future__ import annotations

from ..core import ops, registry
from ..nodes.value import Value, _constant
from .attach import Attachments
from .mode import MODE

_new = object.__new__


def _binary(op):
    """The method self <op> other."""
    forward, run = op.forward, op.run
    mode = MODE

    def method(self, other):
        if other.__class__ is not Value:
            other = _constant(other, op)
        out = _new(Value)
        data = forward(self.data, other.data)
        if data - data != 0.0:          # inf or nan: the lesson decides (refuses an overflow)
            data = run((self.data, other.data), {}, False)[0]
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._params = None
        out._more = ()
        if (self.requires_grad or other.requires_grad) and (mode.everywhere or mode.enabled):
            out._in0 = self
            out._in1 = other
            out._op = op
            out.requires_grad = True
        else:
            out._in0 = out._in1 = out._op = None
            out.requires_grad = False
        return out
    return method


def _reflected(op):
    """The method other <op> self, for a number on the left."""
    method = _binary(op)
    return lambda self, other: method(_constant(other, op), self)


def _unary(op):
    forward, run = op.forward, op.run
    mode = MODE

    def method(self):
        out = _new(Value)
        data = forward(self.data)
        if data - data != 0.0:          # inf or nan: the lesson decides (refuses an overflow)
            data = run((self.data,), {}, False)[0]
        out.data = data
        out.grad = 0.0
        out.label = ""
        out._params = None
        out._more = ()
        out._in1 = None
        if self.requires_grad and (mode.everywhere or mode.enabled):
            out._in0 = self
            out._op = op
            out.requires_grad = True
        else:
            out._in0 = out._op = None
            out.requires_grad = False
        return out
    return method


def attach(attachments: Attachments):
    """Fast methods for the scalar ops without parsed arguments (+ - * / max ... exp relu)."""
    for op in ops():
        if not op.scalar or op.parse is not None:
            continue
        for name, parse in op.method.items():
            if parse is not None or (Value, name) not in registry._INSTALLED:
                continue
            if registry.is_reflected(name):
                made = _reflected(op)
            else:
                made = _binary(op) if op.arity == 2 else _unary(op)
            made.__name__, made.__doc__ = name, getattr(Value, name).__doc__
            attachments.set(Value, name, made)
