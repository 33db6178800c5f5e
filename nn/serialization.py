"""Saving parameters as .npz (plain arrays, ``allow_pickle=False``: never pickle), and loading
them back with every member validated before its data is read (see nn/npz_reader.py)."""

from __future__ import annotations

import io
import os

import numpy as np

from autograd import Tensor
from autograd.safe_files import write_file

from .npz_reader import MAX_BYTES, read_npz


def save(obj, path):
    """Write a Module's parameters (or a dict name -> array) to ``path`` (.npz, uncompressed).

    Arrays keep their dtype, so save then load is exact.
    """
    state = obj.state_dict() if hasattr(obj, "state_dict") else obj
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a Module or a dict of arrays, got {type(obj).__name__}")
    arrays = {}
    for k, v in state.items():
        a = np.asarray(v.data if isinstance(v, Tensor) else v)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"save: {k!r} has dtype {a.dtype}; only numeric arrays are saved")
        arrays[str(k)] = a
    buffer = io.BytesIO()                  # a file object: numpy adds no ".npz" suffix
    np.savez(buffer, **arrays)
    write_file(os.fspath(path), buffer.getvalue())   # never through a link at path


def load(path, *, allow_nonfinite=False, max_bytes=MAX_BYTES):
    """Read an .npz written by ``save`` -> dict name -> ndarray.

    Only real float, integer and boolean arrays, at most ``max_bytes`` of data in all; NaN
    or inf refused unless ``allow_nonfinite``. Any bad file is one ValueError naming it.
    """
    return read_npz(path, allow_nonfinite=allow_nonfinite, max_bytes=max_bytes)


def load_into(module, path, strict=True, allow_nonfinite=False):
    """Load ``path`` into ``module``'s Parameters and buffers, checking names, shapes and dtype kinds
    against the model before any array data is decompressed; returns the module."""
    own = {k: p.data for k, p in module.named_parameters()}
    own.update(module.named_buffers())          # running statistics travel with the weights
    spec = {k: (a.shape, a.dtype) for k, a in own.items()}
    path = os.fspath(path)
    arrays = read_npz(path, spec, strict=strict, allow_nonfinite=allow_nonfinite)
    for k, a in arrays.items():
        with np.errstate(over="ignore", invalid="ignore"):
            cast = a.astype(own[k].dtype)
        overflow = np.isfinite(a) & ~np.isfinite(cast)
        if overflow.any():
            raise ValueError(f"load: {path}, member '{k}' holds {a[overflow].flat[0]:g}, out of "
                             f"the range of the parameter's {own[k].dtype} (it would become inf)")
        arrays[k] = cast
    return module.load_state_dict(arrays, strict=strict)
