"""Value: a Python-float node (micrograd's world) on the shared graph core.

Its operators and methods (+ - * /, unary -, exp, log, tanh, sigmoid, relu, max, min)
come from the ops' declarations (elementwise.py, registry.py); only ** is written here,
because its exponent is a number, not an input.
"""

from __future__ import annotations

import numbers

from . import elementwise as ew
from . import registry
from .graph import Node, all_threads, grad_mode

_new = object.__new__


def _fill(out, op, parents, data, params=None):
    """Set a new node's slots; record its (one or two) parents only while grad mode is on."""
    out.data = data
    out.grad = 0.0
    out.label = ""
    out._in1 = None
    out._more = ()
    if all_threads.everywhere or grad_mode.enabled:
        out._in0 = parents[0]
        if len(parents) == 2:
            out._in1 = parents[1]
        out._op = op
    else:
        out._in0 = None
        out._in1 = NOT_RECORDED
        out._op = None
    out._params = params
    return out


# Marks a Value an op made under no_grad (a leaf with no graph behind it), so its backward
# raises as a Tensor's does. It sits in the second input's slot, which a node without a
# first input never reads: no extra slot on every Value.
NOT_RECORDED = object()


def _binary(op):
    """The method self <op> other. The hot path of the scalar engine: one call per gate."""
    forward = op.forward
    everywhere, state = all_threads, grad_mode

    def method(self, other):
        if other.__class__ is not Value:
            other = _const(other, op)
        out = _new(Value)
        out.data = forward(self.data, other.data)
        out.grad = 0.0
        out.label = ""
        out._params = None
        out._more = ()
        if everywhere.everywhere or state.enabled:    # is_grad_enabled(), the fast way
            out._in0 = self
            out._in1 = other
            out._op = op
        else:
            out._in0 = out._op = None
            out._in1 = NOT_RECORDED
        return out
    return method


def _reflected(op):
    """The method other <op> self, for a plain number on the left."""
    method = _binary(op)
    return lambda self, other: method(_const(other, op), self)


def _unary(op):
    forward = op.forward

    def method(self):
        return _fill(_new(Value), op, (self,), forward(self.data))
    return method


class Value(Node):
    """A scalar node. ``.data`` and ``.grad`` are floats; ``.grad`` is 0.0 until backward.

    Comparisons compare the data and give a bool (Node)."""

    # every Value op has one or two inputs; _more (always empty) is a slot all the same: a
    # slot reads 3x faster than a class attribute, and the topological sort reads it per node
    __slots__ = ("_in0", "_in1", "_more", "_op", "_params", "data", "grad", "label")
    requires_grad = True
    _saved = None        # no Value op saves anything for its backward
    _versions = None     # nor counts versions of its inputs (a float cannot change in place)

    def __init__(self, data, label=""):
        if isinstance(data, Value):
            data = data.data
        elif not isinstance(data, numbers.Real) or isinstance(data, bool):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self._in0 = self._in1 = self._op = self._params = None
        self._more = ()

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------ core hooks

    @staticmethod
    def _apply(op, args, params):
        if not 1 <= len(args) <= 2:
            raise TypeError(f"{op.name}: Values take ops of one or two inputs, got {len(args)}")
        if op.saves:
            raise TypeError(f"{op.name}: a saving op (conv, pooling) takes Tensors, not Values")
        values = tuple(a if a.__class__ is Value else _const(a, op) for a in args)
        data = op.forward(*(v.data for v in values), **params)
        return _fill(_new(Value), op, values, data, params or None)

    def _seed(self, grad, create_graph):
        if self._in1 is NOT_RECORDED:
            raise RuntimeError("backward: this Value was computed under no_grad (no graph was "
                               "recorded)")
        g = 1.0 if grad is None else float(raw_number(grad, "backward: grad"))
        return Value(g) if create_graph else g

    def _accumulate_grad(self, g):
        # a Value under create_graph; any other number (np.float64 from numpy data) as a float
        self.grad += g if g.__class__ is float else (g.data if g.__class__ is Value else float(g))

    @staticmethod
    def _as_grad(g, create_graph):
        if g is None:
            return Value(0.0)
        return g if g.__class__ is Value else Value(g)

    # ------------------------------------------------------------ operators

    def __pow__(self, exponent):
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            raise TypeError(f"pow: exponent must be a number, got {type(exponent).__name__}")
        exponent = float(exponent) if not isinstance(exponent, int) else exponent
        return _fill(_new(Value), ew.POW, (self,), ew.POW.forward(self.data, exponent),
                     {"exponent": exponent})

    __rpow__ = ew.rpow

    def __float__(self):
        return self.data


registry.carry(Value, unary=_unary, binary=_binary, reflected=_reflected)


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
