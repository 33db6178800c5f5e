"""The mistakes lab: a wrong engine beside the right one, on the same graph.

    lab = viz.mistake(root, "overwrite")     # root: a Value or Tensor after its forward
    print(lab)                               # both gradients, the first difference, gradcheck
    lab                                      # in a notebook: the two backward passes side by side

The wrong engine is the lesson with one piece swapped (variants.py), run with the kernels
detached (a fast form attached to the lesson would hide the swap: the kernels' driver has a
loop of its own, conv a joint rule). The swap is process-wide while it lasts: the lab holds a
lock so that two labs never overlap, and every other thread sees the wrong engine meanwhile.
It is a teaching tool, not something to run beside a training in another thread.
"""

from __future__ import annotations

import math
import re

import numpy as np

from autograd import Tensor, Value, backprop_steps, topological_order
from autograd.core import COPY
from autograd.core import backward as driver
from autograd.teaching.check import GradcheckError, gradcheck

from .engine import find, wrong_engine

MAX_GRADCHECK = 2000    # input numbers gradcheck perturbs (two forward replays each)
# ---------------------------------------------------------------- one engine's run


class Run:
    """What one engine did: every node's .grad after ``calls`` backward() calls (id -> value,
    None where nothing arrived), its steps (one pass), the order its driver visits the nodes
    (ids), or the error it raised."""

    def __init__(self, grads, steps, visits=(), error=None):
        self.grads, self.steps, self.visits, self.error = grads, steps, list(visits), error

    def arrivals(self, node):
        """(parts ``node`` received before the driver visited it, parts received after)."""
        at = {k: i for i, k in enumerate(self.visits)}
        before, after = [], []
        for s in self.steps:
            if s.gate is not COPY:
                for x, part in zip(s.inputs, s.downstream):
                    if x is node and part is not None:
                        (before if at[id(s.output)] < at[id(node)] else after).append(part)
        return before, after


def _zero(nodes):
    for n in nodes:
        n.grad = 0.0 if isinstance(n, Value) else None


def _grad_of(n):
    if isinstance(n, Value):
        return float(n.grad)
    return None if n.grad is None else np.array(n.grad.data)


def run_engine(root, nodes, grad=None, calls=1):
    """Zero every .grad, call backward ``calls`` times, read every .grad; then record the
    steps of one pass (autograd.backprop_steps, which leaves .grad alone)."""
    _zero(nodes)
    for _ in range(calls):
        root.backward(grad)
    grads = {id(n): _grad_of(n) for n in nodes}
    visits = [id(n) for n in reversed(driver.topological_order(root))]   # as the driver visits
    return Run(grads, backprop_steps(root, grad), visits)


WRONG_ENGINE_ERRORS = (ValueError, TypeError, IndexError, ArithmeticError, RecursionError, RuntimeError)


def one_line(error):
    """'RecursionError: maximum recursion depth exceeded' (the first line of the message)."""
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"


# ---------------------------------------------------------------- comparing


def same(a, b):
    """Equal gradients, to rounding (the right engine may run with kernels, the wrong one not)."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(np.asarray(a)), float(np.asarray(b)), rel_tol=1e-9, abs_tol=1e-12)
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    scale = max(1.0, float(np.abs(a).max(initial=0.0)))
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12 * scale, equal_nan=True))


def node_names(root, names=None):
    """id(node) -> a short name for the lab's text: ``names`` (id -> text) first, else the
    label, else the op (numbered when it repeats) or, for a constant, its value."""
    names = dict(names or {})
    seen = {}
    for n in topological_order(root):
        if id(n) in names:
            continue
        if n.label:
            names[id(n)] = n.label
        elif n.is_leaf:
            kind = "input" if n.requires_grad else "constant"
            names[id(n)] = f"{n.data:g}" if isinstance(n, Value) else f"{kind} {tuple(n.shape)}"
        else:
            seen[n.op] = seen.get(n.op, 0) + 1
            names[id(n)] = f"({n.op})" if seen[n.op] == 1 else f"({n.op} {seen[n.op]})"
    return names


# ---------------------------------------------------------------- gradcheck on the same graph


def replay(root, leaves):
    """fn(*leaves) -> a fresh graph of root's recorded ops applied to the leaves as they are
    now (gradcheck moves their numbers): the same graph, recomputed."""
    def fn(*xs):
        made = {id(leaf): x for leaf, x in zip(leaves, xs)}
        for node in topological_order(root):
            if id(node) not in made:
                made[id(node)] = node if node.is_leaf else \
                    node.gate(*(made[id(x)] for x in node.inputs), **node.params)
        return made[id(root)]
    return fn


class Verdict:
    """gradcheck's answer for one engine: passed (True/False, None when not run) and a line."""

    def __init__(self, passed, text):
        self.passed, self.text = passed, text

    def __repr__(self):
        return f"Verdict({self.passed}, {self.text!r})"


def check_leaves(root):
    """The inputs gradcheck moves: every leaf that requires a gradient."""
    return [n for n in topological_order(root) if n.is_leaf and n.requires_grad]


