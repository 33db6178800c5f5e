"""Methods and functions made from the op declarations.

An op declared with ``method="exp"`` (or several names, ``("__add__", "__radd__")``)
becomes that method or operator of every class that carries the registry -- Value (for
scalar ops), Tensor, the scalar-expansion arrays -- and ``function="relu"`` a function of
autograd.functional. Plain method names of scalar ops are also the functions the CLI's
expression parser accepts. A class that defines a method itself keeps its own (Tensor.max
also reduces; it calls the op for the elementwise case).

    carry(target, make, accepts=..., operators=True)   a class or module asks for them
    method(op, name, parse)                             the method a node kind carries
    declare(op)                                         done by Op(..., method=..., function=...)
    withdraw(op)                                        undo a declaration (tests)
    functions(arity)                                    plain names of scalar 1- or 2-input ops
"""

from __future__ import annotations

METHODS: dict = {}       # method name -> (op, parse), in declaration order
FUNCTIONS: dict = {}     # function name -> op
_CARRIERS: list = []     # (target, make, accepts, kind, operators)
_INSTALLED: set = set()  # (target, name) set here, so withdraw never removes a class's own


def declare(op):
    """Give every carrier the methods and functions ``op`` declares."""
    for name in op.method:
        _claim(METHODS, name, op)
    for name in op.function:
        _claim(FUNCTIONS, name, op)
    for name, parse in op.method.items():
        METHODS[name] = (op, parse)
    for name in op.function:
        FUNCTIONS[name] = op
    for carrier in _CARRIERS:
        _install_all(carrier, op)


def _claim(table, name, op):
    held = table.get(name)
    held = held[0] if isinstance(held, tuple) else held
    if held is not None and held is not op:
        raise ValueError(f"method {name!r} is already declared by {held!r}")


def carry(target, make, accepts=lambda op: True, kind="method", operators=True):
    """Give ``target`` (a class, or a module for kind="function") every declared method
    (or function) of the ops it ``accepts``, now and as more are declared.

    make(op, name, parse) builds one; it may return None (no such method for this
    target). operators=False: plain names only (the class has its own + - * /)."""
    carrier = (target, make, accepts, kind, operators)
    _CARRIERS.append(carrier)
    for op in {entry if kind == "function" else entry[0]: None
               for entry in (FUNCTIONS if kind == "function" else METHODS).values()}:
        _install_all(carrier, op)


def _install_all(carrier, op):
    target, make, accepts, kind, operators = carrier
    if not accepts(op):
        return
    if kind == "function":
        names = dict.fromkeys(op.function, op.parse)
    else:
        names = {name: parse for name, parse in op.method.items()
                 if operators or not name.startswith("__")}
    for name, parse in names.items():
        if name in vars(target) and (target, name) not in _INSTALLED:
            continue                            # the target's own definition wins
        made = make(op, name, parse or op.parse)
        if made is None:
            continue
        made.__name__ = name
        made.__doc__ = made.__doc__ or f"{op.name} ({op.pattern})."
        setattr(target, name, made)
        _INSTALLED.add((target, name))


def withdraw(op):
    """Remove every method and function declared by ``op``."""
    names = [n for n, (o, _) in METHODS.items() if o is op]
    names += [n for n, o in FUNCTIONS.items() if o is op]
    for name in names:
        METHODS.pop(name, None)
        FUNCTIONS.pop(name, None)
        for target, *_ in _CARRIERS:
            if (target, name) in _INSTALLED:
                _INSTALLED.discard((target, name))
                delattr(target, name)


def method(op, name, parse):
    """The method ``name`` of a node kind (Value, Tensor): self is the op's first input, or
    its second for a reflected operator (``2 - x`` is sub(2, x))."""
    if is_reflected(name):
        return lambda self, other: op(other, self)
    if parse is None:
        return lambda self, *args, **params: op(self, *args, **params)
    return lambda self, *args, **kwargs: op.call(self, *args, parse=parse, **kwargs)


def is_reflected(name):
    """``__radd__`` is the reflected form of a declared ``__add__`` (other + self)."""
    return name.startswith("__r") and f"__{name[3:]}" in METHODS


def functions(arity):
    """Plain method names (exp, max, ...) of the scalar ops taking ``arity`` inputs: the
    functions of an expression (the CLI's whitelist)."""
    return tuple(n for n, (op, _) in METHODS.items()
                 if not n.startswith("_") and op.scalar and op.arity == arity)


class Names:
    """A live, read-only sequence of function names (``functions(arity)``, or the union of
    several): ``in``, iteration and ``+`` always see the current declarations."""

    def __init__(self, *arities):
        self.arities = arities

    def _names(self):
        return tuple(n for a in self.arities for n in functions(a))

    def __iter__(self):
        return iter(self._names())

    def __contains__(self, name):
        return name in self._names()

    def __len__(self):
        return len(self._names())

    def __add__(self, other):
        return Names(*self.arities, *other.arities)

    def __repr__(self):
        return f"Names{self._names()}"
