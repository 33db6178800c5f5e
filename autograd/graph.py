"""Graph core shared by Value and Tensor.

An op is declared once, as data (`Op`): a name, its gate pattern, a forward on raw
data and one backward rule per input. The driver below walks any graph of nodes in
reverse dependency order and applies those rules; it knows nothing about particular ops.

Backward rules are written with ordinary arithmetic and with calls to other `Op`s. Given
raw floats/arrays they compute numbers quickly; given nodes (create_graph=True) they
record a graph of the same primitives, which can be drawn and differentiated again.
"""

from __future__ import annotations

import inspect
import threading
from contextlib import contextmanager

from . import registry
from .watch import check_step, hooks_live, run_hooks
from .watch import state as watch_state

# The four gate patterns of backprop (plus honest names used by other ops).
DISTRIBUTOR = "distributor"
SWAP_MULTIPLIER = "swap multiplier"
ROUTER = "router"
ADDER = "adder"


class Op:
    """One differentiable operation, declared once.

    forward(*raw_inputs, **params) -> raw output. A forward that takes a ``record``
    argument is told whether its node will be recorded and returns (output, saved): what
    its backward needs from the forward (max-pool's arg-max), None when not recorded.
    backward: a tuple with one rule per input, rule(g, out, *inputs, **params) -> that
        input's gradient (``downstream = upstream x local``), or for variadic ops one
        callable rule(i, g, out, *inputs, **params). Saving ops' rules also get ``saved=``.
    local(out, *raw_inputs, **params) -> per-input local gradients (numbers, for steps);
        derived from the rules at upstream 1 unless declared (only where it must differ).
    jacobian: per-input text describing the implicit Jacobian of a tensor op.
    check(*raw_inputs, **params): raises a clear error when forward failed on bad input.
    joint(needs, g, out, *inputs, **params) -> every input's gradient at once (None where
        needs[i] is False): an optional faster form of the rules for a plain backward,
        where work they share is done once (conv2d lays its upstream out once).
    method: name(s) under which Value and Tensor carry the op (see registry.py).
    """

    __slots__ = ("_two_rules", "backward", "check", "forward", "jacobian", "joint", "local",
                 "method", "name", "pattern", "saves")

    def __init__(self, name, pattern, forward, backward, local=None, jacobian=None,
                 check=None, joint=None, method=None):
        self.name = name
        self.pattern = pattern
        self.forward = forward
        self.backward = backward
        self.local = local
        self.jacobian = jacobian
        self.check = check
        self.joint = joint
        self.saves = _takes_record(forward)
        self.method = (method,) if isinstance(method, str) else tuple(method or ())
        # the driver's shortcut (run_backward -> _two_input_gate): two plain rules
        self._two_rules = (isinstance(backward, tuple) and len(backward) == 2
                           and joint is None and not self.saves)
        if self.method:
            registry.declare(self, self.method)

    @property
    def arity(self):
        """Number of inputs (None for a variadic op)."""
        return len(self.backward) if isinstance(self.backward, tuple) else None

    def local_grads(self, out, *inputs, **params) -> tuple:
        """Local gradients for steps: the declared ``local``, else each rule at upstream 1."""
        if self.local is not None:
            return tuple(self.local(out, *inputs, **params))
        return self.derived_local(out, *inputs, **params)

    def derived_local(self, out, *inputs, **params) -> tuple:
        """Each input's rule applied to an upstream of 1: downstream = 1 x local."""
        return tuple(rule(1.0, out, *inputs, **params) for rule in self.backward)

    def __call__(self, *args, **params):
        """Apply to nodes (records a node) or to raw data (computes directly)."""
        for a in args:
            if isinstance(a, Node):
                return a._apply(self, args, params)
        if self.saves:
            return self.forward(*args, record=False, **params)[0]
        return self.forward(*args, **params)

    def __repr__(self):
        return f"Op({self.name!r}, {self.pattern!r})"


