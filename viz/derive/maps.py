"""Small helpers that lay out recorded arrays for display (no arithmetic on gradients)."""

from __future__ import annotations

import numpy as np


def rows(a):
    """A 2-D array as a list of lists of floats."""
    return [[float(v) for v in line] for line in np.asarray(a)]


def pad_or_crop(a, q, fill=0.0):
    """a (..., H, W) with q = (qh, qw) zero rows/cols on every side (cropped where q < 0)."""
    (qh, qw) = q
    a = np.asarray(a)
    widths = [(0, 0)] * (a.ndim - 2) + [(max(qh, 0),) * 2, (max(qw, 0),) * 2]
    a = np.pad(a, widths, constant_values=fill)
    ch, cw = max(-qh, 0), max(-qw, 0)
    return a[..., ch:a.shape[-2] - ch, cw:a.shape[-1] - cw]


def dilated(kernel, dilation):
    """A (kh, kw) filter spread out by ``dilation`` -> (values with None holes, marks)."""
    kh, kw = kernel.shape
    dh, dw = dilation
    values = [[None] * ((kw - 1) * dw + 1) for _ in range((kh - 1) * dh + 1)]
    marks = {}
    for r in range(len(values)):
        for c in range(len(values[0])):
            if r % dh or c % dw:
                marks[(r, c)] = "hole"
    for u in range(kh):
        for v in range(kw):
            values[u * dh][v * dw] = float(kernel[u, v])
    return values, marks


def filled(a, order, upto, current=None):
    """``a`` (H, W) shown as it fills in: cells in ``order`` before index ``upto`` marked
    done, the cell ``current`` marked current, later cells left empty."""
    h, w = a.shape
    values = [[None] * w for _ in range(h)]
    marks = {}
    for cell in order[:upto]:
        values[cell[0]][cell[1]] = float(a[cell])
        marks[cell] = "done"
    if current is not None:
        values[current[0]][current[1]] = float(a[current])
        marks[current] = "current"
    return values, marks


def cells(h, w):
    return [(i, j) for i in range(h) for j in range(w)]
