"""One number policy for everything chainrule prints or draws.

Significant digits, not fixed decimals: a gradient of 3.35e-4 must never read 0.00, which
would hide exactly the saturation a lecture is about. Plain notation for everyday magnitudes,
scientific notation for very small or very large ones, trailing zeros dropped.
"""

from __future__ import annotations

import math

DIGITS = 3            # default significant digits
SMALL, LARGE = 1e-3, 1e5  # outside [SMALL, LARGE) numbers are written as 3.35e-4, 1.23e6


def format_number(x, digits: int = DIGITS) -> str:
    """x with ``digits`` significant digits: 0.5, -4, 12.3, 3.35e-4, 1.23e6, nan, -inf.

    Never prints a non-zero value as 0; -0.0 prints as 0.
    """
    x = float(x)
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mantissa, exponent = f"{x:.{max(digits, 1) - 1}e}".split("e")
    exponent = int(exponent)                      # after rounding: 9.996 -> 1.00e1
    if SMALL <= abs(x) < LARGE and exponent >= math.log10(SMALL):
        decimals = max(digits - 1 - exponent, 0)
        text = f"{float(f'{mantissa}e{exponent}'):.{decimals}f}"
        return _strip(text) if "." in text else text
    return f"{_strip(mantissa)}e{exponent}"


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text
