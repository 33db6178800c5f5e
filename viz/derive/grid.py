"""Frames as Graphviz HTML-like tables: each panel a grid of numbered cells.

One plaintext node per frame, so system dot and graphviz-pure lay it out the same way, and
the DOT text depends only on the numbers (deterministic, for snapshot tests). Labels stay
ASCII so every renderer draws them.
"""

from __future__ import annotations

import math

from ..fonts import FONT, text_width
from ..render import Drawing
from ..style import GRAD_COLOR, SLACK, esc
from .model import Frame, Numbers, Panel

# mark -> (fill, text colour, bold, border width, border colour)
MARKS = {
    "window": ("#fff1a8", "#222222", False, 1, "#999999"),    # cells under the filter
    "winner": ("#ecdaf3", "#5b1f78", True, 3, "#8a3fa8"),     # max-pool's arg-max
    "current": ("#f9c9c9", GRAD_COLOR, True, 3, GRAD_COLOR),  # the element being derived
    "done": ("#e7f4e9", "#1b5e20", False, 1, "#999999"),      # filled in by earlier frames
    "pad": ("#eeeeee", "#9a9a9a", False, 1, "#bbbbbb"),       # zero padding
    "inserted": ("#dfeafa", "#6a86ad", False, 1, "#bbbbbb"),  # zeros inserted by upsampling
    "hole": ("#ffffff", "#bbbbbb", False, 1, "#dddddd"),      # a dilated filter's holes
    "source": ("#d6e6f7", "#1d4f91", True, 3, "#2f6db5"),     # an upstream value on its way
    "zone": ("#fde3c8", "#222222", False, 1, "#999999"),      # every other window, tiled
}
PLAIN = ("#ffffff", "#222222", False, 1, "#999999")
CELL_W, CELL_H, CELL_PT = 40, 28, 14


def _text(value, mark, number):
    if mark == "hole":
        return "."
    if isinstance(value, str):      # a symbol (X11, dE/dO12) or a word
        return value
    return "" if value is None else number(value)


def _cell(value, mark, number, width):
    fill, color, bold, border, edge = MARKS.get(mark, PLAIN)
    text = _text(value, mark, number)
    body = f'<FONT POINT-SIZE="{CELL_PT}" COLOR="{color}">{esc(text) or " "}</FONT>'
    if bold:
        body = f"<B>{body}</B>"
    return (f'<TD WIDTH="{width}" HEIGHT="{CELL_H}" BGCOLOR="{fill}" BORDER="{border}" '
            f'COLOR="{edge}">{body}</TD>')


def panel_html(panel: Panel, number: Numbers):
    """A titled grid of cells."""
    rows = []
    widest = max((text_width(_text(v, panel.marks.get((r, c)), number), CELL_PT, bold=True)
                  for r, line in enumerate(panel.values) for c, v in enumerate(line)), default=0)
    # fixed: a wide title must not stretch the grid; room for the widest number set in bold
    width = max(CELL_W, math.ceil(widest) + 12)
    for r, line in enumerate(panel.values):
        cells = "".join(_cell(v, panel.marks.get((r, c)), number, width) for c, v in enumerate(line))
        rows.append(f"<TR>{cells}</TR>")
    grid_w = (width + 1) * max(len(r) for r in panel.values) + 1
    grid_h = (CELL_H + 1) * len(panel.values) + 1
    grid = (f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="2" '
            f'WIDTH="{grid_w}" HEIGHT="{grid_h}" FIXEDSIZE="TRUE">{"".join(rows)}</TABLE>')
    title = f'<FONT POINT-SIZE="13"><B>{esc(panel.title)}</B></FONT>'
    note = (f'<TR><TD><FONT POINT-SIZE="11" COLOR="#555555">{esc(panel.note)}</FONT></TD></TR>'
            if panel.note else "")
    # the panel's own size, fixed: beside a taller panel it would be stretched, and its title
    # would float above the grid. Rows: the title (13 pt text and padding), the grid (and
    # padding), the note; 2 pt between rows and around them
    wide = max(grid_w, text_width(panel.title, 13, bold=True) * (1 + SLACK),
               text_width(panel.note, 11) * (1 + SLACK) if panel.note else 0)
    high = 20 + grid_h + 4 + 6 + (20 if panel.note else 0)
    return (f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2" WIDTH="{math.ceil(wide) + 10}" '
            f'HEIGHT="{high}" FIXEDSIZE="TRUE"><TR><TD>{title}</TD></TR>'
            f"<TR><TD>{grid}</TD></TR>{note}</TABLE>")


def _item(item, number):
    if isinstance(item, Panel):
        return f'<TD VALIGN="MIDDLE">{panel_html(item, number)}</TD>'
    if not item.strip():
        return "<TD> </TD>"
    return f'<TD VALIGN="MIDDLE"><FONT POINT-SIZE="22"><B>{esc(item)}</B></FONT></TD>'


def frame_html(frame: Frame, number: Numbers, text=True):
    """The whole frame as one HTML-like label (title, rows of panels, the text)."""
    lines = [text_width(frame.title, 16, bold=True)]
    lines += [text_width(line, 13) for line in frame.text.splitlines()] if text and frame.text else []
    spare = math.ceil(SLACK * max(lines)) + 2   # room for a renderer that measures text short
    out = [f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="16"><B>{esc(frame.title)}</B></FONT></TD>'
           f'<TD WIDTH="{spare}"> </TD></TR>']
    for row in frame.rows:
        items = "".join(_item(i, number) for i in row)
        out.append(f'<TR><TD ALIGN="LEFT"><TABLE BORDER="0" CELLSPACING="6"><TR>{items}</TR>'
                   f"</TABLE></TD></TR>")
    if text and frame.text:
        for line in frame.text.splitlines():
            out.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="13">{esc(line) or " "}</FONT></TD></TR>')
    return f'<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="4">{"".join(out)}</TABLE>'


def frame_dot(frame: Frame, number: Numbers, text=True) -> Drawing:
    """A Digraph holding the frame (``text=False`` leaves the text to the page under it)."""
    if frame.draw is not None:      # a picture of its own (the 1-D bars)
        return frame.draw(number, text)
    dot = Drawing("derivation", graph_attr={"fontname": FONT, "margin": "0.1",
                                            "bgcolor": "white"},
                  node_attr={"fontname": FONT, "shape": "plaintext", "margin": "0"})
    dot.node("frame", f"<{frame_html(frame, number, text)}>")
    return dot
