"""Activation layers: each applies one op of autograd/ops to its input, with that op's
hyper-parameters, checked by the op's own declaration (``parse``) when the layer is made.

    ReLU, LeakyReLU, Hardtanh      routers (relu, leaky_relu, hardtanh)
    Tanh, Sigmoid, ELU, GELU,      smooth, elementwise (tanh, sigmoid, elu, gelu, silu,
      SiLU, Softplus                 softplus)
"""

from __future__ import annotations

from autograd.compose.tensors import as_node
from autograd.ops.activations import ELU as ELU_OP
from autograd.ops.activations import GELU as GELU_OP
from autograd.ops.activations import SILU, SOFTPLUS
from autograd.ops.functions import SIGMOID, TANH
from autograd.ops.routers import HARDTANH, LEAKY_RELU, RELU

from .module import Module


class Activation(Module):
    """A layer that is one op: ``op`` applied to the input with ``self.params``. Its gate
    pattern is the op's."""

    op = None

    def __init__(self, **params):
        if self.op.parse is not None:           # the op's own check, once, with its message
            try:
                _, params = self.op.parse(None, **params)
            except (TypeError, ValueError) as e:
                why = str(e).split(": ", 1)[-1] if str(e).startswith(self.op.name) else str(e)
                raise type(e)(f"{type(self).__name__}: {why}") from None
        self.params = params

    @property
    def pattern(self):
        return self.op.pattern

    def forward(self, x):
        return self.op(as_node(x), **self.params)

    def extra_repr(self):
        return ", ".join(f"{k}={v!r}" for k, v in self.params.items())


class ReLU(Activation):
    """max(x, 0): routes the upstream to positive inputs."""

    op = RELU


class Tanh(Activation):
    op = TANH


class Sigmoid(Activation):
    op = SIGMOID


class LeakyReLU(Activation):
    """x where x > 0, else negative_slope * x: relu's router with a leak."""

    op = LEAKY_RELU

    def __init__(self, negative_slope=0.01):
        super().__init__(negative_slope=negative_slope)


class ELU(Activation):
    op = ELU_OP

    def __init__(self, alpha=1.0):
        super().__init__(alpha=alpha)


class GELU(Activation):
    op = GELU_OP

    def __init__(self, approximate="none"):
        super().__init__(approximate=approximate)


class SiLU(Activation):
    op = SILU


class Softplus(Activation):
    op = SOFTPLUS

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__(beta=beta, threshold=threshold)


class Hardtanh(Activation):
    """x clipped to [min_val, max_val]: routes the upstream to x where it is inside."""

    op = HARDTANH

    def __init__(self, min_val=-1.0, max_val=1.0):
        super().__init__(min_val=min_val, max_val=max_val)


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU, "elu": ELU,
               "gelu": GELU, "silu": SiLU, "softplus": Softplus, "hardtanh": Hardtanh}


def activation(kind):
    """A fresh activation module from a name ("relu", "tanh", ...) or a Module class."""
    if isinstance(kind, type) and issubclass(kind, Module):
        return kind()
    try:
        return ACTIVATIONS[kind]()
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or a Module class, "
                         f"got {kind!r}") from None