def _takes_record(forward):
    try:
        return "record" in inspect.signature(forward).parameters
    except (TypeError, ValueError):     # builtins and ufuncs without a signature
        return False


class Node:
    """Base of Value and Tensor. Subclasses provide the slots data, grad, label, _op,
    _params (hyper-parameters, None when there are none), _saved (what the forward saved),
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
        return self._saved

    @property
    def params(self) -> dict:
        """Hyper-parameters the op was called with (axis, stride, ...)."""
        return dict(self._params) if self._params else {}

    def backward(self, grad=None, create_graph=False):
        """Accumulate d(self)/d(node) into ``.grad`` of every ancestor (adds, like torch)."""
        seed = self._seed(grad, create_graph)
        run_backward(self, seed, create_graph=create_graph, accumulate=True)

    # comparisons compare the data: a bool for Values, a boolean array for Tensors (no
    # gradient flows through them)
    def __lt__(self, other):
        return self.data < raw(other)

    def __le__(self, other):
        return self.data <= raw(other)

    def __gt__(self, other):
        return self.data > raw(other)

    def __ge__(self, other):
        return self.data >= raw(other)

    def __eq__(self, other):
        return self.data == raw(other)

    def __ne__(self, other):
        return self.data != raw(other)

    __hash__ = object.__hash__      # nodes are told apart by identity (sets, dicts)


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
    """Nodes of root's graph, each after all of its inputs: a depth-first walk that visits
    the inputs in order (the first input's whole subgraph, then the second's, ...) and
    lists a node once its inputs are listed. Iterative, so deep graphs need no recursion;
    drawings use the same order."""
    order = []
    visited = set()
    stack = [root]
    push, pop, add, emit = stack.append, stack.pop, visited.add, order.append
    while stack:
        node = pop()
        if node is _INPUTS_LISTED:              # the node below the marker is complete
            emit(pop())
        elif node not in visited:
            add(node)
            push(node)
            push(_INPUTS_LISTED)
            a = node._in0
            if a is not None:           # push in reverse: the first input is popped first
                b = node._in1
                if b is not None:
                    more = node._more
                    if more:
                        for p in reversed(more):
                            if p not in visited:
                                push(p)
                    if b not in visited:
                        push(b)
                if a not in visited:
                    push(a)
    return order


_INPUTS_LISTED = object()   # a stack marker (cheaper than a (node, done) pair per entry)


def run_backward(root, seed, create_graph=False, accumulate=True, wanted=None, on_step=None):
    """Backpropagate ``seed`` from ``root``.

    Visits nodes in reverse topological order, so a node is reached only after all its
    consumers have sent their parts (fan-out sums, the copy gate's adder, are complete).
    Applies the op's rule for each input that needs a gradient and reduces broadcast
    contributions to the input's shape (``_fit_grad``, the one place that does it).

    accumulate: add each node's gradient into its ``.grad``.
    wanted: set of nodes whose gradients to return (dict node -> gradient).
    on_step(node, parts, g, contributions): called per visited node, for step records.
    Two optional steps (watch.py) run only while something is watched: a node's hooks see
    (and may replace) its summed gradient, and under detect_anomaly each op's input
    gradients are checked for NaN/inf.
    """
    grads = {root: seed}
    parts = {root: [seed]} if on_step is not None else None
    found = {}
    pop = grads.pop
    hooked = hooks_live[0] > 0
    checking = watch_state.anomaly
    # the shortcut computes plain numbers: step records and anomaly checks need the general
    # path's parts, and create_graph the rules applied to nodes
    unrolled = on_step is None and not checking and not create_graph
    with _graph_mode(create_graph):
        for node in reversed(topological_order(root)):
            g = pop(node, None)
            if g is None:
                continue                        # no path from root reaches this node
            if hooked:
                g = run_hooks(node, g, create_graph)
            if accumulate:
                node._accumulate_grad(g)
            if wanted is not None and node in wanted:
                found[node] = g
            op = node._op
            if op is None:                      # a leaf: the gradient stops here
                if on_step is not None:
                    on_step(node, parts.pop(node, ()), g, None)
                continue
            if node._versions is not None:
                _check_versions(node)
            if op._two_rules and unrolled:
                _two_input_gate(node, g, grads)
                continue
            sent = [None if c is None else _send(grads, p, c)
                    for p, c in zip(node._parents, _input_grads(node, g, create_graph))]
            if checking:
                check_step(node, g, sent)
            if on_step is not None:
                _keep_parts(parts, node._parents, sent)
                on_step(node, parts.pop(node, ()), g, sent)
    return found


def _check_versions(node):
    """Refuse a node whose inputs' data was replaced after the forward (torch's version
    counter): its rules would read the new numbers and give a wrong gradient silently."""
    for i, (p, version) in enumerate(zip(node._parents, node._versions)):
        if p._version != version:
            raise RuntimeError(
                f"backward: input {i} of {node.op} (shape {p.shape}) had its .data changed after "
                f"the forward (version {version} -> {p._version}); the gradient would use the "
                "new numbers: run the forward again")


def _input_grads(node, g, create_graph):
    """One gradient per input of ``node`` (None where an input needs none): its op's rules
    applied to upstream ``g``, on raw data, or on the nodes themselves to record a graph."""
    op = node._op
    parents = node._parents
    params = node._params or _EMPTY
    if op.saves:
        params = dict(params, saved=node._saved)
    out = node if create_graph else node.data
    inputs = parents if create_graph else [p.data for p in parents]
    needs = [p.requires_grad for p in parents]
    if op.joint is not None and not create_graph:
        return op.joint(needs, g, out, *inputs, **params)
    rules = op.backward
    if rules.__class__ is tuple:
        return [rule(g, out, *inputs, **params) if need else None
                for rule, need in zip(rules, needs)]
    return [rules(i, g, out, *inputs, **params) if need else None
            for i, need in enumerate(needs)]


def _send(grads, p, c):
    """Add contribution c to input p's gradient (reduced to p's shape first); returns it."""
    if p._broadcasts:
        c = p._fit_grad(c)
    prev = grads.get(p)
    grads[p] = c if prev is None else prev + c
    return c


def _keep_parts(parts, inputs, sent):
    """Remember what each input received from this node, ahead of what consumers visited
    earlier sent: those come later in the forward order, so a copy step lists its parts in
    the order of the uses (x*x + exp(y)/x: 2 + 2 + -0.68)."""
    mine = {}
    for p, c in zip(inputs, sent):
        if c is not None:
            mine.setdefault(p, []).append(c)
    for p, cs in mine.items():
        parts[p] = cs + parts.get(p, [])


def _two_input_gate(node, g, grads):
    """What the loop does for a gate of two inputs with one plain rule each, unrolled, on
    raw numbers: the hot path of scalar backprop (no lists, no zip, no per-input calls).
    Three arguments, everything else read from the node: each costs time per gate."""
    a, b = node._in0, node._in1
    rule_a, rule_b = node._op.backward
    out, x, y = node.data, a.data, b.data
    params = node._params
    if params:
        ca = rule_a(g, out, x, y, **params) if a.requires_grad else None
        cb = rule_b(g, out, x, y, **params) if b.requires_grad else None
    else:
        ca = rule_a(g, out, x, y) if a.requires_grad else None
        cb = rule_b(g, out, x, y) if b.requires_grad else None
    if ca is not None:
        if a._broadcasts:
            ca = a._fit_grad(ca)
        prev = grads.get(a)
        grads[a] = ca if prev is None else prev + ca
    if cb is not None:
        if b._broadcasts:
            cb = b._fit_grad(cb)
        prev = grads.get(b)
        grads[b] = cb if prev is None else prev + cb


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
