"""Flatten: (N, d1, d2, ...) -> (N, d1*d2*...) (a reshape: gradients pass unchanged)."""

from __future__ import annotations

from autograd import Pattern

from .module import Module


class Flatten(Module):
    """Merges dimensions start_dim..end_dim (default: all but the batch axis)."""

    pattern = Pattern.RESHAPE

    def __init__(self, start_dim=1, end_dim=-1):
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.reshape(self.flattened_shape(x.shape))

    def flattened_shape(self, shape):
        """The input shape with dims start_dim..end_dim merged into one."""
        shape = tuple(shape)
        n = len(shape)
        start = self.start_dim + n if self.start_dim < 0 else self.start_dim
        end = self.end_dim + n if self.end_dim < 0 else self.end_dim
        if not (0 <= start < n and start <= end < n):
            raise ValueError(f"Flatten(start_dim={self.start_dim}, end_dim={self.end_dim}): "
                             f"invalid for input of shape {shape}")
        merged = 1
        for d in shape[start:end + 1]:
            merged *= d
        return (*shape[:start], merged, *shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
