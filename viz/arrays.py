"""Arrays as HTML-like label fragments: small ones as matrices, large ones as a summary."""

from __future__ import annotations

import numpy as np

from .style import font

MAX_SIDE = 6       # matrices up to 6x6 per channel are drawn cell by cell
MAX_CHANNELS = 4   # ... for at most this many channels (product of the leading axes)
NUMBER_PT = 12     # matrix entries: the main content, readable when a frame is projected
CELL_LINE = "#b0b0b0"  # the grid between entries: visible, quieter than the numbers
MARKED_CELL = "#ffe08a"  # entries a drawing points at (viz.mistake: where two engines differ)


def is_small(shape):
    if len(shape) <= 1:
        return (shape[0] if shape else 1) <= MAX_SIDE
    lead = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] <= MAX_SIDE and shape[-1] <= MAX_SIDE and lead <= MAX_CHANNELS


def array_html(arr, color, fmt, title, marked=None):
    """One labelled block: ``title`` over the matrix/matrices of ``arr`` or its summary.
    marked: a boolean array of arr's shape; those entries are drawn bold on yellow."""
    arr = np.asarray(arr, dtype=float)
    marked = np.zeros(arr.shape, bool) if marked is None else np.broadcast_to(marked, arr.shape)
    head = f'<TR><TD ALIGN="LEFT">{font(title, color, 10, italic=True)}</TD></TR>'
    if not is_small(arr.shape):
        stats = f"min {fmt(arr.min())}  max {fmt(arr.max())}  mean {fmt(arr.mean())}"
        return _table(head + f"<TR><TD>{font(stats, color, NUMBER_PT)}</TD></TR>")
    if arr.ndim <= 2:
        return _table(head + f"<TR><TD>{_matrix(arr, color, fmt, marked)}</TD></TR>")
    rows = head
    lead = arr.shape[:-2]
    for idx in np.ndindex(*lead):
        where = "[" + ", ".join(str(i) for i in idx) + ", :, :]"
        rows += (f'<TR><TD ALIGN="LEFT">{font(where, "#777777", 9)}</TD></TR>'
                 f"<TR><TD>{_matrix(arr[idx], color, fmt, marked[idx])}</TD></TR>")
    return _table(rows)


def _table(rows):
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">{rows}</TABLE>'


def _matrix(m, color, fmt, marked=None):
    """A grid with a visible cell per entry, so a row 1.75, 2, 2 never reads as '1.752 2'."""
    m = np.atleast_2d(m)
    marked = np.zeros(m.shape, bool) if marked is None else np.atleast_2d(marked)

    def cell(v, mark):
        text = font(fmt(v), color, NUMBER_PT, bold=bool(mark))
        background = f' BGCOLOR="{MARKED_CELL}"' if mark else ""
        return f'<TD ALIGN="RIGHT"{background}>{text}</TD>'
    rows = "".join("<TR>" + "".join(cell(v, k) for v, k in zip(row, marks)) + "</TR>"
                   for row, marks in zip(m, marked))
    return (f'<TABLE BORDER="1" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3" COLOR="{CELL_LINE}">'
            f"{rows}</TABLE>")
