"""Op: one differentiable operation, declared once, as data.

    MUL = Op("mul", Pattern.SWAP_MULTIPLIER, operator.mul,
             backward=(lambda g, out, a, b: g * b,       # d(a*b)/da = b: the swap
                       lambda g, out, a, b: g * a),
             method=("__mul__", "__rmul__"), scalar=True, symbol="*")

Every rule reads downstream = upstream x local. Rules are written with the library's own
operations (arithmetic, methods such as .sum and .reshape, and other Ops), so the same rule
computes numbers on raw floats and arrays, and records a graph when given nodes: that is
how create_graph=True gives gradients of gradients, and how a backward pass can be drawn.
"""

from __future__ import annotations

import inspect
import sys

from . import registry
from .node import Node, apply
from .pattern import Pattern

_DECLARED: dict = {}     # name -> Op, in declaration order


class Op:
    """One differentiable operation.

    name        unique; what steps and drawings call the gate
    pattern     its autograd.Pattern (how the upstream reaches the inputs)
    forward     forward(*raw_inputs, **params) -> raw output. A forward that takes a
                ``record`` argument is told whether its node will be recorded and returns
                (output, saved): what its backward needs (max-pool's arg-max), or None.
    backward    one rule per input, rule(g, out, *inputs, **params) -> that input's
                gradient; for a variadic op one rule(i, g, out, inputs, **params), the
                inputs as one tuple (spread out for each of n rules, they would cost n^2).
                A saving op's rules also get ``saved=``.
    parse       parse(*args, **kwargs) -> (inputs, params): the user-facing arguments of
                the op's methods and functions, checked (one clear error naming the op)
    method      name(s) under which Value/Tensor carry it (``"exp"``, ``("__mul__",
                "__rmul__")``), or a dict {name: parse} for spellings that parse differently
    function    name(s) under which autograd.functional offers it (first argument may be
                raw data: it becomes a constant Tensor)
    scalar      True: a gate of Values too (floats in, a float out)
    symbol      the short label drawings put on the gate ("*", "@", "σ"); default: the name
    jacobian    per input, text describing the implicit Jacobian (steps print it for tensors)
    local       local(out, *inputs, **params) -> per-input local gradients, where they must
                differ from the rules at upstream 1 (the default)
    check       check(*raw_inputs, **params): raises a clear error when forward failed

    joint is not declared: kernels may attach it, joint(needs, g, out, *inputs, **params)
    -> every input's gradient at once, a faster form of the rules for a plain backward.
    """

    __slots__ = ("backward", "check", "forward", "function", "jacobian", "joint", "local",
                 "method", "module", "name", "parse", "pattern", "saves", "scalar", "symbol")

    def __init__(self, name, pattern, forward, backward, *, parse=None, method=(),
                 function=(), scalar=False, symbol=None, jacobian=None, local=None, check=None):
        if not isinstance(pattern, Pattern):
            raise TypeError(f"Op {name!r}: pattern must be an autograd.Pattern, got {pattern!r}")
        if name in _DECLARED:
            raise ValueError(f"op {name!r} is already declared: {_DECLARED[name]!r}")
        self.name = name
        self.pattern = pattern
        self.forward = forward
        self.backward = backward
        self.parse = parse
        self.method = method if isinstance(method, dict) else dict.fromkeys(_names(method))
        self.function = _names(function)
        self.scalar = scalar
        self.symbol = symbol or name
        self.jacobian = jacobian
        self.local = local
        self.check = check
        self.joint = None
        self.saves = _takes_record(forward)
        self.module = sys._getframe(1).f_globals.get("__name__", "")    # where it is declared
        if self.method or self.function:
            registry.declare(self)          # refuses a method name another op declared
        _DECLARED[name] = self

    @property
    def arity(self):
        """Number of inputs (None for a variadic op)."""
        return len(self.backward) if isinstance(self.backward, tuple) else None

    # ------------------------------------------------------------ forward

    def __call__(self, *args, **params):
        """Apply to nodes (records a node) or to raw data (computes directly). Rules call
        ops this way, with params already checked."""
        for a in args:
            if isinstance(a, Node):
                return apply(self, args, params)
        return self.run(args, params, record=False)[0]

    def call(self, *args, parse=None, **kwargs):
        """The user-facing call: arguments parsed and checked (``parse``, default the op's),
        then applied."""
        parse = parse or self.parse
        if parse is not None:
            args, kwargs = parse(*args, **kwargs)
        return self(*args, **kwargs)

    def run(self, raws, params, record):
        """(output, saved) of the forward on raw data; a failure is explained by ``check``.

        On Python floats (a Value's gate) a result that overflows -- inf from finite
        inputs -- is refused in one line, as math.exp and ** refuse it: a Value op gives a
        float or says why not. Arrays follow IEEE (inf), like torch."""
        try:
            if self.saves:
                return self.forward(*raws, record=record, **params)
            out = self.forward(*raws, **params)
        except (ValueError, IndexError, TypeError) as error:
            raise self._explain(raws, params, error) from None
        if out.__class__ is float and out - out != 0.0 and all(x - x == 0.0 for x in raws):
            raise self._overflow(raws)
        return out, None

    def _overflow(self, raws):
        if len(raws) == 2 and isinstance(self.symbol, str):
            return ValueError(f"{self.name}: {raws[0]!r} {self.symbol} {raws[1]!r} overflows a float")
        return ValueError(f"{self.name}: overflows a float at x={raws[0]!r}")

    def _explain(self, raws, params, error):
        if self.check is not None:
            try:
                self.check(*raws, **params)
            except ValueError as bad:
                return ValueError(f"{self.name}: {bad}")
        if str(error).startswith(f"{self.name}:"):
            return error
        try:
            return type(error)(f"{self.name}: {error}")
        except TypeError:       # a subclass that takes other arguments (numpy's UFuncTypeError)
            kind = next(k for k in (ValueError, IndexError, TypeError) if isinstance(error, k))
            return kind(f"{self.name}: {error}")

    # ------------------------------------------------------------ backward

    def input_grads(self, needs, g, out, *inputs, **params):
        """Every input's gradient for upstream g: its rule applied (None where not needed)."""
        rules = self.backward
        if isinstance(rules, tuple):
            return [rule(g, out, *inputs, **params) if need else None
                    for rule, need in zip(rules, needs)]
        return [rules(i, g, out, inputs, **params) if need else None
                for i, need in enumerate(needs)]

    def local_grads(self, out, *inputs, **params) -> tuple:
        """Local gradients for steps: the declared ``local``, else each rule at upstream 1."""
        if self.local is not None:
            return tuple(self.local(out, *inputs, **params))
        return self.derived_local(out, *inputs, **params)

    def derived_local(self, out, *inputs, **params) -> tuple:
        """Each input's rule applied to an upstream of 1: downstream = 1 x local."""
        return tuple(self.input_grads([True] * len(inputs), 1.0, out, *inputs, **params))

    def __repr__(self):
        return f"Op({self.name!r}, {self.pattern!s})"


def _names(names):
    return (names,) if isinstance(names, str) else tuple(names or ())


def _takes_record(forward):
    try:
        return "record" in inspect.signature(forward).parameters
    except (TypeError, ValueError):     # builtins and ufuncs without a signature
        return False


def ops() -> list:
    """Every declared op, in declaration order."""
    return list(_DECLARED.values())


def forget(op):
    """Undo a declaration (tests declare throw-away ops)."""
    registry.withdraw(op)
    if _DECLARED.get(op.name) is op:
        del _DECLARED[op.name]


def _copy_backward(g, out, x):
    return g


# The copy gate of backprop. No one applies it: a node used by several consumers receives
# each consumer's part, and the driver's sum of the parts is this gate's backward. Steps and
# drawings show it as a gate of its own.
COPY = Op("copy", Pattern.ADDER, lambda x: x, backward=(_copy_backward,),
          jacobian=("I (once per use; the uses' gradients are summed)",))
