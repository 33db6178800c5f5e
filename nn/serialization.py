"""Saving parameters as .npz (plain arrays, ``allow_pickle=False``: never pickle)."""

from __future__ import annotations

import os
import zipfile

import numpy as np

from autograd import Tensor

from .module import Module


def save(obj, path):
    """Write a Module's parameters (or a dict name -> array) to ``path`` (.npz, uncompressed).

    Arrays keep their dtype, so save then load is exact.
    """
    state = obj.state_dict() if isinstance(obj, Module) else obj
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a Module or a dict of arrays, got {type(obj).__name__}")
    arrays = {}
    for k, v in state.items():
        a = np.asarray(v.data if isinstance(v, Tensor) else v)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"save: {k!r} has dtype {a.dtype}; only numeric arrays are saved")
        arrays[str(k)] = a
    with open(os.fspath(path), "wb") as f:  # a file object: numpy adds no ".npz" suffix
        np.savez(f, **arrays)


def load(path):
    """Read an .npz written by ``save`` -> dict name -> ndarray (no pickled objects accepted)."""
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            head = f.read(6)
    except FileNotFoundError:
        raise FileNotFoundError(f"load: no such file: {path}") from None
    if head == b"\x93NUMPY":
        raise ValueError(f"load: {path} holds a single .npy array, not an .npz of named arrays")
    if not head.startswith(b"PK"):
        raise ValueError(f"load: {path} is not an .npz file (no zip header)")
    try:
        with np.load(path, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (zipfile.BadZipFile, OSError) as e:
        raise ValueError(f"load: {path} is not an .npz file ({e})") from None
    except ValueError as e:
        if "allow_pickle" in str(e):
            raise ValueError(f"load: {path} contains pickled objects; refusing to load them") from None
        raise
