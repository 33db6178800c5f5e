"""Command-line text we refuse before parsing: characters no label can show.

Control and format characters (bidi overrides, zero-width joiners), unassigned code points
(U+FFFF), private-use ones and lone surrogates (Python's stand-ins for bytes that are not
UTF-8 in argv) would reach Graphviz inside a label or the title and make it fail after the
explanation was printed, or draw something other than what was typed.
"""

from __future__ import annotations

import unicodedata

_REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn"}


def check_printable(text, what):
    """Raise ValueError naming the first unprintable character of ``text`` and its column."""
    for k, c in enumerate(text):
        if c == "\t" or unicodedata.category(c) not in _REFUSED:
            continue
        if 0xDC80 <= ord(c) <= 0xDCFF:  # surrogateescape: an undecodable byte
            raise ValueError(f"{what} is not valid UTF-8 (byte 0x{ord(c) - 0xDC00:02X} at "
                             f"column {k + 1})")
        raise ValueError(f"{what} contains the unprintable character U+{ord(c):04X} at "
                         f"column {k + 1}")


def visible(text):
    """``text`` with every refused character written as an escape (for echoing in errors)."""
    return "".join(c if c == "\t" or unicodedata.category(c) not in _REFUSED
                   else ascii(c)[1:-1] for c in str(text))


CHANNEL_SEPARATOR = "|"


def split_channels(text):
    """One matrix text per channel: '1 2; 3 4 | 5 6; 7 8' -> ['1 2; 3 4 ', ' 5 6; 7 8'].

    '|' separates channels, as ';' separates rows and spaces separate numbers."""
    return text.split(CHANNEL_SEPARATOR)
