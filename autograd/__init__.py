"""chainrule's autograd engine: one graph core for scalar Values and numpy Tensors.

Read it in this order (each folder's __init__ lists its files):

    core/       the engine: Op, Pattern, Node, grad mode, topological order, the one
                backward driver and its observers
    nodes/      the two kinds of node: Value (a float) and Tensor (an array)
    ops/        every op declared once, by family: name, gate pattern, forward, rules
    compose/    functions built from the ops: losses, normalization, padding, conv's and
                pooling's torch options, the Jacobian and its products
    functional.py  F: the functions with torch's names
    teaching/   steps, gradient checks, scalar expansion, the number format
    kernels/    speed only, attached to the ops from underneath (not part of the lesson)

The lesson (everything but kernels/) is the reference implementation. kernels/ imports it
and attaches fast forms to the same Op objects; CHAINRULE_KERNELS=off runs the lesson alone.
"""

import os

from . import functional
from .compose.derivatives import jacobian
from .compose.tensors import concat, einsum, outer, stack, tensordot, where
from .core import (
    AnomalyError,
    Op,
    Pattern,
    detect_anomaly,
    grad,
    is_grad_enabled,
    no_grad,
    ops,
    set_grad_enabled,
    topological_order,
)
from .nodes import Tensor, Value
from .ops.arguments import AxisError
from .teaching import display
from .teaching.check import GradcheckError, gradcheck, gradgradcheck, numerical_grad
from .teaching.steps import Step, backprop_steps

__version__ = "0.1.0"

KERNELS = os.environ.get("CHAINRULE_KERNELS", "on").strip().lower() not in ("off", "0", "no", "false")
if KERNELS:
    from . import kernels
    kernels.attach()

__all__ = [
    "AnomalyError", "AxisError", "GradcheckError", "Op", "Pattern", "Step", "Tensor", "Value",
    "backprop_steps", "concat", "detect_anomaly", "display", "einsum", "functional", "grad",
    "gradcheck", "gradgradcheck", "is_grad_enabled", "jacobian", "no_grad", "numerical_grad",
    "ops", "outer", "set_grad_enabled", "stack", "tensordot", "topological_order", "where",
]
