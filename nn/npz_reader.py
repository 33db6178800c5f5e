"""Reading an .npz of named arrays, validating every member before decompressing its data.

An .npz is a zip whose members are .npy files: a short header (magic, version, a dict with
'descr', 'fortran_order', 'shape'), then the raw array bytes. The header alone tells the
dtype and the size, so a member is checked (name, dtype kind, shape, declared size against
the zip's own record) before one byte of data is read, and reading stops at the declared
size: a zip bomb costs at most what its headers honestly declare and the caller accepts.
Every failure is one ValueError naming the file and the member.
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib

import numpy as np

from .chunked import read_declared
from .files import open_regular
from .state import check_member, check_members, check_names

MAX_BYTES = 1 << 30     # default cap on the total declared data of a file read without a model


def _fail(path, member, why):
    where = f"{path}" + (f", member '{member}'" if member else "")
    return ValueError(f"load: {where} {why}")


def _open_zip(raw, path):
    """A ZipFile on the open file ``raw`` (opened once: never reopened by name)."""
    head = raw.read(6)
    raw.seek(0)
    if head == b"\x93NUMPY":
        raise _fail(path, None, "holds a single .npy array, not an .npz of named arrays")
    if not head.startswith(b"PK"):
        raise _fail(path, None, "is not an .npz file (no zip header)")
    try:
        return zipfile.ZipFile(raw)
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError, NotImplementedError) as e:
        raise _fail(path, None, f"is not a readable .npz file ({_one_line(e)})") from None


def _one_line(e):
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__


def _members(zf, path):
    """name -> ZipInfo for the .npy members; anything else in the zip is refused."""
    members = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy") or info.is_dir():
            raise _fail(path, info.filename, "is not an .npy array (an .npz holds only .npy members)")
        name = info.filename[:-4]
        if name in members:
            raise _fail(path, name, "appears twice in the zip")
        members[name] = info
    return members


def _header(zf, info, path, name):
    """Open the member and read its .npy header -> (stream, shape, fortran_order, dtype)."""
    if info.flag_bits & 0x1:
        raise _fail(path, name, "is encrypted")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _fail(path, name, f"uses an unsupported compression (method {info.compress_type})")
    try:
        fp = zf.open(info)
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f".npy format version {version} is not supported")
    except ValueError as e:
        msg = _one_line(e)
        if "Header info length" in msg or "large and may not be safe" in msg:
            msg = "its .npy header is too long"
        elif "malformed node" in msg or " object at 0x" in msg:  # ast's words for a call, a name
            msg = "the header is not a plain dictionary of literals"
        msg = re.sub(r"<[\w.]+ object at 0x[0-9a-fA-F]+>", "an expression", msg)
        raise _fail(path, name, f"has a bad .npy header ({msg})") from None
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, SyntaxError, TypeError,
            NotImplementedError, RuntimeError) as e:
        raise _fail(path, name, f"is corrupt ({_one_line(e)})") from None
    return fp, shape, fortran, dtype


def _nbytes(shape, dtype):
    """Declared data size in Python integers (no overflow, whatever the header claims)."""
    n = dtype.itemsize
    for d in shape:
        n *= d
    return n


def _read_data(fp, info, shape, fortran, dtype, path, name):
    """Read exactly the declared bytes (never more), into an array of the declared shape."""
    nbytes = _nbytes(shape, dtype)
    header_len = fp.tell()
    if info.file_size != header_len + nbytes:
        raise _fail(path, name, f"declares {header_len + nbytes} bytes but the zip records "
                                f"{info.file_size}")
    try:
        out, done, more = read_declared(fp, nbytes)
        if done < nbytes:
            raise _fail(path, name, f"is truncated: {done} of {nbytes} data bytes")
        if more:
            raise _fail(path, name, f"holds more data than its header declares ({nbytes} bytes)")
    except ValueError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError) as e:
        raise _fail(path, name, f"is corrupt ({_one_line(e)})") from None
    finally:
        fp.close()
    order = "F" if fortran else "C"
    return out.view(dtype).reshape(shape, order=order)


def read_npz(path, expect=None, *, strict=True, allow_nonfinite=False, max_bytes=MAX_BYTES):
    """Read an .npz of named numeric arrays -> dict name -> ndarray, validating first.

    expect: None (any names; real float, integer or boolean arrays; at most ``max_bytes`` of
    data in all) or a dict name -> (shape, dtype) from a model: then only arrays of exactly
    those shapes, real floats where the model has floats (integers for integer buffers), are
    read, names must match (KeyError listing them when
    ``strict``; without ``strict`` unexpected members are skipped, never decompressed).
    NaN or inf in a float array is refused unless ``allow_nonfinite``.
    """
    path = os.fspath(path)
    with open_regular(path, "load", "an .npz file") as raw, _open_zip(raw, path) as zf:
        members = _members(zf, path)
        if expect is not None:
            names = check_names(expect, list(members), strict,
                                lambda text: KeyError(f"load: {path}: names do not match: {text}"))
            members = {k: members[k] for k in names}  # unexpected ones: skipped, never read
        headers = {}
        for name, info in members.items():  # every header first: no data read yet
            fp, shape, _, dtype = _header(zf, info, path, name)
            fp.close()
            headers[name] = (shape, dtype)
        fail = lambda name, why: _fail(path, name, why) if name else \
            ValueError(f"load: {path}: {why}")
        if expect is not None:
            check_members(expect, headers, fail)
        else:
            for name, (shape, dtype) in headers.items():
                why = check_member(shape, dtype)
                if why is not None:
                    raise fail(name, why)
        total = sum(_nbytes(shape, dtype) for shape, dtype in headers.values())
        if expect is None and total > max_bytes:
            raise _fail(path, None, f"declares {total} bytes of arrays, more than "
                                    f"max_bytes={max_bytes}")
        arrays = {}
        for name, info in members.items():
            fp, shape, fortran, dtype = _header(zf, info, path, name)
            a = _read_data(fp, info, shape, fortran, dtype, path, name)
            if a.dtype.kind == "f" and not allow_nonfinite and not np.isfinite(a).all():
                raise _fail(path, name, "holds NaN or inf values (pass allow_nonfinite=True "
                                        "to load them anyway)")
            arrays[name] = a
    return arrays
