"""How a window slides over one axis, as the lectures count it: output sizes and the pixels a
stride leaves unvisited.

    output_size(7, 3, stride=3)        -> 2, with 1 column of the input never visited
    fit(7, 3, stride=3)                -> Fit(size=2, leftover=1)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Fit(NamedTuple):
    """How a window slides over one axis: ``size`` positions, ``leftover`` trailing pixels
    (of the padded input) that no window reaches."""

    size: int
    leftover: int


def fit(n, kernel, stride=1, padding=0, dilation=1):
    """Slide a ``kernel``-wide window over ``n`` pixels (+ ``padding`` on each side).

    size = (n + 2 padding - dilation (kernel - 1) - 1) // stride + 1; the remainder of that
    division is the number of trailing pixels the last window stops short of.
    """
    for name, v, low in (("n", n, 1), ("kernel", kernel, 1), ("stride", stride, 1),
                         ("padding", padding, 0), ("dilation", dilation, 1)):
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < low:
            kind = "positive" if low else "non-negative"
            raise ValueError(f"fit: {name} must be a {kind} int, got {v!r}")
    span = dilation * (kernel - 1) + 1
    room = n + 2 * padding - span
    if room < 0:
        raise ValueError(f"fit: a window spanning {span} does not fit in {n} pixels "
                         f"+ 2 x {padding} padding")
    return Fit(room // stride + 1, room % stride)


def output_size(n, kernel, stride=1, padding=0, dilation=1, exact=False):
    """Output length along one axis (torch's floor). ``exact=True`` raises a ValueError
    instead of silently dropping pixels the stride cannot reach."""
    size, leftover = fit(n, kernel, stride, padding, dilation)
    if exact and leftover:
        raise ValueError(f"output_size: a {kernel}-wide window at stride {stride} over {n} pixels "
                         f"(padding {padding}) leaves the last {leftover} "
                         f"{'column' if leftover == 1 else 'columns'} unused")
    return size
