"""Names for the helper constants of a derived backward graph (create_graph=True).

The backward rules build their graphs with constants that carry no label: the 2 of x**2, the
1/n of a mean, relu's mask, the upstream gradient the seed broadcast. Drawn as bare
`constant` boxes they hide the lesson, so the drawing names them by role. The roles are
inferred here, from the forward graph and the constants' values, without touching autograd:
a constant is named only when its value matches a role the forward graph can explain.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.arithmetic import POW
from autograd.ops.reductions import MEAN
from autograd.ops.routers import RELU
from autograd.teaching.display import format_number


def constant_roles(root, forward):
    """{id(constant): 'role text'} for the unlabelled constants of root's graph outside forward's."""
    if forward is None:
        return {}
    fwd = autograd.topological_order(forward)
    inside = {id(n) for n in fwd}
    exponents = {float(n.params.get("exponent")) for n in fwd if n.gate is POW
                 and isinstance(n.params.get("exponent"), (int, float))}
    counts = {round(1.0 / _count(n), 12): _count(n) for n in fwd if n.gate is MEAN and _count(n)}
    masks = [(np.asarray(n.parents[0].data) > 0) for n in fwd if n.gate is RELU]
    roles = {}
    for n in autograd.topological_order(root):
        if id(n) in inside or not n.is_leaf or n.label:
            continue
        if isinstance(n, Tensor) and n.requires_grad:
            continue  # a parameter or an input, not a helper constant
        v = np.asarray(n.data, dtype=float)
        if v.size == 0:
            continue
        first = float(v.ravel()[0])
        same = bool(np.all(v == first))
        if same and first in exponents and first != 1.0:
            e = format_number(first)
            roles[id(n)] = f"{e} (d x**{e}/dx)"
        elif same and round(first, 12) in counts:
            roles[id(n)] = f"1/{counts[round(first, 12)]} (mean)"
        elif v.ndim and set(np.unique(v)) <= {0.0, 1.0} and any(
                m.shape == v.shape and np.array_equal(m, v != 0) for m in masks):
            roles[id(n)] = "relu mask (x > 0)"
        elif same and first == 1.0:
            roles[id(n)] = "upstream (1)"
    return roles


def _count(mean_node):
    """How many numbers one output of a mean averages."""
    x = mean_node.parents[0]
    size = int(np.asarray(x.data).size)
    out = int(np.asarray(mean_node.data).size)
    return size // out if out else 0
