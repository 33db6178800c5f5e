"""What every chainrule command shares about bad input: the one-line error printer (safe for
a terminal), the exit statuses, quoting of user text in messages, and whole-number options.

    status = run_command(lambda: work(argv, stdout), stdout, stderr)

Exit statuses: 0 done, 2 a refusal (bad command line, expression, --out, or work over the
budget: one line, nothing written), 1 a failure outside the input (renderer, Chromium, disk),
130 interrupted. Whatever a message quotes from the command line is shown with control,
format and private characters escaped (never an escape sequence reaching the terminal) and
clipped, so a refusal is always one short line.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from .input_text import visible
from .render import MAX_DPI, MIN_DPI

PREFIX = "chainrule: error: "
MAX_LINE = 400      # characters of one error line (a message is cut in the middle beyond)
QUOTE_CHARS = 40    # characters of user text quoted inside a message


class Usage(ValueError):
    """Bad command line (exit 2, one line)."""


def quote(text, limit=QUOTE_CHARS):
    """User text for a message: escapes for what a terminal would act on, clipped with '...'."""
    shown = visible(text)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def error_line(message):
    """``chainrule: error: MESSAGE`` as one terminal-safe line of at most MAX_LINE characters."""
    text = visible(str(message)) or "(no message)"   # a newline shows as \\n: one line
    room = MAX_LINE - len(PREFIX)
    if len(text) > room:  # keep the start (what) and the end (why)
        half = (room - 5) // 2
        text = text[:half] + " ... " + text[-half:]
    return PREFIX + text


def whole_number(text, option, low, high):
    """The value of ``--option TEXT``: ASCII digits only (an optional '+'), at most 20
    characters, from ``low`` to ``high``; anything else is a Usage error in one line (never
    int() on arbitrary text: it takes '٣' and '1_000', and refuses 6,000 digits with its own
    error)."""
    width = len(str(high))
    if not isinstance(text, str) or len(text) > max(20, width + 1) \
            or not re.fullmatch(r"\+?[0-9]+", text, flags=re.ASCII):
        raise Usage(f"--{option} must be a whole number from {low} to {high}, got '{quote(str(text), 20)}'")
    digits = text.lstrip("+").lstrip("0") or "0"
    if len(digits) > width or not low <= int(digits) <= high:
        raise Usage(f"--{option} must be a whole number from {low} to {high}, got '{quote(text, 20)}'")
    return int(digits)


def refusals():
    """The exception types a command answers with exit status 2 (bad input, over budget)."""
    from autograd.safe_files import UnsafePath

    from .budget import TooLarge
    from .parse import ExprError
    return (Usage, ExprError, UnsafePath, TooLarge)


def run_command(body, stdout, stderr):
    """Run ``body()`` (returns an exit status) and turn anything it raises into one line on
    ``stderr`` and an exit status: the one error printer of every chainrule command."""
    from .render import RenderError

    def say(message):
        print(error_line(message), file=stderr)

    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # a terminal shows results and one-line errors only
            return body()
    except refusals() as e:
        say(e)
        return 2
    except RenderError as e:
        say(e)
        return 1
    except BrokenPipeError:  # piped into a program that stopped reading (| head)
        return 0
    except OSError as e:
        say(f"cannot write the pictures: {e}")
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # never a traceback
        first = str(e).splitlines()[0] if str(e) else ""
        say(f"internal error: {type(e).__name__}: {first}")
        return 1


def parse_dpi(text, format):
    """--dpi N: a PNG's resolution, a whole number from MIN_DPI to MAX_DPI; None if not given."""
    if text is None:
        return None
    if format != "png":
        raise Usage(f"--dpi applies to --format png only (the format is {format})")
    return whole_number(text, "dpi", MIN_DPI, MAX_DPI)


def parse_options(argv, options, flags=(), command="", extra=""):
    """A command's options: ``--name VALUE``, ``--name=VALUE`` and the ``flags`` (``--name``)
    -> {name: value, or True for a flag}; {"help": True} for -h or --help. Every refusal is one
    line: a stray argument, an unknown option, a missing value, an option given twice.
    ``extra``: what an unknown option's message adds (the usage)."""
    opts = {}
    it = iter(argv)
    for arg in it:
        if arg in ("-h", "--help"):
            return {"help": True}
        if not arg.startswith("--"):
            raise Usage(f"unexpected argument '{quote(arg, 30)}' (options start with --)")
        name, eq, value = arg[2:].partition("=")
        if name not in options and name not in flags:
            raise Usage(f"unknown option '--{quote(name, 30)}' for chainrule {command}{extra}")
        if name in flags:
            if eq:
                raise Usage(f"--{name} takes no value")
            value = True
        elif not eq:
            value = next(it, None)
            if value is None or value.startswith("--"):
                raise Usage(f"--{name} needs a value")
        if name in opts:
            raise Usage(f"--{name} is given twice")
        opts[name] = value
    return opts

