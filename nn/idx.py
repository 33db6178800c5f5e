"""The IDX format of the MNIST files (plain or gzip), read and written with checks.

Header: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions, then one big-endian uint32 per
dimension; then the data, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import os

import numpy as np

TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
         0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
CODES = {dt.newbyteorder("="): code for code, dt in TYPES.items()}


def _open(path):
    path = os.fspath(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def read_idx(path, expect_ndim=None):
    """Read an IDX file (gzip detected by content) -> ndarray in native byte order.

    Raises ValueError naming the file on a bad magic number, an unknown type code, a
    dimension count other than ``expect_ndim``, or a data size that does not fit the header.
    """
    name = os.fspath(path)
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4:
        raise ValueError(f"read_idx: {name}: only {len(raw)} bytes, too short for an IDX header")
    zero, code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or code not in TYPES:
        raise ValueError(f"read_idx: {name}: bad magic number 0x{raw[:4].hex()} "
                         f"(expected 0x0000 then a type code in {[hex(c) for c in TYPES]})")
    if expect_ndim is not None and ndim != expect_ndim:
        raise ValueError(f"read_idx: {name}: has {ndim} dimensions, expected {expect_ndim}")
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ValueError(f"read_idx: {name}: header declares {ndim} dimensions but the file ends early")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    dtype = TYPES[code]
    want = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - head != want:
        raise ValueError(f"read_idx: {name}: shape {shape} of {dtype.name} needs {want} data bytes, "
                         f"found {len(raw) - head}")
    return np.frombuffer(raw, dtype=dtype, offset=head).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path, array, compress=None):
    """Write ``array`` as IDX (gzip when ``compress`` or the path ends with .gz)."""
    a = np.asarray(array)
    code = CODES.get(a.dtype.newbyteorder("="))
    if code is None:
        raise TypeError(f"write_idx: dtype {a.dtype} has no IDX type code")
    data = (bytes([0, 0, code, a.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in a.shape)
            + np.ascontiguousarray(a, dtype=TYPES[code]).tobytes())
    path = os.fspath(path)
    compress = path.endswith(".gz") if compress is None else compress
    with (gzip.open(path, "wb") if compress else open(path, "wb")) as f:
        f.write(data)
