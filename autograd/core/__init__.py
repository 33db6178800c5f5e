"""The core of the engine, in reading order:

    pattern.py    the gate patterns (an Enum): distributor, swap multiplier, router, adder, ...
    op.py         Op: an operation declared once, as data: forward and one backward rule per input
    node.py       Node: a number in the graph (Value and Tensor are its kinds); apply() makes one
    grad_mode.py  whether ops record a graph (per thread), no_grad
    order.py      topological order of a graph
    backward.py   the driver: one loop that backpropagates through any graph
    watch.py      observers of that loop: tensor hooks, anomaly detection
    registry.py   the methods and functions made from the declarations

It imports nothing else of the package.
"""

from .backward import input_grads, run_backward
from .grad_mode import is_grad_enabled, no_grad, set_grad_enabled
from .node import Node, apply, grad, raw
from .op import COPY, Op, forget, ops
from .order import topological_order
from .pattern import Pattern
from .watch import AnomalyError, detect_anomaly

__all__ = ["COPY", "AnomalyError", "Node", "Op", "Pattern", "apply", "detect_anomaly", "forget",
           "grad", "input_grads", "is_grad_enabled", "no_grad", "ops", "raw", "run_backward",
           "set_grad_enabled", "topological_order"]
