"""The lectures' notation: X11, F11, O11, dE/dO11, generated from the geometry (taps.py).

Entries are numbered from 1, row then column (X23: row 2, column 3). With several channels
the channel is a superscript, also from 1: X^2_11 (input channel 2), F^1,2_11 (filter of
output channel 1, input channel 2), O^1_11. One channel writes none, as the lectures do.

Every equation is built from the taps (which X met which filter entry at which O), never
typed in; ``Equation.value`` substitutes the recorded numbers so the tests can compare each
equation with the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from autograd.ops.conv import CONV2D
from autograd.ops.pool import MAX_POOL2D

from .taps import Geometry


@dataclass(frozen=True)
class Sym:
    """One entry: name ('X', 'F', 'O', 'b'), channel (0-based, () when not written), index
    (0-based (row, col), () for a bias), grad: dE/d(entry) rather than the entry."""

    name: str
    channel: tuple
    index: tuple
    grad: bool = False

    def _parts(self):
        sup = ",".join(str(c + 1) for c in self.channel)
        sub = "".join(str(k + 1) for k in self.index)
        return sup, sub

    def text(self):
        sup, sub = self._parts()
        core = self.name + (f"^{sup}_{sub}" if sup and sub else f"^{sup}" if sup else sub)
        return f"dE/d{core}" if self.grad else core

    def tex(self):
        sup, sub = self._parts()
        core = self.name + (f"^{{{sup}}}" if sup else "") + (f"_{{{sub}}}" if sub else "")
        return rf"\frac{{\partial E}}{{\partial {core}}}" if self.grad else core

    def key(self):
        """What to look a number up by: (name, grad, channel, index)."""
        return self.name, self.grad, self.channel, self.index


@dataclass
class Equation:
    """lhs = a combination of terms; each term is a tuple of Syms multiplied together.

    how: 'sum' (terms added), 'max' (the largest single-Sym term), 'mean' (terms added,
    then divided by ``divisor``). ``engine``: (gradient name, index) of the engine's number
    this equation must equal.
    """

    lhs: Sym
    terms: list
    how: str = "sum"
    divisor: int = 1
    engine: tuple = ()
    note: str = field(default="", compare=False)

    def _body(self, part, times, frac):
        prods = [times.join(part(s) for s in t) for t in self.terms]
        if self.how == "max":
            if not prods:
                return r"-\infty" if frac else "-inf (the window lies in the padding)"
            return ("\\max" if frac else "max") + "(" + ", ".join(prods) + ")"
        body = " + ".join(prods) or "0"
        if self.how == "mean" and self.terms:
            if frac:
                return rf"\frac{{{body}}}{{{self.divisor}}}"
            return f"({body}) / {self.divisor}" if len(prods) > 1 else f"{body} / {self.divisor}"
        return body

    def text(self):
        """'O11 = F11 X11 + F12 X12 + ...' (a space multiplies, as on the slides)."""
        return f"{self.lhs.text()} = {self._body(Sym.text, ' ', False)}"

    def tex(self):
        return f"{self.lhs.tex()} &= {self._body(Sym.tex, ' ', True)}"

    def value(self, numbers):
        """The right-hand side with the recorded numbers put in (numbers: Sym.key() -> float)."""
        vals = [float(np.prod([numbers[s.key()] for s in t])) for t in self.terms]
        if self.how == "max":
            return max(vals, default=-np.inf)      # a window wholly in the -inf padding
        total = float(np.sum(vals)) if vals else 0.0
        return total / self.divisor if self.how == "mean" else total

    def numbers_text(self, numbers, number):
        """The same line with numbers: '1*1 + 2*2 + 4*3 + 5*4 = 37'."""
        prods = ["*".join(_paren(number(numbers[s.key()]), k) for k, s in enumerate(t))
                 for t in self.terms]
        value = number(self.value(numbers))
        if self.how == "sum" and len(self.terms) <= 1 and all(len(t) == 1 for t in self.terms):
            return value            # dE/dX22 = dE/dO11 = 1, not '1 = 1'
        if self.how == "max":
            return f"max({', '.join(prods)}) = {value}"
        body = " + ".join(prods).replace("+ -", "- ") or "0"
        if self.how == "mean" and self.terms:
            body = f"({body}) / {self.divisor}" if len(prods) > 1 else f"{body} / {self.divisor}"
        return f"{body} = {value}"


def _paren(text, position):
    return f"({text})" if position and text.startswith("-") else text


class Notation:
    """Which channel superscripts to write, for one node's shapes."""

    def __init__(self, in_channels, out_channels, per_group):
        self.multi_in, self.multi_out, self.multi_slice = in_channels > 1, out_channels > 1, per_group > 1

    def X(self, c, i, j, grad=False):
        return Sym("X", (c,) if self.multi_in else (), (i, j), grad)

    def O(self, o, a, b, grad=False):   # noqa: E743 - the lectures' O
        return Sym("O", (o,) if self.multi_out else (), (a, b), grad)

    def F(self, o, cl, u, v, grad=False):
        channel = ((o,) if self.multi_out else ()) + ((cl,) if self.multi_slice else ())
        return Sym("F", channel, (u, v), grad)

    def b(self, o, grad=False):
        return Sym("b", (o,) if self.multi_out else (), (), grad)


