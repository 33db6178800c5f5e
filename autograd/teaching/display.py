"""One number policy for everything chainrule prints or draws.

Significant digits, not fixed decimals: a gradient of 3.35e-4 must never read 0.00, which
would hide exactly the saturation a lecture is about. Plain notation for everyday magnitudes,
scientific notation for very small or very large ones, trailing zeros dropped where the
number is exact (6, 0.5) and kept where it was rounded (sigmoid(8) = 0.99966 reads 1.00).
"""

from __future__ import annotations

import math

import numpy as np

DIGITS = 3            # default significant digits
MAX_DIGITS = 17       # a float64 needs 17 significant digits to read back exactly
SMALL, LARGE = 1e-3, 1e5  # outside [SMALL, LARGE) numbers are written as 3.35e-4, 1.23e6


def check_digits(digits, what="digits"):
    """``digits`` if it is an int from 1 to MAX_DIGITS, else a one-line ValueError."""
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= MAX_DIGITS:
        raise ValueError(f"{what}: expected an integer from 1 to {MAX_DIGITS}, got {digits!r}")
    return digits


def format_number(x, digits: int = DIGITS) -> str:
    """x with ``digits`` significant digits: 0.5, -4, 12.3, 1.00, 3.35e-4, 1.23e6, nan, -inf.

    Never prints a non-zero value as 0; -0.0 prints as 0.
    """
    x = float(x)
    if x == 0.0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mantissa, exponent = f"{x:.{max(digits, 1) - 1}e}".split("e")
    exponent = int(exponent)                      # after rounding: 9.996 -> 1.00e1
    rounded = float(f"{mantissa}e{exponent}")     # the range is judged on what is printed
    # trailing zeros go only where nothing was rounded away: sigmoid(8) = 0.99966 reads 1.00
    tidy = _strip if math.isclose(rounded, x, rel_tol=1e-12) else str
    if SMALL <= abs(rounded) < LARGE:
        decimals = max(digits - 1 - exponent, 0)
        return tidy(f"{rounded:.{decimals}f}")
    return f"{tidy(mantissa)}e{exponent}"


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_value(v, digits: int = DIGITS) -> str:
    """A number, an array or a description, each with the number policy ('-' for None)."""
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    arr = np.asarray(v)
    if arr.ndim == 0:
        return format_number(arr, digits)
    return format_array(arr, digits)


def format_array(a, digits: int = DIGITS, max_size: int = 16) -> str:
    """Small arrays inline as nested lists ('[[1, -2], [3.35e-4, 0]]'); larger ones summarised
    as '<(8, 8) min -1.2e-3 max 4.5 mean 0.25>'."""
    a = np.asarray(a, dtype=float)
    if a.size > max_size:
        if a.size == 0:
            return f"<{a.shape} empty>"
        return (f"<{a.shape} min {format_number(a.min(), digits)} max {format_number(a.max(), digits)}"
                f" mean {format_number(a.mean(), digits)}>")

    def nest(x):
        if x.ndim == 0:
            return format_number(x, digits)
        return "[" + ", ".join(nest(row) for row in x) + "]"

    return nest(a)


def _shown(text):
    """The value a formatted number stands for ('3.35e-4' -> 0.000335)."""
    return float(text)


def format_product(upstream, local, downstream, digits: int = DIGITS):
    """Texts (upstream, local, downstream) such that upstream x local, computed from the numbers
    as printed, rounds to the printed downstream: operands get extra digits where needed.

    Scalars or arrays of one shape. A local that is not numeric (a Jacobian's description)
    is left as it is.
    """
    down = format_value(downstream, digits)
    if isinstance(local, str) or upstream is None or local is None or downstream is None:
        return format_value(upstream, digits), format_value(local, digits), down
    u, loc, d = (np.asarray(x, dtype=float) for x in (upstream, local, downstream))
    if u.size > 16 or loc.size > 16 or d.size > 16:     # summarised: nothing to multiply by hand
        return format_value(upstream, digits), format_value(local, digits), down
    for extra in range(18 - digits):
        ut, lt = format_value(upstream, digits + extra), format_value(local, digits + extra)
        if _checks(u, loc, d, digits + extra, digits):
            return ut, lt, down
    return format_value(upstream, 17), format_value(local, 17), down


def _checks(u, loc, d, operand_digits, digits):
    """Does round(u) * round(loc), rounded like d, print as d does?"""
    ru = np.vectorize(lambda x: _shown(format_number(x, operand_digits)), otypes=[float])(u)
    rl = np.vectorize(lambda x: _shown(format_number(x, operand_digits)), otypes=[float])(loc)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # an inf downstream is printed, not warned
            prod = np.broadcast_to(ru * rl, d.shape)
    except ValueError:
        return True                                     # shapes do not multiply elementwise
    same = np.vectorize(lambda p, x: _shown(format_number(p, digits)) == _shown(format_number(x, digits)),
                        otypes=[bool])(prod, d)
    return bool(np.all(same))


def format_sum(parts, total, digits: int = DIGITS):
    """Texts ([part, ...], total) such that the printed parts add up to the printed total."""
    tt = format_value(total, digits)
    arrs = [np.asarray(p, dtype=float) for p in parts]
    if any(a.size > 16 for a in arrs) or np.asarray(total).size > 16:
        return [format_value(p, digits) for p in parts], tt
    fn = np.vectorize(lambda p, x: _shown(format_number(p, digits)) == _shown(format_number(x, digits)),
                      otypes=[bool])
    for extra in range(18 - digits):
        shown = [np.vectorize(lambda x, k=digits + extra: _shown(format_number(x, k)),
                              otypes=[float])(a) for a in arrs]
        with np.errstate(over="ignore", invalid="ignore"):
            added = sum(shown)
        if bool(np.all(fn(added, np.asarray(total, dtype=float)))):
            return [format_value(p, digits + extra) for p in parts], tt
    return [format_value(p, 17) for p in parts], tt
