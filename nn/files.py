"""Opening a file a loader reads: a regular file only, decided without ever blocking.

``open()`` on a FIFO waits for a writer, forever; on /dev/zero it reads without end. So the
kind is checked before the file is opened (stat) and again on what was opened (fstat: the
name may have changed in between), and the open itself is non-blocking. Shared by the IDX
and .npz readers (nn.load, Module.load, read_idx, load_mnist).
"""

from __future__ import annotations

import os
import stat


def open_regular(path, who, what):
    """``path`` opened for binary reading if it is a regular file (links followed).

    who: the caller's name in messages ("load"); what: the expected file ("an .npz file").
    A missing file is FileNotFoundError; a folder, a FIFO, a device, a socket or an
    unreadable file a ValueError; each one line naming the file.
    """
    name = os.fspath(path)
    try:
        _check_kind(os.stat(name).st_mode, name, who, what)
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{who}: no such file: {name}") from None
    except NotADirectoryError:
        raise FileNotFoundError(f"{who}: no such file: {name} (a parent is not a folder)") from None
    except OSError as e:
        raise ValueError(f"{who}: {name}: cannot be read ({e.strerror or e})") from None
    try:
        _check_kind(os.fstat(fd).st_mode, name, who, what)  # what was opened, not what was named
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def _check_kind(mode, name, who, what):
    if stat.S_ISDIR(mode):
        raise ValueError(f"{who}: {name} is a folder, not {what}")
    if not stat.S_ISREG(mode):
        kind = "a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode) else "a device"
        raise ValueError(f"{who}: {name} is not a regular file ({kind})")
