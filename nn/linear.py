"""Linear: y = x W^T + b (the swap multiplier, batched)."""

from __future__ import annotations

import numpy as np

from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """x: (..., in_features) -> (..., out_features). weight (out, in), bias (out,), as torch."""

    pattern = "swap multiplier"  # dX = dY W, dW = dY^T X

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, rng=None):
        for name, v in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {v!r}")
        self.in_features, self.out_features = int(in_features), int(out_features)
        self.weight = Parameter(init.kaiming_uniform((out_features, in_features), dtype=dtype, rng=rng))
        self.bias = (Parameter(init.bias_uniform(out_features, in_features, dtype=dtype, rng=rng))
                     if bias else None)

    def forward(self, x):
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input has shape "
                             f"{tuple(x.shape)}, its last dimension must be {self.in_features}")
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}"
                + ("" if self.bias is not None else ", bias=False"))
