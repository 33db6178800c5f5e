"""Which ops are methods of Value and Tensor: declared once, with the op.

An op declared with ``method="exp"`` (or a tuple of names, such as
``("__add__", "__radd__")``) becomes that method or operator of every class that carries
the registry: Value, Tensor and the scalar-expansion arrays. Its plain names (not
``__dunder__``) are also the functions the CLI's parser accepts. A class that defines a
method itself keeps its own (Tensor.max also reduces; it calls the op for the elementwise
case).

    carry(cls, unary=..., binary=..., reflected=...)   a class asks for the methods
    declare(op, names)                                  done by Op(..., method=...)
    forget(op)                                          undo a declaration (tests)
    functions(arity)                                    plain names of 1- or 2-input ops
"""

from __future__ import annotations

METHODS: dict = {}      # method name -> Op, in declaration order
_CARRIERS: list = []    # (class, {"unary": maker, ..., "operators": bool})
_INSTALLED: set = set()  # (class, name) pairs set here (so forget never removes a class's own)


def declare(op, names):
    """Make ``op`` the method ``name`` (each of ``names``) of every carrying class."""
    for name in names:
        if name in METHODS and METHODS[name] is not op:
            raise ValueError(f"method {name!r} is already declared by {METHODS[name]!r}")
        METHODS[name] = op
        for cls, makers in _CARRIERS:
            _install(cls, makers, name, op)


def carry(cls, operators=True, **makers):
    """Give ``cls`` every declared method, now and as more are declared. ``makers`` build
    one method from an op: unary(op), binary(op) (self <op> other) and reflected(op)
    (other <op> self); a missing maker means the class has no such methods.
    operators=False: plain names only (the class has its own + - * /)."""
    makers["operators"] = operators
    _CARRIERS.append((cls, makers))
    for name, op in METHODS.items():
        _install(cls, makers, name, op)


def forget(op):
    """Remove every method declared by ``op`` (the undo of a declaration)."""
    for name in [n for n, o in METHODS.items() if o is op]:
        del METHODS[name]
        for cls, _ in _CARRIERS:
            if (cls, name) in _INSTALLED:
                _INSTALLED.discard((cls, name))
                delattr(cls, name)


def functions(arity):
    """Plain method names (exp, max, ...) of the ops taking ``arity`` inputs."""
    return tuple(n for n, op in METHODS.items() if not n.startswith("_") and op.arity == arity)


def is_reflected(name):
    """``__radd__`` is the reflected form of a declared ``__add__``."""
    return name.startswith("__r") and f"__{name[3:]}" in METHODS


def _install(cls, makers, name, op):
    if name in cls.__dict__ and (cls, name) not in _INSTALLED:
        return                                  # the class's own method wins
    if name.startswith("__") and not makers["operators"]:
        return
    kind = "reflected" if is_reflected(name) else ("binary" if op.arity == 2 else "unary")
    maker = makers.get(kind)
    if maker is None:
        return
    method = maker(op)
    method.__name__ = name
    method.__doc__ = f"{op.name} ({op.pattern})."
    setattr(cls, name, method)
    _INSTALLED.add((cls, name))


class Names:
    """A live, read-only sequence of method names (``functions(arity)``, or the union of
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
