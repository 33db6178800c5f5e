"""Value: a node holding one Python float (micrograd's world).

Its operators and methods (+ - * / **, unary -, exp, log, tanh, sigmoid, relu, max, min,
...) come from the declarations of the scalar ops (autograd/ops), through the registry.
"""

from __future__ import annotations

import numbers

from ..core import Node, registry
from ..ops.arithmetic import rpow


class Value(Node):
    """A scalar node. ``.data`` and ``.grad`` are floats; ``.grad`` is 0.0 until backward.

    Comparisons (< <= > >=) compare the data and give a bool; ``==`` and hash are by
    identity (a Value is a node of a graph, not a number: Value(2) == Value(2) is False)."""

    __slots__ = ("_in0", "_in1", "_more", "_op", "_params", "data", "grad", "label",
                 "requires_grad")

    def __init__(self, data, label=""):
        if isinstance(data, Value):
            data = data.data
        elif not isinstance(data, numbers.Real) or isinstance(data, bool):
            raise TypeError(f"Value: data must be a real number, got {type(data).__name__}")
        self.data = float(data)
        self.grad = 0.0
        self.label = label
        self.requires_grad = True
        self._in0 = self._in1 = self._op = self._params = None
        self._more = ()

    def __repr__(self):
        name = f"label={self.label!r}, " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    def __float__(self):
        return self.data

    __rpow__ = rpow

    # ------------------------------------------------------------ what the core asks of a kind

    @classmethod
    def _operands(cls, op, args):
        """The inputs as Values: a number becomes a constant leaf."""
        if not op.scalar:
            raise TypeError(f"{op.name}: not an op on Values (it takes Tensors)")
        if not 1 <= len(args) <= 2:
            raise TypeError(f"{op.name}: Values take ops of one or two inputs, got {len(args)}")
        return tuple(a if a.__class__ is Value else _constant(a, op) for a in args)

    @staticmethod
    def _result(data):
        """A new Value holding an op's output, not (yet) linked into the graph."""
        out = object.__new__(Value)
        out.data = float(data)
        out.grad = 0.0
        out.label = ""
        out.requires_grad = False
        out._in0 = out._in1 = out._op = out._params = None
        out._more = ()
        return out

    def _seed(self, grad, create_graph):
        if not self.requires_grad:
            raise RuntimeError("backward: this Value was computed under no_grad (no graph was "
                               "recorded)")
        g = 1.0 if grad is None else float(number(grad, "backward: grad"))
        return Value(g) if create_graph else g

    def _accumulate_grad(self, g):
        # under create_graph g is a Value; .grad always holds the plain number
        self.grad += g.data if isinstance(g, Value) else float(g)

    def _unbroadcast(self, g):
        return g                # a float is never broadcast

    def _check_inputs_unchanged(self):
        pass                    # a float cannot change in place

    def _as_grad(self, g):
        if g is None:
            return Value(0.0)
        return g if isinstance(g, Value) else Value(g)


registry.carry(Value, registry.method, accepts=lambda op: op.scalar)


def number(x, what):
    """x as a real number (a Value gives its data)."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return x
    raise TypeError(f"{what} must be a number, got {type(x).__name__}")


def _constant(x, op):
    if isinstance(x, numbers.Real) and not isinstance(x, bool):
        return Value(x)
    raise TypeError(f"{op.name}: unsupported operand of type {type(x).__name__} "
                    "(Values combine with Values and numbers)")
