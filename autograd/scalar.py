"""Value: a Python-float node (micrograd's world) on the shared graph core."""

from __future__ import annotations

import numbers

from . import elementwise as ew
from .graph import Node, grad_mode


class Value(Node):
    """A scalar node. ``.data`` and ``.grad`` are floats; ``.grad`` is 0.0 until backward."""

    __slots__ = ("data", "grad", "label", "_parents", "_op", "_ctx")
    requires_grad = True

    def __init__(self, data, label=""):
        if isinstance(data, Value):
            data = data.data
        elif not isinstance(data, numbers.Real) or isinstance(data, bool):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._parents = ()
        self._op = None
        self._ctx = None

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ core hooks

    @staticmethod
    def _apply(op, args, params):
        values = tuple(a if a.__class__ is Value else _const(a, op) for a in args)
        data = op.forward(*(v.data for v in values), **params)
        return _make(op, values, data, params or None)

    def _seed(self, grad, create_graph):
        g = 1.0 if grad is None else float(raw_number(grad, "backward: grad"))
        return Value(g) if create_graph else g

    def _accumulate_grad(self, g):
        self.grad += g if g.__class__ is float else g.data

    @staticmethod
    def _as_grad(g, create_graph):
        if g is None:
            return Value(0.0)
        return g if g.__class__ is Value else Value(g)

    # ------------------------------------------------------------ operators

    def __add__(self, other):
        return _binary(ew.ADD, self, other)

    def __radd__(self, other):
        return _binary(ew.ADD, _const(other, ew.ADD), self)

    def __sub__(self, other):
        return _binary(ew.SUB, self, other)

    def __rsub__(self, other):
        return _binary(ew.SUB, _const(other, ew.SUB), self)

    def __mul__(self, other):
        return _binary(ew.MUL, self, other)

    def __rmul__(self, other):
        return _binary(ew.MUL, _const(other, ew.MUL), self)

    def __truediv__(self, other):
        return _binary(ew.DIV, self, other)

    def __rtruediv__(self, other):
        return _binary(ew.DIV, _const(other, ew.DIV), self)

    def __neg__(self):
        return _make(ew.NEG, (self,), -self.data)

    def __pow__(self, exponent):
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: exponent must be a number, got {type(exponent).__name__}")
        exponent = float(exponent) if not isinstance(exponent, int) else exponent
        return _make(ew.POW, (self,), ew.POW.forward(self.data, exponent),
                     {"exponent": exponent})

    def exp(self):
        return _make(ew.EXP, (self,), ew.EXP.forward(self.data))

    def log(self):
        return _make(ew.LOG, (self,), ew.LOG.forward(self.data))

    def tanh(self):
        return _make(ew.TANH, (self,), ew.TANH.forward(self.data))

    def sigmoid(self):
        return _make(ew.SIGMOID, (self,), ew.SIGMOID.forward(self.data))

    def relu(self):
        return _make(ew.RELU, (self,), ew.RELU.forward(self.data))

    def max(self, other):
        return _binary(ew.MAX, self, other)

    def min(self, other):
        return _binary(ew.MIN, self, other)

    def __float__(self):
        return self.data


def raw_number(x, what):
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return x
    raise TypeError(f"{what} must be a number, got {type(x).__name__}")


def _const(x, op):
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"{op.name}: unsupported operand of type {type(x).__name__} "
                    "(Values combine with Values and numbers)")


_new = object.__new__


def _make(op, parents, data, ctx=None):
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if grad_mode.enabled:
        out._parents = parents
        out._op = op
    else:
        out._parents = ()
        out._op = None
    out._ctx = ctx
    return out


def _binary(op, a, b):
    if b.__class__ is not Value:
        b = _const(b, op)
    return _make(op, (a, b), op.forward(a.data, b.data))
