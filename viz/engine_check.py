"""Stop early, in one line, when the ``autograd`` Python imports is not chainrule's.

PyPI's ``autograd`` (HIPS) has the same name. Installed in the same environment it can win
the import, and every ``from autograd import Value`` would then fail somewhere deep with a
traceback. This check runs first in ``import viz`` (nn/engine_check.py is its twin, since nn
must not import viz) and names the other package and the fix instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

FIX = ("use a virtual environment that has chainrule and not the other package "
       "(`make demo` makes one: .venv)")


class AutogradClash(ImportError):
    """The ``autograd`` package found is another one (its message is one line)."""


def clash_message(module) -> str | None:
    """One line naming the foreign ``autograd`` and the fix; None if it is chainrule's."""
    if hasattr(module, "backprop_steps"):  # chainrule's engine; the HIPS package has no such name
        return None
    where = getattr(module, "__file__", None) or "a namespace package without a file"
    return (f"the 'autograd' that Python imports is another package ({where}), "
            f"not chainrule's engine: {FIX}")


def _is_the_command() -> bool:
    """True inside `chainrule ...` or `python -m viz.cli ...` (Python sets argv[0] to '-m'
    while it imports the package of a -m module)."""
    first = sys.argv[0] if sys.argv else ""
    return first == "-m" or Path(first).stem in ("chainrule", "chainrule-script")


def _one_line_hook(previous):
    def hook(kind, error, tb):
        if isinstance(error, AutogradClash):
            print(error, file=sys.stderr)       # uncaught in a script: the line, no traceback
        else:
            previous(kind, error, tb)
    hook.one_line_clash = True
    return hook


def require_chainrule_autograd():
    """Import ``autograd`` and make sure it is chainrule's: the command exits with status 2
    and one line; elsewhere an AutogradClash (an ImportError) carrying that line."""
    import autograd

    line = clash_message(autograd)
    if line is None:
        return
    if _is_the_command():
        print(f"chainrule: error: {line}", file=sys.stderr)
        raise SystemExit(2)
    if not getattr(sys.excepthook, "one_line_clash", False):
        sys.excepthook = _one_line_hook(sys.excepthook)
    raise AutogradClash(f"chainrule: {line}")
