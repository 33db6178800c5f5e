"""Optimizers: SGD with momentum and Adam, with PyTorch's update formulas.

They update ``p.data`` in place from ``p.grad`` outside any graph (plain numpy), and skip
parameters whose ``.grad`` is None.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from autograd import Tensor

from .init import is_placeholder


class Optimizer:
    def __init__(self, params, lr):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{type(self).__name__}: parameter {i} is not a Tensor that requires grad "
                                f"(got {type(p).__name__})")
            if is_placeholder(p.data):
                raise ValueError(f"{type(self).__name__}: parameter {i} {p.shape} is a placeholder from "
                                 "nn.meta() (for counting); build the model outside nn.meta() to train it")
        self.lr = self._number("lr", lr, positive=True)
        self.state = [{} for _ in self.params]

    def _number(self, name, value, positive=False):
        """value as a float: a real number, > 0 (positive) or >= 0; else one ValueError."""
        real = isinstance(value, numbers.Real) and not isinstance(value, bool)
        if not real or not (value > 0 if positive else value >= 0):  # NaN fails both
            raise ValueError(f"{type(self).__name__}: {name} must be {'positive' if positive else '>= 0'}, "
                             f"got {value!r}")
        return float(value)

    def zero_grad(self):
        """Set every parameter's ``.grad`` to None."""
        for p in self.params:
            p.grad = None

    def step(self):
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                g = np.asarray(p.grad.data, dtype=p.data.dtype)
                if g.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}: gradient shape {g.shape} differs from "
                                     f"parameter shape {p.data.shape}")
                self._update(p.data, g, state)

    def _update(self, w, g, state):
        raise NotImplementedError


class SGD(Optimizer):
    """g = grad + weight_decay w;  v = momentum v + g;  w -= lr v   (torch.optim.SGD).

    With momentum 0 this is plain gradient descent w -= lr g.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = self._number("momentum", momentum)
        self.weight_decay = self._number("weight_decay", weight_decay)

    def _update(self, w, g, state):
        if self.weight_decay:
            g = g + self.weight_decay * w
        if self.momentum:
            v = state.get("momentum")
            if v is None:
                v = state["momentum"] = g.copy()  # torch starts the buffer at the first gradient
            else:
                v *= self.momentum
                v += g
            g = v
        w -= self.lr * g


class Adam(Optimizer):
    """torch.optim.Adam (L2 weight decay added to the gradient, not AdamW):

    g = grad + weight_decay w;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    w -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        b1, b2 = betas
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"Adam: betas must lie in [0, 1), got {betas}")
        self.betas = (float(b1), float(b2))
        self.eps = self._number("eps", eps, positive=True)  # keeps the step finite where v is 0
        self.weight_decay = self._number("weight_decay", weight_decay)

    def _update(self, w, g, state):
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * w
        if not state:
            state.update(t=0, m=np.zeros_like(w), v=np.zeros_like(w))
        state["t"] += 1
        t, m, v = state["t"], state["m"], state["v"]
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * (g * g)
        denom = np.sqrt(v) / math.sqrt(1 - b2 ** t)
        denom += self.eps
        w -= (self.lr / (1 - b1 ** t)) * (m / denom)
