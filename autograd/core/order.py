"""Topological order: every node of a graph after all of its inputs."""

from __future__ import annotations


def topological_order(root) -> list:
    """Nodes of root's graph, each listed after all of its inputs, root last.

    A depth-first walk that visits the inputs in order (the first input's whole subgraph,
    then the second's, ...) and lists a node once its inputs are listed. It keeps its own
    stack instead of recursing, so a chain of 100,000 gates needs no deep recursion.
    Backprop visits the list in reverse: a node is reached only after every node that
    uses it has sent its part of the gradient.
    """
    order, visited = [], set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node is _INPUTS_LISTED:          # everything above the marker is listed
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(_INPUTS_LISTED)
            for x in reversed(node.inputs):     # reversed: the first input is popped first
                if x not in visited:
                    stack.append(x)
    return order


_INPUTS_LISTED = object()   # stack marker: the node below it has its inputs listed
