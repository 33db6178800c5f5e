"""The two kinds of node: Value (a Python float) and Tensor (a numpy array). Their methods
and operators come from the ops' declarations (autograd/ops) through the core's registry."""

from .tensor import Tensor
from .value import Value

__all__ = ["Tensor", "Value"]
