"""Activation layers: ReLU (a router), Tanh and Sigmoid (elementwise)."""

from __future__ import annotations

from autograd import Pattern
from autograd import functional as F

from .module import Module


class ReLU(Module):
    """max(x, 0): routes the upstream to positive inputs."""

    pattern = Pattern.ROUTER

    def forward(self, x):
        return F.relu(x)


class Tanh(Module):
    pattern = Pattern.ELEMENTWISE

    def forward(self, x):
        return F.tanh(x)


class Sigmoid(Module):
    pattern = Pattern.ELEMENTWISE

    def forward(self, x):
        return F.sigmoid(x)


ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid}


def activation(kind):
    """A fresh activation module from a name ("relu", "tanh", "sigmoid") or a Module class."""
    if isinstance(kind, type) and issubclass(kind, Module):
        return kind()
    try:
        return ACTIVATIONS[kind]()
    except (KeyError, TypeError):
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or a Module class, "
                         f"got {kind!r}") from None


# ---------------------------------------------------------------- issue 12: torch's others

class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x: relu's router with a leak."""

    pattern = Pattern.LEAKY_ROUTER

    def __init__(self, negative_slope=0.01):
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class ELU(Module):
    pattern = Pattern.ELEMENTWISE

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)

    def extra_repr(self):
        return f"alpha={self.alpha}"


class GELU(Module):
    pattern = Pattern.ELEMENTWISE

    def __init__(self, approximate="none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    pattern = Pattern.ELEMENTWISE

    def forward(self, x):
        return F.silu(x)


class Softplus(Module):
    pattern = Pattern.ELEMENTWISE

    def __init__(self, beta=1.0, threshold=20.0):
        self.beta, self.threshold = beta, threshold

    def forward(self, x):
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clipped to [min_val, max_val]: routes the upstream to x where it is inside."""

    pattern = Pattern.ROUTER

    def __init__(self, min_val=-1.0, max_val=1.0):
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val {min_val} is greater than max_val {max_val}")
        self.min_val, self.max_val = min_val, max_val

    def forward(self, x):
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}"


ACTIVATIONS.update({"leaky_relu": LeakyReLU, "elu": ELU, "gelu": GELU, "silu": SiLU,
                    "softplus": Softplus, "hardtanh": Hardtanh})
