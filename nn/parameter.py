"""Parameter: a Tensor that a Module learns (requires_grad=True, float32 by default)."""

from __future__ import annotations

import numpy as np

from autograd import Tensor


class Parameter(Tensor):
    """A leaf Tensor with requires_grad=True. ``p.data = array`` replaces its values.

    Data is float32 unless it already is a float array or ``dtype=`` says otherwise.
    """

    __slots__ = ()

    def __init__(self, data, dtype=None, label=""):
        arr = np.asarray(data.data if isinstance(data, Tensor) else data, dtype=dtype)
        if arr.dtype.kind != "f":
            arr = arr.astype(np.float32)
        super().__init__(arr, requires_grad=True, label=label)

    def _set_data(self, value):
        arr = np.asarray(value.data if isinstance(value, Tensor) else value)
        if arr.dtype.kind != "f":
            arr = arr.astype(self.data.dtype)
        Tensor.data.fset(self, arr)     # counts a new version

    data = property(Tensor.data.fget, _set_data, doc="The ndarray; assigning keeps it float.")

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="Parameter(")
        extra = f", dtype={self.data.dtype}" if self.data.dtype != np.float64 else ""
        return f"Parameter({body}{extra})"
