"""Arithmetic: + - * / ** and negation, for Values (floats) and Tensors (arrays alike).

    add  distributor       d(a+b)/da = 1,  d(a+b)/db = 1
    sub  signed distributor              1 and -1
    mul  swap multiplier   d(a*b)/da = b,  d(a*b)/db = a
    div  quotient          d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b
    neg  scale             -1
    pow  power             d(a^p)/da = p a^(p-1)   (p a number, not an input)

Tensors broadcast: an input that was broadcast receives the sum of the gradients of its
copies (the driver's _unbroadcast: the copy gate's adder), so no rule here mentions it.
"""

from __future__ import annotations

import math
import numbers
import operator

from ..core import Op, Pattern, raw
from .arguments import check_broadcastable
from .functions import EXP

ADD = Op("add", Pattern.DISTRIBUTOR, operator.add,
         backward=(lambda g, out, a, b: g,
                   lambda g, out, a, b: g),
         method=("__add__", "__radd__"), scalar=True, symbol="+",
         jacobian=("I", "I"), check=check_broadcastable)

SUB = Op("sub", Pattern.SIGNED_DISTRIBUTOR, operator.sub,
         backward=(lambda g, out, a, b: g,
                   lambda g, out, a, b: -g),
         method=("__sub__", "__rsub__"), scalar=True, symbol="-",
         jacobian=("I", "-I"), check=check_broadcastable)

MUL = Op("mul", Pattern.SWAP_MULTIPLIER, operator.mul,
         backward=(lambda g, out, a, b: g * b,
                   lambda g, out, a, b: g * a),
         method=("__mul__", "__rmul__"), scalar=True, symbol="*",
         jacobian=("diag(b)", "diag(a)"), check=check_broadcastable)


def _divide(a, b):
    try:
        return a / b
    except ZeroDivisionError:
        raise ZeroDivisionError(f"div: division by zero ({a!r} / {b!r})") from None


DIV = Op("div", Pattern.QUOTIENT, _divide,
         backward=(lambda g, out, a, b: g / b,
                   lambda g, out, a, b: g * out / -b),      # -a/b^2 = -out/b
         method=("__truediv__", "__rtruediv__"), scalar=True, symbol="/",
         jacobian=("diag(1/b)", "diag(-a/b^2)"), check=check_broadcastable)

NEG = Op("neg", Pattern.SCALE, operator.neg,
         backward=(lambda g, out, a: -g,),
         method="__neg__", scalar=True, symbol="-x", jacobian=("-I",))


def _power(a, exponent):
    if a.__class__ is float:            # a Value: Python's ** with its errors made clear
        try:
            result = a ** exponent
        except ZeroDivisionError:
            raise ValueError(f"pow: {a!r} ** {exponent!r} is undefined (division by zero)") from None
        except OverflowError:
            raise ValueError(f"pow: {a!r} ** {exponent!r} overflows a float") from None
        if result.__class__ is complex:
            raise ValueError(f"pow: negative base {a!r} to non-integer power {exponent!r}")
        return result
    return a ** exponent


def slope(a, exponent):
    """d(a^p)/da = p a^(p-1), written with ** so that it records under create_graph.
    On a float it is refused like pow's value: undefined at 0 for p < 1, or too large for
    a float (a Value's local gradient is a float or an error, never a raw OverflowError)."""
    if exponent == 0:
        return 0.0              # a ** 0 is the constant 1, also at a = 0 (torch)
    if exponent == 1:
        return 1.0
    if exponent == 2:
        return 2.0 * a          # no a**1 node in a drawn backward graph
    if raw(a).__class__ is float and raw(a) == 0.0 and exponent < 1:
        raise ValueError(f"pow: gradient of x ** {exponent!r} is undefined at x=0")
    if a.__class__ is float:    # a plain backward: Python's ** raises OverflowError
        try:
            local = exponent * a ** (exponent - 1)
        except OverflowError:
            local = math.inf
        if local - local != 0.0 and a - a == 0.0:
            raise ValueError(f"pow: gradient of x ** {exponent!r} overflows a float at x={a!r}")
        return local
    return exponent * a ** (exponent - 1)


def _exponent(a, exponent):
    if hasattr(exponent, "inputs"):
        raise TypeError(f"pow: the exponent must be a number, not a {type(exponent).__name__} "
                        "(write (b * a.log()).exp() for a positive base a)")
    if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
        raise TypeError(f"pow: exponent must be a number, got {type(exponent).__name__}")
    return (a,), {"exponent": exponent if isinstance(exponent, int) else float(exponent)}


def _power_symbol(params):
    p = params.get("exponent")
    return "**" + (str(int(p)) if isinstance(p, float) and p.is_integer() else str(p))


POW = Op("pow", Pattern.POWER, _power,
         backward=(lambda g, out, a, exponent: g * slope(a, exponent),),
         method="__pow__", parse=_exponent, scalar=True, symbol=_power_symbol,
         jacobian=("diag(p * a^(p-1))",))


def rpow(node, base):
    """number ** node, as exp(node * log(number)): defined for a positive base."""
    if not isinstance(base, numbers.Real) or isinstance(base, bool) or base <= 0:
        raise ValueError(f"pow: {base!r} ** {type(node).__name__} needs a positive number as "
                         "the base")
    return EXP(MUL(node, math.log(base)))
