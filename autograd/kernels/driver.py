"""Serves the backward driver (autograd/core/backward.py) in its most common case: a plain
backward (no create_graph, no hooks, no anomaly checks, no step records).

The lesson's loop is general: observers, kind hooks, a list of parts per node. Here the
same loop is written for speed: the topological sort reads the input slots directly, a
gate of two Values with one plain rule per input is applied unrolled on floats (the hot
path of scalar backprop: ~60,000 gates per training step), a group of Tensor gates a kernel
recognizes gets all its gradients from one rule (GROUPS), and everything else goes through
the lesson's input_grads. Every other case runs the lesson's loop itself.
"""

from __future__ import annotations

import numpy as np

from ..core import backward as lesson
from ..core import ops
from ..core.grad_mode import set_grad_enabled
from .attach import Attachments

_lesson_run_backward = lesson.run_backward
_input_grads = lesson.input_grads
_TWO_RULES: dict = {}       # op -> its two rules, for ops of two plain rules
_INPUTS_LISTED = object()
# op -> (members, gradients), set by a kernel module (normalize.py): at a node of that op,
# members(node) finds the gates that made it, as (the group's input, *gates), or None;
# gradients(g, node, group) gives ([(gate, its gradient)], the input's part). Those gates'
# own rules then run only on gradient reaching them from outside the group
GROUPS: dict = {}


def topological_order(root) -> list:
    """The lesson's order (core/order.py), reading the input slots without building tuples."""
    order = []
    visited = set()
    stack = [root]
    push, pop, add, emit = stack.append, stack.pop, visited.add, order.append
    while stack:
        node = pop()
        if node is _INPUTS_LISTED:
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


def _tensor_grads(node, op, g):
    """(inputs, their gradients): lesson.input_grads for a Tensor node on raw arrays,
    without its copies of the parameters; a node whose inputs changed goes the lesson's way
    (which raises)."""
    a, b = node._in0, node._in1
    if b is None:
        inputs = (a,)
        changed = a._version != node._versions[0]
    else:
        inputs = (a, b, *node._more) if node._more else (a, b)
        changed = any(x._version != v for x, v in zip(inputs, node._versions))
    if changed:
        return inputs, _input_grads(node, g)
    params = node._params or {}
    if op.saves:
        params = {**params, "saved": node._saved}
    needs = [x.requires_grad for x in inputs]
    rules = op.joint if op.joint is not None else op.input_grads
    parts = rules(needs, g, node._data, *[x._data for x in inputs], **params)
    return inputs, [_fit(x, part) for x, part in zip(inputs, parts)]


def _fit(x, part):
    """part reduced to x's shape and dtype (the copy gate's sum over broadcast axes)."""
    if part is None or (part.__class__ is np.ndarray and part.shape == x._data.shape
                        and part.dtype == x._data.dtype):
        return part
    return x._unbroadcast(part)


def run_backward(root, seed, create_graph=False, accumulate=True, wanted=None, observers=()):
    """lesson.run_backward, the same gradients; see the module's docstring."""
    if create_graph or observers:
        return _lesson_run_backward(root, seed, create_graph, accumulate, wanted, observers)
    grads = {root: seed}
    found = {}
    pop, get = grads.pop, grads.get
    two_rules = _TWO_RULES
    order = topological_order(root)
    previous = set_grad_enabled(False)
    unchanged = None                # no input changed since the forward (checked once, if needed)
    try:
        for node in reversed(order):
            g = pop(node, None)
            if g is None:
                continue
            op = node._op
            if op is None and not node.requires_grad:
                continue                        # a Value made under no_grad keeps no gradient
            if accumulate:
                if g.__class__ is float:
                    node.grad += g
                else:
                    node._accumulate_grad(g)
            if wanted is not None and node in wanted:
                found[node] = g
            if op is None:
                continue
            if g.__class__ is float:
                rules = two_rules.get(op)
                if rules is not None:           # a gate of two Values, unrolled
                    a, b = node._in0, node._in1
                    out, x, y = node.data, a.data, b.data
                    params = node._params
                    if params:
                        ga = rules[0](g, out, x, y, **params)
                        gb = rules[1](g, out, x, y, **params)
                    else:
                        ga = rules[0](g, out, x, y)
                        gb = rules[1](g, out, x, y)
                    prev = get(a)
                    grads[a] = ga if prev is None else prev + ga
                    prev = get(b)
                    grads[b] = gb if prev is None else prev + gb
                    continue
            if g.__class__ is np.ndarray:
                group = GROUPS.get(op)
                made_by = None if group is None else _made_by(group, node, g, wanted)
                if made_by is not None:
                    if unchanged is None:
                        unchanged = _inputs_unchanged(order)
                    if unchanged:
                        _group_backward(group, node, made_by, g, grads, accumulate)
                        continue
                inputs, parts = _tensor_grads(node, op, g)
            else:
                inputs, parts = node.inputs, _input_grads(node, g)
            for x, part in zip(inputs, parts):
                if part is not None:
                    prev = get(x)
                    grads[x] = part if prev is None else prev + part
    finally:
        set_grad_enabled(previous)
    return found


def _inputs_unchanged(order) -> bool:
    """No Tensor node of the graph whose inputs' data changed since its forward. Where one
    did, the lesson's loop raises on reaching it, and a group (which fills in .grad ahead of
    the loop) would leave .grad where the lesson's loop leaves none."""
    for node in order:
        versions = getattr(node, "_versions", None)         # None: a leaf, or a Value
        if versions is not None and any(x._version != v for x, v in zip(node.inputs, versions)):
            return False
    return True


def _made_by(group, node, g, wanted):
    """The group that made ``node`` (see GROUPS) as (its input, *gates), or None: no group
    made it, a gate's gradient is wanted, or g is not an array of node's shape and type."""
    members, _ = group
    made_by = members(node)
    if made_by is None or g.shape != node._data.shape or g.dtype != node._data.dtype:
        return None
    if wanted is not None and not wanted.isdisjoint(made_by[1:]):
        return None
    return made_by


def _group_backward(group, node, made_by, g, grads, accumulate):
    """Apply a group rule at ``node``: each gate of ``made_by`` keeps its gradient in .grad,
    the group's input receives its part."""
    _, gradients = group
    gate_grads, part = gradients(g, node, made_by)
    if accumulate:
        for gate, gate_grad in gate_grads:
            gate._accumulate_grad(gate_grad)
    x = made_by[0]
    prev = grads.get(x)
    grads[x] = part if prev is None else prev + part


def attach(attachments: Attachments):
    _TWO_RULES.clear()
    for op in ops():
        if isinstance(op.backward, tuple) and len(op.backward) == 2 and not op.saves and op.scalar:
            _TWO_RULES[op] = op.backward
    attachments.set(lesson, "run_backward", run_backward)