def run_gradcheck(root, leaves, names, output):
    """gradcheck of root's graph with respect to ``leaves``, under whatever engine is on."""
    numbers = sum(1 if isinstance(x, Value) else x.data.size for x in leaves)
    if not leaves:
        return Verdict(None, "not run: no input requires a gradient")
    if numbers > MAX_GRADCHECK:
        return Verdict(None, f"not run: {numbers:,} input numbers (at most {MAX_GRADCHECK:,})")
    narrow = next((x for x in leaves if isinstance(x, Tensor) and x.dtype != np.float64), None)
    if narrow is not None:
        return Verdict(None, f"not run: finite differences need float64 inputs "
                             f"({names[id(narrow)]} is {narrow.dtype})")
    try:
        gradcheck(replay(root, leaves), leaves)
    except GradcheckError as e:
        def name(m):         # 'input 1 element (0, 0, 2, 1)' -> 'dE/dX[2, 1]'
            leaf = leaves[int(m.group(1))]
            text = f"d{output}/d{names[id(leaf)]}"
            if m.group(2) is None:
                return text
            index = [int(i) for i in m.group(2).replace(",", " ").split()]
            while len(index) > 1 and leaf.shape[len(leaf.shape) - len(index)] == 1:
                index = index[1:]
            return text + "[" + ", ".join(str(i) for i in index) + "]"
        text = re.sub(r"input (\d+)(?: element \(([\d, ]*)\))?", name, str(e).removeprefix("gradcheck: "))
        text = re.sub(r" [(][|]diff[|].*", "", text)         # the tolerances: noise here
        return Verdict(False, f"fails: {text}")
    except WRONG_ENGINE_ERRORS as e:
        return Verdict(False, f"fails: {one_line(e)}")
    return Verdict(True, "passes")


# ---------------------------------------------------------------- the lab


def _output_name(root):
    """What the text differentiates: f (or the label) for a Value, E for a Tensor (the loss
    whose upstream dE/dO reaches the root), or the label of a one-element tensor."""
    if isinstance(root, Value):
        return root.label or "f"
    return root.label if root.label and root.data.size == 1 else "E"


class MistakeLab:
    """The right and the wrong engine on one graph (what viz.mistake returns).

    mistake       the Mistake (name, summary, real, shows)
    order         the nodes that take a gradient, in the order backprop visits them
    right, wrong  Run: id(node) -> gradient, and the steps of one pass
    first         the first node of ``order`` whose gradients differ (None: they agree)
    checks        {"right": Verdict, "wrong": Verdict} from gradcheck (None if not asked)
    names         id(node) -> the name the text uses
    inputs        the leaves whose gradients the text sums up and gradcheck moves (default:
                  the labelled ones; gradcheck moves every leaf if none is labelled)

    After the lab, every .grad holds the right engine's gradient.
    """

    def __init__(self, root, name, *, grad=None, names=None, output=None, inputs=None, check=True):
        if not isinstance(root, (Value, Tensor)):
            raise TypeError(f"mistake: expected a Value or a Tensor, got {type(root).__name__}")
        if not root.requires_grad:
            raise ValueError("mistake: the output does not require grad (no graph was recorded)")
        self.mistake = find(name)
        if grad is None and isinstance(root, Tensor) and root.data.size != 1:
            grad = np.ones(root.shape, root.dtype)      # as the conv and pool commands do
        self.root, self.grad = root, grad
        nodes = topological_order(root)
        self.order = [n for n in reversed(nodes) if n.requires_grad]
        self.names = node_names(root, names)
        self.output = output or _output_name(root)
        self.inputs = list(inputs) if inputs is not None else \
            [n for n in reversed(self.order) if n.is_leaf and n.label]
        leaves = [x for x in self.inputs if x.requires_grad] or check_leaves(root)
        self.checks = None
        with wrong_engine(name) as m:
            try:
                self.wrong = run_engine(root, nodes, grad, m.calls)
            except WRONG_ENGINE_ERRORS as e:
                self.wrong = Run({}, [], error=one_line(e))
            wrong_check = run_gradcheck(root, leaves, self.names, self.output) if check else None
        right_check = run_gradcheck(root, leaves, self.names, self.output) if check else None
        self.right = run_engine(root, nodes, grad)     # last: .grad keeps the right gradients
        if check:
            self.checks = {"right": right_check, "wrong": wrong_check}
        self.first = next((n for n in self.order if not same(self.right.grads.get(id(n)),
                                                             self.wrong.grads.get(id(n)))), None) \
            if self.wrong.error is None else None

    def gradients(self, node):
        """(right, wrong) gradient of ``node``."""
        return self.right.grads.get(id(node)), self.wrong.grads.get(id(node))

    def parts(self, node, run=None):
        """The parts a node used several times received (its copy step) in ``run``, or None."""
        for s in (run or self.right).steps:
            if s.gate is COPY and s.output is node:
                return s.upstream, s.downstream[0]
        return None

    def report(self, digits=3):
        """The lab's text: both engines' gradients, the first difference, gradcheck."""
        from .report import report
        return report(self, digits)

    def __str__(self):
        return self.report()

    def stepper(self, digits=3, title=None):
        """The two backward passes side by side, a frame per step (a Stepper)."""
        from .page import side_by_side
        return side_by_side(self, digits=digits, title=title)

    def drawings(self, digits=3):
        """(right, wrong): the graph drawn with each engine's gradients, the first difference
        highlighted in both."""
        from .page import result_drawings
        return result_drawings(self, digits)

    def save(self, path, digits=3, title=None):
        """Write the side-by-side stepper to ``path`` (one self-contained page)."""
        return self.stepper(digits, title).save(path)

    def _repr_html_(self):
        return self.stepper()._repr_html_()


def mistake(root, name, *, grad=None, names=None, output=None, inputs=None, check=True):
    """Run the wrong engine ``name`` (see ``chainrule mistakes``) beside the right one on the
    graph ending at ``root``: a MistakeLab (prints its report; displays as a side-by-side
    stepper in a notebook).

    grad: the upstream gradient of a non-scalar root (ones if not given). names: {node: name}
    for the text. output: the name of what is differentiated (f, E). inputs: the leaves whose
    gradients the text sums up and gradcheck moves. check: run gradcheck on both engines."""
    if names is not None:
        names = {id(k): v for k, v in names.items()}
    return MistakeLab(root, name, grad=grad, names=names, output=output, inputs=inputs, check=check)
