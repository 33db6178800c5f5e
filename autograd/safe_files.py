"""Writing a file only where the user asked: never through a symbolic link we did not create.

A file is written to a temporary name in its folder (created exclusively, so it cannot be a
link) and then renamed over the destination; renaming replaces a link instead of following
it, and an existing link is refused before that anyway. Shared by viz (drawings, steppers,
the CLI's --out folder) and nn.save; it is here because both depend on autograd.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_PREFIX = ".chainrule-"


class UnsafePath(ValueError):
    """A destination we refuse to write (one line)."""


def _kind(path):
    """'missing', 'file', 'folder', 'link' or 'other' for ``path`` itself (links not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):  # a parent is missing or is a file
        return "missing"
    except OSError as e:
        raise UnsafePath(f"cannot use {path} ({e.strerror or e})") from None
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def check_destination(path):
    """Refuse a destination that is a link, a folder or a device; a missing one is fine."""
    kind = _kind(path)
    if kind == "link":
        raise UnsafePath(f"{path} is a symbolic link; refusing to write through it")
    if kind == "folder":
        raise UnsafePath(f"{path} is a folder, not a file")
    if kind == "other":
        raise UnsafePath(f"{path} is not a regular file")


def write_file(path, data):
    """Write ``data`` (bytes or str, UTF-8) to ``path`` without following a link there.

    The parent folder is created if missing (the user named it; a link they made to a
    folder is theirs to make)."""
    path = Path(path)
    check_destination(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = _new_file(path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)  # replaces, never follows, whatever is at path now
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return str(path)


def _new_file(folder):
    """(fd, path) of a new file with a fresh random name in ``folder``: created exclusively,
    so it cannot be a link, with the permissions open() gives under the process's umask."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        tmp = os.path.join(folder, _PREFIX + secrets.token_hex(8))
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"cannot create a temporary file in {folder}")
