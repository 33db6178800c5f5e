"""Reading a declared number of bytes from a (possibly compressed) stream, shared by the
IDX and .npz readers: never more than one byte past them, never a second copy."""

from __future__ import annotations

import numpy as np

CHUNK = 1 << 20  # decompress in 1 MB steps, straight into the final array


def read_declared(stream, nbytes, peek=True):
    """(uint8 array of nbytes, bytes actually read, whether the stream holds more).

    Reads in chunks into the final buffer, then (when ``peek``) one byte more to tell a
    stream that holds more than declared. Stream errors propagate: each reader names them
    its own way."""
    out = np.empty(nbytes, dtype=np.uint8)
    view, done = memoryview(out), 0
    while done < nbytes:
        got = stream.readinto(view[done:done + CHUNK])
        if not got:
            return out, done, False
        done += got
    return out, done, bool(peek and stream.read(1))
