"""Node: a number in the graph. Value (a Python float) and Tensor (a numpy array) are its
two kinds; everything here is shared by both.

A node an op made remembers that op (its gate), its inputs and the op's hyper-parameters:
that is the whole graph. `apply` is the one place a node is made by an op.
"""

from __future__ import annotations

from . import backward as driver
from . import watch
from .grad_mode import is_grad_enabled


class Node:
    """Base of Value and Tensor. Each kind stores, in slots: data, grad, label,
    requires_grad, and for a node an op made: _op (the Op), _params (its hyper-parameters,
    None when there are none), _saved (what its forward saved for backward) and the inputs
    _in0, _in1 and _more (a tuple of any further ones; _in0 is None for a leaf).

    Inputs live in slots rather than one tuple: a tuple per node would be a second object
    for Python's cycle collector to track, and a graph of scalars grows by tens of
    thousands of nodes per training step.

    A kind also provides the hooks that differ between floats and arrays: _operands (turn
    numbers into constant nodes), _result (a node holding an op's output), _seed,
    _accumulate_grad, _unbroadcast, _as_grad and _check_inputs_unchanged.
    """

    __slots__ = ()
    _saved = None

    # ------------------------------------------------------------ what viz and nn read

    @property
    def gate(self):
        """The Op that made this node (None for a leaf)."""
        return self._op

    @property
    def op(self) -> str:
        """Name of the op that made this node ("" for a leaf)."""
        return self._op.name if self._op is not None else ""

    @property
    def pattern(self):
        """Gate pattern (an autograd.Pattern) of the op that made this node ("" for a leaf)."""
        return self._op.pattern if self._op is not None else ""

    @property
    def inputs(self) -> tuple:
        """The inputs of the op that made this node, in order (empty for a leaf)."""
        a = self._in0
        if a is None:
            return ()
        b = self._in1
        return (a,) if b is None else (a, b, *self._more)

    parents = inputs

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

    # ------------------------------------------------------------ backward

    def backward(self, grad=None, create_graph=False):
        """Accumulate d(self)/d(node) into ``.grad`` of every ancestor (adds, like torch)."""
        seed = self._seed(grad, create_graph)
        driver.run_backward(self, seed, create_graph=create_graph, observers=watch.observers())

    def _link(self, op, inputs, params, saved):
        """Record that ``op`` made this node from ``inputs``."""
        self._op = op
        self._in0 = inputs[0]
        self._in1 = inputs[1] if len(inputs) > 1 else None
        self._more = tuple(inputs[2:])
        self._params = params or None
        if saved is not None:
            self._saved = saved
        self.requires_grad = True

    # comparisons compare the data: a bool for Values, a boolean array for Tensors; no
    # gradient flows through them
    def __lt__(self, other):
        return self.data < raw(other)

    def __le__(self, other):
        return self.data <= raw(other)

    def __gt__(self, other):
        return self.data > raw(other)

    def __ge__(self, other):
        return self.data >= raw(other)


def raw(x):
    """The raw float or array behind a node (x itself when it is not a node)."""
    return x.data if isinstance(x, Node) else x


def apply(op, args, params):
    """Make the node ``op`` outputs for ``args``: run the forward on the inputs' data and,
    when a gradient will be needed (grad mode on, an input requires grad), record the op,
    its inputs and parameters in the new node."""
    kind = next(type(a) for a in args if isinstance(a, Node))
    inputs = kind._operands(op, args)
    record = is_grad_enabled() and any(x.requires_grad for x in inputs)
    data, saved = op.run([x.data for x in inputs], params, record)
    out = kind._result(data)
    if record:
        out._link(op, inputs, params, saved)
        if watch.anomaly.on:
            watch.note_site(out)
    return out


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
    found = driver.run_backward(output, seed, create_graph=create_graph, accumulate=False,
                                wanted=set(inputs), observers=watch.observers())
    return [x._as_grad(found.get(x)) for x in inputs]
