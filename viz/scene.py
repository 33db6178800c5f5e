"""The shape of a drawing: which Graphviz nodes and wires a graph of Values or Tensors needs.

Node ids come from counters in graph order (leaves first, root last), never from id(obj),
so the same graph always gives the same DOT text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograd import Tensor, Value, topological_order

from .input_text import check_printable


@dataclass(frozen=True)
class Wire:
    """An edge of the drawing. ``node`` is the autograd node whose value flows along it.

    kind: "in" (node -> its only consumer), "trunk" (node -> its copy point),
    "branch" (copy point -> one consumer), "out" (Value graphs: root -> the output name).
    """

    src: str
    dst: str
    node: Any
    consumer: Any
    index: int
    kind: str


class Scene:
    """Graphviz names and wires for the graph ending at ``root``.

    Value graphs are drawn as lecture circuits: gates are nodes, values travel on wires.
    Tensor graphs are drawn as boxes holding the arrays, one box per node. In both, a node
    used twice or more gets a copy point (the adder), where its gradients are summed.
    """

    def __init__(self, root):
        if not isinstance(root, (Value, Tensor)):
            raise TypeError(f"viz: expected a Value or a Tensor, got {type(root).__name__}")
        self.root = root
        self.scalar = isinstance(root, Value)
        self.nodes = topological_order(root)  # leaves first, inputs in order, root last
        for n in self.nodes:
            check_label(n.label)
        self.names = {id(n): f"n{k}" for k, n in enumerate(self.nodes)}
        self.uses = {id(n): [] for n in self.nodes}
        for c in self.nodes:
            for i, p in enumerate(c.parents):
                self.uses[id(p)].append((c, i))
        self.copies = {}
        self.wires = []
        k = 0
        for n in self.nodes:
            if len(self.uses[id(n)]) >= 2:
                self.copies[id(n)] = f"c{k}"
                k += 1
        for c in self.nodes:
            for i, p in enumerate(c.parents):
                copy = self.copies.get(id(p))
                if copy is None:
                    self.wires.append(Wire(self.name(p), self.name(c), p, c, i, "in"))
                else:
                    self.wires.append(Wire(copy, self.name(c), p, c, i, "branch"))
        for n in self.nodes:
            copy = self.copies.get(id(n))
            if copy is not None:
                self.wires.append(Wire(self.name(n), copy, n, None, 0, "trunk"))
        if self.scalar:
            self.wires.append(Wire(self.name(self.root), "out", self.root, None, 0, "out"))

    def name(self, node):
        return self.names[id(node)]


def check_label(label):
    """A label is drawn as text: a str of printable characters (no NUL, no control or bidi
    characters, no lone surrogates), else one TypeError or ValueError naming it."""
    if not isinstance(label, str):
        raise TypeError(f"viz: a node's label must be a str, got {type(label).__name__} "
                        f"{ascii(label)[:40]}")
    try:
        check_printable(label, f"viz: the label {label[:30]!a}")
    except ValueError as e:
        raise ValueError(str(e)) from None
