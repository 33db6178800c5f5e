"""Graph core shared by Value and Tensor.

An op is declared once, as data (`Op`): a name, its gate pattern, a forward on raw
data and one backward rule per input. The driver below walks any graph of nodes in
reverse dependency order and applies those rules; it knows nothing about particular ops.

Backward rules are written with ordinary arithmetic and with calls to other `Op`s. Given
raw floats/arrays they compute numbers quickly; given nodes (create_graph=True) they
record a graph of the same primitives, which can be drawn and differentiated again.
"""

from __future__ import annotations

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
    """

    __slots__ = ("name", "pattern", "forward", "backward", "local", "jacobian", "check", "saves")

    def __init__(self, name, pattern, forward, backward, local=None, jacobian=None,
                 check=None, saves=False):
        self.name = name
        self.pattern = pattern
        self.forward = forward
        self.backward = backward
        self.local = local
        self.jacobian = jacobian
        self.check = check
        self.saves = saves

    def __call__(self, *args, **params):
        """Apply to nodes (records a node) or to raw data (computes directly)."""
        for a in args:
            if isinstance(a, Node):
                return a._apply(self, args, params)
        out = self.forward(*args, **params)
        return out[0] if self.saves else out

    def input_grad(self, i, g, out, inputs, params):
        rules = self.backward
        if rules.__class__ is tuple:
            return rules[i](g, out, *inputs, **params)
        return rules(i, g, out, *inputs, **params)

    def __repr__(self):
        return f"Op({self.name!r}, {self.pattern!r})"


class Node:
    """Base of Value and Tensor. Subclasses provide the slots
    data, grad, label, _parents, _op, _ctx and the hooks used below."""

    __slots__ = ()
    _broadcasts = False  # True where contributions may need reducing to the parent's shape

    @property
    def op(self) -> str:
        """Name of the op that made this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def parents(self) -> tuple:
        return self._parents

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

class _GradMode:
    enabled = True


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

def consumer_counts(root) -> dict:
    """id(node) -> number of edges into it from nodes of the graph (iterative, no recursion)."""
    counts = {id(root): 0}
    stack = [root]
    while stack:
        node = stack.pop()
        for p in node._parents:
            k = id(p)
            if k in counts:
                counts[k] += 1
            else:
                counts[k] = 1
                stack.append(p)
    return counts


def run_backward(root, seed, create_graph=False, accumulate=True, wanted=None, on_step=None):
    """Backpropagate ``seed`` from ``root``.

    Visits a node once all its consumers have sent their parts (so fan-out sums, the
    copy gate's adder, are complete), applies the op's rules to the inputs that need a
    gradient, and reduces broadcast contributions to each input's shape.

    accumulate: add each node's gradient into its ``.grad``.
    wanted: ids of nodes whose gradients to return (dict id -> gradient).
    on_step(node, parts, g, contributions): called per visited node, for step records.
    """
    pending = consumer_counts(root)
    grads = {id(root): seed}
    parts = {id(root): [seed]} if on_step is not None else None
    found = {}
    ready = [root]
    with _graph_mode(create_graph):
        while ready:
            node = ready.pop()
            key = id(node)
            g = grads.pop(key, None)
            if g is not None:
                if accumulate:
                    node._accumulate_grad(g)
                if wanted is not None and key in wanted:
                    found[key] = g
            op = node._op
            parents = node._parents
            contributions = None
            if g is not None and op is not None:
                if create_graph:
                    out, inputs = node, parents
                else:
                    out, inputs = node.data, tuple(p.data for p in parents)
                ctx = node._ctx or _EMPTY
                contributions = []
                for i, p in enumerate(parents):
                    if not p.requires_grad:
                        contributions.append(None)
                        continue
                    c = op.input_grad(i, g, out, inputs, ctx)
                    if p._broadcasts:
                        c = p._fit_grad(c)
                    contributions.append(c)
            if on_step is not None:
                on_step(node, parts.pop(key, ()), g, contributions)
            for i, p in enumerate(parents):
                pk = id(p)
                if contributions is not None and contributions[i] is not None:
                    c = contributions[i]
                    if pk in grads:
                        grads[pk] = grads[pk] + c
                    else:
                        grads[pk] = c
                    if parts is not None:
                        parts.setdefault(pk, []).append(c)
                left = pending[pk] - 1
                pending[pk] = left
                if left == 0:
                    ready.append(p)
    return found


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
                         wanted={id(x) for x in inputs})
    result = []
    for x in inputs:
        g = found.get(id(x))
        result.append(x._as_grad(g, create_graph))
    return result
