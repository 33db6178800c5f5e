"""chainrule's autograd engine: one graph core for scalar Values and numpy Tensors."""

from . import functional
from .check import GradcheckError, gradcheck, gradgradcheck, jacobian, numerical_grad
from .graph import (
    ADDER,
    DISTRIBUTOR,
    ROUTER,
    SWAP_MULTIPLIER,
    Op,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
    topological_order,
)
from .products import einsum, outer, tensordot
from .scalar import Value
from .steps import Step, backprop_steps
from .tensor import Tensor, concat, stack, where
from .watch import AnomalyError, detect_anomaly

__version__ = "0.1.0"

__all__ = [
    "ADDER", "DISTRIBUTOR", "ROUTER", "SWAP_MULTIPLIER", "AnomalyError", "GradcheckError", "Op",
    "Step", "Tensor", "Value", "backprop_steps", "concat", "detect_anomaly", "einsum", "functional",
    "grad", "gradcheck", "gradgradcheck", "is_grad_enabled", "jacobian", "no_grad", "numerical_grad",
    "outer", "set_grad_enabled", "stack", "tensordot", "topological_order", "where",
]
