"""Graph core shared by Value and Tensor.

An op is declared once, as data (`Op`): a name, its gate pattern, a forward on raw
data and one backward rule per input. The driver below walks any graph of nodes in
reverse dependency order and applies those rules; it knows nothing about particular ops.

Backward rules are written with ordinary arithmetic and with calls to other `Op`s. Given
raw floats/arrays they compute numbers quickly; given nodes (create_graph=True) they
record a graph of the same primitives, which can be drawn and differentiated again.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

# The four gate patterns of backprop (plus honest names used by other ops).
DISTRIBUTOR = "distributor"
SWAP_MULTIPLIER = "swap multiplier"
ROUTER = "router"
ADDER = "adder"


class Op:
    """One differentiable operation.

    forward(*raw_inputs, **params) -> raw output (or (output, saved) when ``saves``).
    backward: a tuple with one rule per input, rule(g, out, *inputs, **params) -> gradient,
        or for variadic ops one callable rule(i, g, out, *inputs, **params).
    local(out, *raw_inputs, **params) -> per-input local gradients (numbers, for steps).
    jacobian: per-input text describing the implicit Jacobian of a tensor op.
    check(*raw_inputs, **params): raises a clear error when forward failed on bad input.
    prepare(raw_upstream) -> the same values, in the memory layout the rules read fastest:
        applied once per node before its rules, so rules that share the upstream share
        the work (not while recording a graph: the values are the same).
    """

    __slots__ = ("backward", "binary", "check", "forward", "jacobian", "local", "name",
                 "pattern", "prepare", "saves")

    def __init__(self, name, pattern, forward, backward, local=None, jacobian=None,
                 check=None, saves=False, prepare=None):
        self.name = name
        self.pattern = pattern
        self.forward = forward
        self.backward = backward
        self.local = local
        self.jacobian = jacobian
        self.check = check
        self.saves = saves
        self.prepare = prepare
        # the driver's unrolled path: two inputs, one rule each, nothing to prepare
        self.binary = isinstance(backward, tuple) and len(backward) == 2 and prepare is None

    def __call__(self, *args, **params):
        """Apply to nodes (records a node) or to raw data (computes directly)."""
        for a in args:
            if isinstance(a, Node):
                return a._apply(self, args, params)
        out = self.forward(*args, **params)
        return out[0] if self.saves else out

    def __repr__(self):
        return f"Op({self.name!r}, {self.pattern!r})"


class Node:
    """Base of Value and Tensor. Subclasses provide the slots data, grad, label, _op, _ctx,
    the inputs _in0, _in1 (None when absent) and _more (a tuple of any further inputs),
    and the hooks used below.

    Inputs live in slots rather than one tuple: a tuple per node is a second object for the
    cyclic garbage collector to track, and a graph of scalars grows by tens of thousands of
    nodes per step (scalar benchmark: forward 51 -> 28 ms)."""

    __slots__ = ()
    _broadcasts = False  # True where contributions may need reducing to the parent's shape
    _more = ()

    @property
    def _parents(self) -> tuple:
        """The inputs, in order (empty for a leaf)."""
        a = self._in0
        if a is None:
            return ()
        b = self._in1
        return (a,) if b is None else (a, b, *self._more)

    @property
    def op(self) -> str:
        """Name of the op that made this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        return self._parents

    inputs = parents

    @property
    def pattern(self) -> str:
        """Gate pattern of the op that made this node ("" for a leaf)."""
        return self._op.pattern if self._op is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node no recorded op made (an input, a parameter or a constant)."""
        return self._op is None

    @property
    def saved(self):
        """What the op's forward saved for its backward (max-pool's arg-max, ...), or None."""
        ctx = self._ctx
        return ctx.get("saved") if ctx else None

    @property
    def params(self) -> dict:
        """Hyper-parameters the op was called with (axis, stride, ...)."""
        ctx = self._ctx
        if not ctx:
            return {}
        return {k: v for k, v in ctx.items() if k != "saved"}

    def backward(self, grad=None, create_graph=False):
        """Accumulate d(self)/d(node) into ``.grad`` of every ancestor (adds, like torch)."""
        seed = self._seed(grad, create_graph)
        run_backward(self, seed, create_graph=create_graph, accumulate=True)


# ---------------------------------------------------------------- grad mode

class _GradMode(threading.local):
    """Whether ops record a graph, per thread like torch's grad mode: a no_grad block (or
    a backward pass) in one thread never stops another thread's forward from recording."""

    def __init__(self):
        self.enabled = True


grad_mode = _GradMode()


@contextmanager
def no_grad():
    """Within this block ops record no graph (like torch.no_grad)."""
    previous = grad_mode.enabled
    grad_mode.enabled = False
    try:
        yield
    finally:
        grad_mode.enabled = previous


def is_grad_enabled() -> bool:
    return grad_mode.enabled


def raw(x):
    """The raw float/array behind a node (or x itself)."""
    return x.data if isinstance(x, Node) else x


# ---------------------------------------------------------------- the driver

