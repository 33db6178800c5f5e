"""Saving parameters as .npz (plain arrays, ``allow_pickle=False``: never pickle), and loading
them back with every member validated before its data is read (see nn/npz_reader.py)."""

from __future__ import annotations

import io
import os
import unicodedata
import zipfile

import numpy as np

from autograd import Tensor
from autograd.safe_files import write_file

from . import state
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
        _check_name(k)
        a = np.asarray(v.data if isinstance(v, Tensor) else v)
        if a.dtype.kind not in "biuf":
            raise TypeError(f"save: {k!r} has dtype {a.dtype}; only numeric arrays are saved")
        arrays[k] = a
    buffer = io.BytesIO()   # what np.savez writes, without its keyword arguments: a name such as
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:  # "file" or "allow_pickle" is an array
        for k, a in arrays.items():
            with zf.open(k + ".npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, a, allow_pickle=False)
    write_file(os.fspath(path), buffer.getvalue())   # never through a link at path


def _check_name(name):
    """A member name is a file name inside the zip: no folder parts ('../../evil' would be a
    path for whoever unzips it), nothing a terminal or a file system would act on."""
    if not isinstance(name, str) or not name or name in (".", "..") or name.startswith(".") \
            or any(c in "/\\:" or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn")
                   for c in name) or len(name) > 200:
        raise ValueError(f"save: {ascii(name)[:60]} is not a safe array name (a non-empty str of at "
                         "most 200 printable characters, not starting with '.', without / \\ or :)")


def load(path, *, allow_nonfinite=False, max_bytes=MAX_BYTES):
    """Read an .npz written by ``save`` -> dict name -> ndarray.

    Only real float, integer and boolean arrays, at most ``max_bytes`` of data in all; NaN
    or inf refused unless ``allow_nonfinite``. Any bad file is one ValueError naming it.
    """
    return read_npz(path, allow_nonfinite=allow_nonfinite, max_bytes=max_bytes)


def load_into(module, path, strict=True, allow_nonfinite=False):
    """Load ``path`` into ``module``'s Parameters and buffers: every member checked against the
    model (names, dtype kind, shape) before its data is decompressed, then every value
    (nn/state.py, the checks load_state_dict makes), then all assigned; returns the module."""
    path = os.fspath(path)
    arrays = read_npz(path, state.expected(module), strict=strict, allow_nonfinite=allow_nonfinite)
    fail = lambda name, why: ValueError(f"load: {path}, member '{name}' {why}")
    state.commit(module, state.stage(module, arrays, fail, allow_nonfinite))
    return module