def conv_equations(node):
    """{'forward', 'weight', 'input', 'bias'}: lists of Equations of a conv2d node."""
    geo = Geometry.of(node)
    C = node.parents[0].data.shape[1]
    Co, Cg = node.parents[1].data.shape[:2]
    Og = Co // node.params["groups"]
    n = Notation(C, Co, Cg)
    eq = {"forward": [], "weight": [], "input": [], "bias": []}
    for o in range(Co):
        first = (o // Og) * Cg
        for a in range(geo.out[0]):
            for b in range(geo.out[1]):
                terms = [(n.F(o, cl, t.u, t.v), n.X(first + cl, t.i, t.j))
                         for cl in range(Cg) for t in geo.window(a, b) if geo.inside(t.i, t.j)]
                eq["forward"].append(Equation(n.O(o, a, b), terms, engine=("output", (0, o, a, b))))
        for cl in range(Cg):
            for u in range(geo.kernel[0]):
                for v in range(geo.kernel[1]):
                    terms = [(n.O(o, t.a, t.b, True), n.X(first + cl, t.i, t.j))
                             for t in geo.uses(u, v) if geo.inside(t.i, t.j)]
                    eq["weight"].append(Equation(n.F(o, cl, u, v, True), terms,
                                                 engine=("weight", (o, cl, u, v))))
        eq["bias"].append(Equation(n.b(o, True), [(n.O(o, a, b, True),) for a in range(geo.out[0])
                                                  for b in range(geo.out[1])], engine=("bias", (o,))))
    for c in range(C):
        g, cl = divmod(c, Cg)
        for i in range(geo.size[0]):
            for j in range(geo.size[1]):
                terms = [(n.O(o, t.a, t.b, True), n.F(o, cl, t.u, t.v))
                         for o in range(g * Og, (g + 1) * Og) for t in geo.feeds(i, j)]
                eq["input"].append(Equation(n.X(c, i, j, True), terms, engine=("input", (0, c, i, j))))
    return eq


def pool_equations(node):
    """{'forward', 'input'}: a pooling node's outputs (max(...) or the mean) and the router's
    (or the distributor's) input gradients; the max winners are the arg-max the forward saved."""
    geo = Geometry.of(node)
    C = node.parents[0].data.shape[1]
    n = Notation(C, C, 1)
    area = geo.kernel[0] * geo.kernel[1]
    mode = "max" if node.gate is MAX_POOL2D else "mean"
    eq = {"forward": [], "input": []}
    parts = {}
    for c in range(C):
        for a in range(geo.out[0]):
            for b in range(geo.out[1]):
                window = [t for t in geo.window(a, b) if geo.inside(t.i, t.j)]
                eq["forward"].append(Equation(n.O(c, a, b), [(n.X(c, t.i, t.j),) for t in window],
                                              mode, area, ("output", (0, c, a, b))))
                if mode == "max":
                    u, v = divmod(int(node.saved[0][c, a, b]), geo.kernel[1])
                    for t in window:     # none when the winner is the padding's -inf
                        if (t.u, t.v) == (u, v):
                            parts.setdefault((c, t.i, t.j), []).append((n.O(c, a, b, True),))
                else:
                    for t in window:
                        parts.setdefault((c, t.i, t.j), []).append((n.O(c, a, b, True),))
    for c in range(C):
        for i in range(geo.size[0]):
            for j in range(geo.size[1]):
                terms = parts.get((c, i, j), [])
                how = "mean" if mode == "mean" else "sum"
                eq["input"].append(Equation(n.X(c, i, j, True), terms, how, area,
                                            ("input", (0, c, i, j))))
    return eq


def numbers_of(node, upstream):
    """Sym.key() -> the recorded number, for every entry an equation of ``node`` can name."""
    x = np.asarray(node.parents[0].data[0], dtype=np.float64)
    C = x.shape[0]
    out = np.asarray(node.data[0], dtype=np.float64)
    conv = node.gate is CONV2D
    w = np.asarray(node.parents[1].data, dtype=np.float64) if conv else None
    n = Notation(C, out.shape[0], w.shape[1]) if conv else Notation(C, C, 1)
    table = {}
    for (c, i, j), v in np.ndenumerate(x):
        table[n.X(c, i, j).key()] = float(v)
    for (o, a, b), v in np.ndenumerate(out):
        table[n.O(o, a, b).key()] = float(v)
        table[n.O(o, a, b, True).key()] = float(upstream[0, o, a, b])
    if conv:
        for (o, cl, u, v), val in np.ndenumerate(w):
            table[n.F(o, cl, u, v).key()] = float(val)
    return table


SECTIONS = {
    "forward": "The forward pass",
    "weight": "The filter's gradient: the upstream over X",
    "input": "The input's gradient",
    "bias": "The bias's gradient: the upstream's sum",
}


def tex_document(equations, title):
    """A LaTeX file (article, amsmath): each section's equations in an align* block."""
    lines = [r"\documentclass{article}", r"\usepackage{amsmath}", r"\allowdisplaybreaks",
             r"\begin{document}", rf"\section*{{{title}}}"]
    for part, eqs in equations.items():
        if not eqs:
            continue
        lines += [rf"\subsection*{{{SECTIONS[part]}}}", r"\begin{align*}"]
        lines += [e.tex() + (r" \\" if k < len(eqs) - 1 else "") for k, e in enumerate(eqs)]
        lines.append(r"\end{align*}")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