def topological_order(root) -> list:
    """Nodes of root's graph, every node after all of its inputs (iterative, no recursion):
    the post-order of a depth-first walk that visits each node's inputs in order."""
    order = []
    visited = set()
    stack = [(root, False)]
    push, pop, add = stack.append, stack.pop, visited.add
    while stack:
        node, done = pop()
        if done:
            order.append(node)
        elif node not in visited:
            add(node)
            push((node, True))
            a = node._in0
            if a is not None:  # inputs pushed last first, so they are visited in order
                b = node._in1
                if b is not None:
                    if node._more:  # the rare variadic op
                        for p in reversed(node._more):
                            if p not in visited:
                                push((p, False))
                    if b not in visited:
                        push((b, False))
                if a not in visited:
                    push((a, False))
    return order


def run_backward(root, seed, create_graph=False, accumulate=True, wanted=None, on_step=None):
    """Backpropagate ``seed`` from ``root``.

    Visits nodes in reverse topological order, so a node is reached only after all its
    consumers have sent their parts (fan-out sums, the copy gate's adder, are complete).
    Applies the op's rule for each input that needs a gradient and reduces broadcast
    contributions to the input's shape (``_fit_grad``, the one place that does it).

    accumulate: add each node's gradient into its ``.grad``.
    wanted: set of nodes whose gradients to return (dict node -> gradient).
    on_step(node, parts, g, contributions): called per visited node, for step records.
    """
    grads = {root: seed}
    pop, get = grads.pop, grads.get
    parts = {root: [seed]} if on_step is not None else None
    found = {}
    with _graph_mode(create_graph):
        for node in reversed(topological_order(root)):
            g = pop(node, None)
            if g is None:
                continue
            if accumulate:
                node._accumulate_grad(g)
            if wanted is not None and node in wanted:
                found[node] = g
            op = node._op
            if op is None:
                if on_step is not None:
                    on_step(node, parts.pop(node, ()), g, None)
                continue
            b = node._in1
            if b is not None and op.binary and on_step is None:
                # unrolled two-input gate: the hot loop of scalar backprop
                rules = op.backward
                a = node._in0
                if create_graph:
                    out, x, y = node, a, b
                else:
                    out, x, y = node.data, a.data, b.data
                ctx = node._ctx
                if ctx:
                    ca = rules[0](g, out, x, y, **ctx) if a.requires_grad else None
                    cb = rules[1](g, out, x, y, **ctx) if b.requires_grad else None
                else:
                    ca = rules[0](g, out, x, y) if a.requires_grad else None
                    cb = rules[1](g, out, x, y) if b.requires_grad else None
                if ca is not None:
                    if a._broadcasts:
                        ca = a._fit_grad(ca)
                    prev = get(a)
                    grads[a] = ca if prev is None else prev + ca
                if cb is not None:
                    if b._broadcasts:
                        cb = b._fit_grad(cb)
                    prev = get(b)
                    grads[b] = cb if prev is None else prev + cb
                continue
            fitted = []
            for p, c in _input_grads(op, node, g, create_graph):
                if c is not None:
                    if p._broadcasts:
                        c = p._fit_grad(c)
                    prev = get(p)
                    grads[p] = c if prev is None else prev + c
                    if parts is not None:
                        parts.setdefault(p, []).append(c)
                fitted.append(c)
            if on_step is not None:
                on_step(node, parts.pop(node, ()), g, fitted)
    return found


def _input_grads(op, node, g, create_graph):
    """(input, gradient or None) pairs: the op's rules applied to inputs that require grad."""
    parents = node._parents
    rules = op.backward
    if op.prepare is not None and not create_graph:
        g = op.prepare(g)
    out = node if create_graph else node.data
    inputs = parents if create_graph else [p.data for p in parents]
    ctx = node._ctx or _EMPTY
    if rules.__class__ is tuple:
        return [(p, rule(g, out, *inputs, **ctx) if p.requires_grad else None)
                for p, rule in zip(parents, rules)]
    return [(p, rules(i, g, out, *inputs, **ctx) if p.requires_grad else None)
            for i, p in enumerate(parents)]


_EMPTY: dict = {}


@contextmanager
def _graph_mode(create_graph):
    """Rules record a graph only when create_graph is set."""
    previous = grad_mode.enabled
    grad_mode.enabled = bool(create_graph)
    try:
        yield
    finally:
        grad_mode.enabled = previous


def grad(output, inputs, grad_output=None, create_graph=False):
    """Gradients of ``output`` with respect to each of ``inputs`` (a node or a sequence).

    Returns a list of the same kind as the inputs; ``.grad`` is left untouched. With
    create_graph=True the gradients are graph nodes that can be differentiated again.
    """
    single = isinstance(inputs, Node)
    inputs = [inputs] if single else list(inputs)
    for x in inputs:
        if not isinstance(x, Node):
            raise TypeError(f"grad: inputs must be Values or Tensors, got {type(x).__name__}")
    seed = output._seed(grad_output, create_graph)
    found = run_backward(output, seed, create_graph=create_graph, accumulate=False,
                         wanted=set(inputs))
    result = []
    for x in inputs:
        g = found.get(x)
        result.append(x._as_grad(g, create_graph))
    return result
