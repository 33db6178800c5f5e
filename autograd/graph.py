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
import weakref
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
        # the driver's shortcut for Values (run_backward -> _scalar_gate): two plain rules
        # (a joint rule is a faster form for arrays; on floats the rules are as fast)
        self._two_rules = isinstance(backward, tuple) and len(backward) == 2 and not self.saves
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
        self.alive = _ThreadToken()     # freed with the thread's storage when the thread ends
        self.ref = weakref.ref(self.alive, _ended)


class _ThreadToken:
    __slots__ = ("__weakref__",)


class _AllThreads:
    """``everywhere`` is True while no thread has grad mode off. Ops read it before the
    per-thread flag: reading a thread-local costs 4x a slot (2 ms of a 30 ms scalar forward),
    and most programs record in every thread nearly all the time."""

    __slots__ = ("everywhere", "off")

    def __init__(self):
        self.everywhere = True
        self.off = {}       # thread ident -> weak reference to that thread's token


all_threads = _AllThreads()
_switch = threading.Lock()


def set_grad_enabled(enabled) -> bool:
    """Turn recording on or off in this thread (like torch.set_grad_enabled); returns the
    previous setting."""
    enabled = bool(enabled)
    with _switch:
        previous = grad_mode.enabled
        if previous != enabled:
            grad_mode.enabled = enabled
            if enabled:
                all_threads.off.pop(threading.get_ident(), None)
                _forget_ended_threads()
            else:
                all_threads.off[threading.get_ident()] = grad_mode.ref
                all_threads.everywhere = False
    return previous


def _forget_ended_threads():
    """Drop threads that ended with grad mode off (their token is gone); holds _switch."""
    off = all_threads.off
    if off:
        for ident in [i for i, alive in off.items() if alive() is None]:
            del off[ident]
    all_threads.everywhere = not off


def _ended(_ref):
    """A thread ended with grad mode off: forget it now, or at the next switch if another
    thread is switching at this moment (never wait for the lock in a finalizer)."""
    if _switch.acquire(blocking=False):
        try:
            _forget_ended_threads()
        finally:
            _switch.release()


grad_mode = _GradMode()     # after _ended: each thread's state refers to it


@contextmanager
def no_grad():
    """Within this block ops record no graph (like torch.no_grad)."""
    previous = set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)


def is_grad_enabled() -> bool:
    """Whether ops record a graph in this thread. The forwards' hot paths read it as
    ``all_threads.everywhere or grad_mode.enabled`` (the same answer, mostly without the
    thread-local)."""
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
    contributions to the input's shape (``_fit_grad``; a rule may hand it a sum already,
    as sub's, mul's and div's do on raw arrays).

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
    previous = set_grad_enabled(create_graph)   # rules record a graph only under create_graph
    try:
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
            if op._two_rules and unrolled and g.__class__ is float:
                _scalar_gate(node, g, grads)     # a Value's two-input gate: the hot path
                continue
            if node._versions is not None:
                _check_versions(node)
            parents = node._parents
            sent = _input_grads(node, parents, g, create_graph)
            for i, c in enumerate(sent):
                if c is not None:
                    sent[i] = _send(grads, parents[i], c)
            if checking:
                check_step(node, g, sent)
            if on_step is not None:
                _keep_parts(parts, parents, sent)
                on_step(node, parts.pop(node, ()), g, sent)
    finally:
        set_grad_enabled(previous)
    return found


def _check_versions(node):
    """Refuse a node whose inputs' data was replaced after the forward (torch's version
    counter): its rules would read the new numbers and give a wrong gradient silently."""
    for p, version in zip(node._parents, node._versions):
        if p._version != version:
            i = next(i for i, q in enumerate(node._parents) if q is p)
            raise RuntimeError(
                f"backward: input {i} of {node.op} (shape {p.shape}) had its .data changed after "
                f"the forward (version {version} -> {p._version}); the gradient would use the "
                "new numbers: run the forward again")


def _input_grads(node, parents, g, create_graph):
    """One gradient per input of ``node`` (a list; None where an input needs none): its op's
    rules applied to upstream ``g``, on raw data, or on the nodes themselves to record a graph."""
    op = node._op
    params = node._params or _EMPTY
    if op.saves:
        params = dict(params, saved=node._saved)
    out = node if create_graph else node.data
    inputs = parents if create_graph else [p.data for p in parents]
    if op.joint is not None and not create_graph:
        return list(op.joint([p.requires_grad for p in parents], g, out, *inputs, **params))
    rules = op.backward
    if rules.__class__ is tuple:
        return [rule(g, out, *inputs, **params) if p.requires_grad else None
                for rule, p in zip(rules, parents)]
    return [rules(i, g, out, *inputs, **params) if p.requires_grad else None
            for i, p in enumerate(parents)]


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


def _scalar_gate(node, g, grads):
    """What the loop does for a gate of two inputs with one plain rule each, on Python
    floats (a Value graph), unrolled: the hot path of scalar backprop. Values always need
    their gradient and are never broadcast, so the rules' numbers go straight into the sums
    (no lists, no zip, no per-input checks: each costs time on 60,000 gates a step)."""
    a, b = node._in0, node._in1
    rule_a, rule_b = node._op.backward
    out, x, y = node.data, a.data, b.data
    params = node._params
    if params:
        ca = rule_a(g, out, x, y, **params)
        cb = rule_b(g, out, x, y, **params)
    else:
        ca = rule_a(g, out, x, y)
        cb = rule_b(g, out, x, y)
    prev = grads.get(a)
    grads[a] = ca if prev is None else prev + ca
    prev = grads.get(b)
    grads[b] = cb if prev is None else prev + cb


_EMPTY: dict = {}


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
