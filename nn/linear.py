"""Linear: y = x W^T + b (the swap multiplier, batched)."""

from __future__ import annotations

import numpy as np

from autograd import Pattern
from autograd.ops.arguments import flag, positive_int

from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """x: (..., in_features) -> (..., out_features). weight (out, in), bias (out,), as torch."""

    pattern = Pattern.SWAP_MULTIPLIER  # dX = dY W, dW = dY^T X

    def __init__(self, in_features, out_features, bias=True, dtype=np.float32, rng=None):
        self.in_features = positive_int(in_features, "in_features", "Linear")
        self.out_features = positive_int(out_features, "out_features", "Linear")
        dtype = init.float_dtype(dtype, "Linear")
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(init.kaiming_uniform(shape, dtype=dtype, rng=rng))
        self.bias = (Parameter(init.bias_uniform(self.out_features, self.in_features, dtype=dtype, rng=rng))
                     if flag(bias, "bias", "Linear") else None)

    def forward(self, x):
        if x.shape[-1:] != (self.in_features,):
            raise ValueError(f"Linear({self.in_features}, {self.out_features}): input has shape "
                             f"{tuple(x.shape)}, its last dimension must be {self.in_features}")
        y = x @ self.weight.T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}"
                + ("" if self.bias is not None else ", bias=False"))
