"""Writing files only where the user asked: the CLI's --out folder. The single-file writer
(a temporary name, then a rename that never follows a link) is autograd/safe_files.py,
shared with nn.save. `OutDir.check` tries every destination of a run before anything is
printed, so a bad --out is one line and no output.
"""

from __future__ import annotations

import os
from pathlib import Path

from autograd.safe_files import _PREFIX, UnsafePath, _kind, check_destination, write_file

from .input_text import check_printable

__all__ = ["OutDir", "UnsafePath", "check_destination", "write_file"]


class OutDir:
    """The --out folder of a run: checked in full up front, then written file by file."""

    def __init__(self, path):
        text = os.fspath(path)
        if not text.strip():  # Path("") is ".": the current folder, its files overwritten
            raise UnsafePath("--out needs a folder name (got an empty value)")
        try:  # a folder name that would put escape sequences on the terminal when echoed
            check_printable(text, "--out")
        except ValueError as e:
            raise UnsafePath(str(e)) from None
        self.path = Path(text)
        self.shown = text if len(text) <= 200 else text[:197] + "..."   # in messages

    def check(self, files):
        """Create the folder (and its sub-folders) and try every destination in ``files``
        (paths relative to the folder): no links inside, no folders where files go, names the
        file system accepts. Raises UnsafePath with one line; writes nothing lasting."""
        try:
            return self._check(files)
        except UnsafePath as e:
            why = str(e).replace(f"--out {self.path}: ", "", 1).replace(str(self.path), self.shown)
            raise UnsafePath(f"--out {self.shown}: {why}") from None

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
