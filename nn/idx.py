"""The IDX format of the MNIST files (plain or gzip), read and written with checks.

Header: two zero bytes, a type code (0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32,
0x0D float32, 0x0E float64), the number of dimensions, then one big-endian uint32 per
dimension; then the data, big-endian, row-major.
"""

from __future__ import annotations

import gzip
import os
import zlib

import numpy as np

from .chunked import read_declared
from .files import open_regular

TYPES = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
         0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
CODES = {dt.newbyteorder("="): code for code, dt in TYPES.items()}
MAX_BYTES = 1 << 30   # default cap on the declared data size (MNIST's largest file is 47 MB)
_GZIP_ERRORS = (gzip.BadGzipFile, zlib.error, EOFError, OSError)


def _open(name):
    """(stream, file): the file twice, or its gzip stream (detected by content) and the file.
    Only a regular file is opened (a FIFO or a device is refused first: nn/files.py)."""
    f = open_regular(name, "read_idx", "an IDX file")
    gz = f.read(2) == b"\x1f\x8b"
    f.seek(0)
    return (gzip.GzipFile(fileobj=f, mode="rb"), f) if gz else (f, f)


def _read(f, n, name, what):
    """Exactly ``n`` bytes (n is small: header parts), or one ValueError."""
    try:
        raw = f.read(n)
    except _GZIP_ERRORS as e:
        raise ValueError(f"read_idx: {name}: corrupt gzip data ({_one_line(e)})") from None
    if len(raw) < n:
        raise ValueError(f"read_idx: {name}: {what}")
    return raw


def _one_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def read_header(path, expect_ndim=None):
    """(shape, dtype) an IDX file declares, reading its header only (gzip: a few bytes of the
    stream): what a loader checks before it decides to read the data."""
    name = os.fspath(path)
    stream, raw_file = _open(name)
    with raw_file, stream:
        return _header(stream, name, expect_ndim)


def _header(stream, name, expect_ndim):
    magic = _read(stream, 4, name, "too short for an IDX header")
    zero, code, ndim = int.from_bytes(magic[:2], "big"), magic[2], magic[3]
    if zero != 0 or code not in TYPES:
        raise ValueError(f"read_idx: {name}: bad magic number 0x{magic.hex()} "
                         f"(expected 0x0000 then a type code in {[hex(c) for c in TYPES]})")
    if expect_ndim is not None and ndim != expect_ndim:
        raise ValueError(f"read_idx: {name}: has {ndim} dimensions, expected {expect_ndim}")
    dims = _read(stream, 4 * ndim, name, f"header declares {ndim} dimensions but the file ends early")
    shape = tuple(int.from_bytes(dims[4 * i: 4 * i + 4], "big") for i in range(ndim))
    return shape, TYPES[code]


def data_bytes(shape, dtype):
    """Bytes of data an IDX header declares, in Python integers: (2**31, 2**31, 4) is 2**64
    bytes, not 0."""
    n = np.dtype(dtype).itemsize
    for d in shape:
        n *= d
    return n


def read_idx(path, expect_ndim=None, max_bytes=MAX_BYTES, count=None):
    """Read an IDX file (gzip detected by content) -> ndarray in native byte order.

    The header is checked before anything is allocated: magic number, type code, the
    dimension count (``expect_ndim``), the declared data size (at most ``max_bytes``, and
    equal to the file's size, or for gzip to the stream read incrementally up to that size).
    ``count``: read only the first ``count`` items along the first axis (the size of a plain
    file is still checked whole; a gzip stream is not read past them).
    Every error is one ValueError naming the file (FileNotFoundError for a missing one).
    """
    name = os.fspath(path)
    stream, raw_file = _open(name)
    with raw_file, stream:
        shape, dtype = _header(stream, name, expect_ndim)
        declared, total = shape, data_bytes(shape, dtype)
        if count is not None and shape:
            shape = (min(shape[0], count), *shape[1:])
        want = data_bytes(shape, dtype)
        if want > max_bytes:
            raise ValueError(f"read_idx: {name}: shape {shape} of {dtype.name} declares {want} "
                             f"data bytes, more than max_bytes={max_bytes}")
        head = 4 + 4 * len(shape)
        if stream is raw_file:
            have = os.fstat(raw_file.fileno()).st_size - head
            if have != total:
                raise ValueError(f"read_idx: {name}: shape {declared} of {dtype.name} needs {total} "
                                 f"data bytes, found {have}")
        data = _read_data(stream, want, name, shape, dtype, whole=want == total)
    return data.view(dtype).reshape(shape).astype(dtype.newbyteorder("="), copy=False)


def _read_data(stream, want, name, shape, dtype, whole=True):
    """The declared bytes, read in chunks into their final buffer; never more than one byte
    past them (to tell a stream that holds more than declared, when it is read ``whole``)."""
    try:
        out, done, extra = read_declared(stream, want, peek=whole)
    except _GZIP_ERRORS as e:
        raise ValueError(f"read_idx: {name}: corrupt gzip data ({_one_line(e)})") from None
    if done < want or extra:
        found = f"{done}" if done < want else "more"
        raise ValueError(f"read_idx: {name}: shape {shape} of {dtype.name} needs {want} data "
                         f"bytes, found {found}")
    return out


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
