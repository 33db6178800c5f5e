"""The backward driver: one loop for every graph, Values and Tensors alike.

It knows nothing about particular ops. Each node names its op (an `Op`), and the op's
declaration holds one backward rule per input: rule(upstream, out, *inputs) -> that
input's gradient, downstream = upstream x local. The driver only

    1. visits the nodes in reverse topological order (every consumer before its inputs),
    2. applies the node's rules to the upstream gradient it has collected,
    3. adds what each input receives to that input's sum (add_part: the copy gate's adder),

and lets observers watch (hooks, anomaly checks, step records: watch.py, steps).
"""

from __future__ import annotations

from .grad_mode import set_grad_enabled
from .order import topological_order


def run_backward(root, seed, create_graph=False, accumulate=True, wanted=None, observers=()):
    """Backpropagate ``seed`` (d root / d root, usually 1) from ``root``.

    accumulate: add each node's gradient into its ``.grad``.
    wanted: nodes whose gradients to return, as a dict node -> gradient.
    create_graph: apply the rules to the nodes themselves, so the backward pass records a
        graph of its own (which can be drawn, and differentiated again).
    observers: objects with ``arrived(node, g, create_graph) -> g`` (called once a node's
        gradient is complete; may replace it) and ``sent(node, g, parts)`` (called after
        a node's op sent ``parts`` to its inputs).
    """
    grads = {root: seed}            # node -> the sum of what its consumers sent so far
    found = {}
    previous = set_grad_enabled(create_graph)   # rules record a graph only under create_graph
    try:
        for node in reversed(topological_order(root)):
            g = grads.pop(node, None)
            if g is None:
                continue                        # no path from root reaches this node
            for observer in observers:
                g = observer.arrived(node, g, create_graph)
            if accumulate:
                node._accumulate_grad(g)
            if wanted is not None and node in wanted:
                found[node] = g
            if node.is_leaf:
                continue                        # an input or a constant: the gradient stops
            parts = input_grads(node, g, create_graph)
            for x, part in zip(node.inputs, parts):
                if part is not None:
                    add_part(grads, x, part)
            for observer in observers:
                observer.sent(node, g, parts)
    finally:
        set_grad_enabled(previous)
    return found


def add_part(grads, node, part):
    """The copy gate's adder: ``node`` has received ``part`` from one of its consumers;
    its gradient is the sum of the parts from all of them."""
    grads[node] = part if node not in grads else grads[node] + part


def input_grads(node, g, create_graph=False):
    """What ``node``'s op sends each of its inputs for upstream ``g``: a list with one
    gradient per input (None for an input that needs none), each reduced to its input's
    shape (a broadcast input sums the copies it was broadcast to: the adder again).

    The rules run on raw floats and arrays -- or, under create_graph, on the nodes
    themselves, so that they record the backward as a graph of the same ops."""
    node._check_inputs_unchanged()
    op, inputs = node.gate, node.inputs
    params = dict(node.params)
    if op.saves:
        params["saved"] = node.saved
    needs = [x.requires_grad for x in inputs]
    if create_graph:
        parts = op.input_grads(needs, g, node, *inputs, **params)
    else:
        # kernels may attach a joint rule to an op: every input's gradient at once, from
        # work the rules share (a recorded backward keeps the declared rules, as drawn)
        rules = op.joint if op.joint is not None else op.input_grads
        parts = rules(needs, g, node.data, *[x.data for x in inputs], **params)
    return [None if part is None else x._unbroadcast(part) for x, part in zip(inputs, parts)]
