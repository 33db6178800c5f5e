"""Writing files only where the user asked: never through a symbolic link we did not create.

A file is written to a temporary name in its folder (created exclusively, so it cannot be a
link) and then renamed over the destination; renaming replaces a link instead of following
it, and an existing link is refused before that anyway. `OutDir.check` tries every
destination of a run before anything is printed, so a bad --out is one line and no output.
"""

from __future__ import annotations

import os
import stat
import tempfile
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
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_PREFIX)  # O_EXCL: never a link
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)  # replaces, never follows, whatever is at path now
    except BaseException:
        if os.path.lexists(tmp):
            os.unlink(tmp)
        raise
    return str(path)


class OutDir:
    """The --out folder of a run: checked in full up front, then written file by file."""

    def __init__(self, path):
        text = os.fspath(path)
        if not text.strip():
            raise UnsafePath("--out needs a folder name (got an empty value)")
        self.path = Path(text)

    def check(self, files):
        """Create the folder (and its sub-folders) and try every destination in ``files``
        (paths relative to the folder): no links inside, no folders where files go, names the
        file system accepts. Raises UnsafePath with one line; writes nothing lasting."""
        try:
            return self._check(files)
        except UnsafePath as e:
            if str(e).startswith("--out "):
                raise
            raise UnsafePath(f"--out {self.path}: {e}") from None

    def _check(self, files):
        out = self.path
        if _kind(out) not in ("missing", "folder") and not out.is_dir():
            raise UnsafePath(f"--out {out}: {out} exists and is not a folder")
        subdirs = sorted({Path(f).parent for f in files} - {Path(".")})
        for sub in subdirs:
            d = out / sub
            kind = _kind(d) if out.is_dir() else "missing"
            if kind == "link":
                raise UnsafePath(f"--out {out}: {d} is a symbolic link; refusing to follow it")
            if kind not in ("missing", "folder"):
                raise UnsafePath(f"--out {out}: {d} exists and is not a folder")
        try:
            out.mkdir(parents=True, exist_ok=True)
            for sub in subdirs:
                (out / sub).mkdir(exist_ok=True)
        except OSError as e:
            raise UnsafePath(f"--out {out}: cannot create the folder ({e.strerror or e})") from None
        longest = {}
        for f in files:
            dest = out / f
            check_destination(dest)
            if len(dest.name) > len(longest.get(dest.parent, "")):
                longest[dest.parent] = dest.name
        for folder, name in longest.items():
            self._probe(folder, name)
        return self

    def _probe(self, folder, name):
        """Create and remove a file whose name is as long as ``name`` and the temporary names:
        the only sure test that the system takes the path (length limits, permissions)."""
        probe = folder / ("." + "p" * max(len(name), len(_PREFIX) + 9))
        try:
            fd = os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
            os.close(fd)
            os.unlink(probe)
        except FileExistsError:
            pass  # someone's file of that name: the path is evidently possible
        except OSError as e:
            raise UnsafePath(f"--out {self.path}: cannot write {folder / name} "
                             f"({e.strerror or e})") from None

    def write(self, relative, data):
        return write_file(self.path / relative, data)
