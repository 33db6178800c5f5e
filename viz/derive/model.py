"""What a derivation is made of: panels (grids of numbers), frames, and the engine's answer.

A Panel is one grid: a title, values (None draws an empty cell: a dilation hole, a cell
not yet filled; a string is drawn as it is: a symbol such as X11) and marks (cell -> a
style name from grid.MARKS). A Frame is one picture: rows of panels and glyphs ("x", "=",
...), the text written under it, and ``checks``: the sums this frame shows, as (gradient
name, index, value), which tests compare with the engine's gradient elements. ``kind``
says which part of the story a frame tells ("forward", "scatter view", "gather view", ...), so the
CLI and the tests can pick frames without reading titles; ``draw``, when set, is a
function (numbers, text) -> Drawing for a picture that is not a row of grids (the 1-D
bars).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.conv import CONV2D, CONV_TRANSPOSE2D
from autograd.ops.pool import AVG_POOL2D, MAX_POOL2D
from autograd.ops.sampling import DOWNSAMPLE2D, UPSAMPLE2D
from autograd.teaching.display import check_digits, format_number

from .maps import filled, rows

DERIVABLE = (CONV2D, CONV_TRANSPOSE2D, MAX_POOL2D, AVG_POOL2D, UPSAMPLE2D, DOWNSAMPLE2D)
MAX_SIZE = 8        # maps up to 8x8
MAX_CHANNELS = 4    # up to 4 channels (the fewest a grouped, not depthwise, conv needs), batch 1


@dataclass
class Panel:
    """One grid of numbers. values: 2-D array-like (None entries drawn empty)."""

    title: str
    values: list
    marks: dict = field(default_factory=dict)   # (row, col) -> mark name
    note: str = ""                               # a line under the grid


@dataclass
class Frame:
    """One picture of a derivation: ``rows`` of Panels and glyph strings, ``text`` under it."""

    title: str
    rows: list
    text: str = ""
    checks: list = field(default_factory=list)   # (gradient name, index tuple, shown value)
    kind: str = ""
    draw: object = None


@dataclass
class Derivation:
    """The frames of one node. ``engine``: gradient name -> the engine's array for this
    node's upstream (names: "input", "weight", "bias", "output" for a forward check)."""

    node: object
    op: str
    frames: list
    engine: dict
    upstream: np.ndarray
    digits: int = 3


class Numbers:
    """The project's number policy at a chosen precision."""

    def __init__(self, digits=3):
        self.digits = check_digits(digits, "derive: digits")

    def __call__(self, v):
        return format_number(v, self.digits)

    def _paren(self, v):
        text = self(v)
        return f"({text})" if text.startswith("-") else text

    def terms(self, pairs):
        """'1*4 + 2*3' from (a, b) factor pairs ('0' when there are none)."""
        text = " + ".join(f"{self(a)}*{self._paren(b)}" for a, b in pairs) or "0"
        return text.replace("+ -", "- ")

    def sum_text(self, pairs, total):
        """'1*4 + 2*3 = 10' from (a, b) factor pairs and their sum."""
        return f"{self.terms(pairs)} = {self(total)}"

    def channel_sum_text(self, groups):
        """One sum over several channels: groups is a list of pair lists, one per channel.
        One channel reads like sum_text; more read '(1*1 + 4*1) + (6*1 + 7*1) = 5 + 13 = 18'."""
        totals = [products_sum(g) for g in groups]
        total = float(np.sum(totals))
        if len(groups) == 1:
            return self.sum_text(groups[0], total), total
        parts = " + ".join(f"({self.terms(g)})" for g in groups)
        subtotals = " + ".join(self(t) for t in totals).replace("+ -", "- ")
        return f"{parts} = {subtotals} = {self(total)}", total


def products_sum(pairs):
    """The sum of the products, added in the order shown (float64)."""
    return float(np.sum([float(a) * float(b) for a, b in pairs])) if pairs else 0.0


def products_row(picture, pairs, grid, title, marks, weights, kernel_panel, origin, dilation):
    """One row of a pixel frame, appended to ``picture``: the map with the window marked, x
    the kernel, = the products; each (map value, weight) pair goes onto ``pairs``. The
    window's kernel entry (u, v) sits on map cell origin + (u, v) * dilation."""
    marks, prods = dict(marks), np.zeros(weights.shape)
    for u in range(weights.shape[0]):
        for v in range(weights.shape[1]):
            cell = (origin[0] + u * dilation[0], origin[1] + v * dilation[1])
            marks[cell] = "window"
            pairs.append((grid[cell], weights[u, v]))
            prods[u, v] = grid[cell] * weights[u, v]
    picture.append([Panel(title, rows(grid), marks), "x", kernel_panel, "=",
                    Panel("products", rows(prods))])


def input_pixel_frame(c, i, j, heading, picture, pairs, dX, earlier, number):
    """A dE/dX pixel frame: its rows of products, summed into dX[c][i, j] (``earlier``: the
    (channel, row, column) pixels derived before it; channel c's are shown filled)."""
    total = products_sum(pairs)
    done = [(a, b) for (cc, a, b) in earlier if cc == c]
    values, marks = filled(dX[c], done, len(done), (i, j))
    picture.append(["sum ->", Panel(f"dE/dX[{c}]", values, marks)])
    return Frame(f"dE/dX[{c}][{i},{j}]: {heading}", picture,
                 f"dE/dX[{c}][{i},{j}] = {number.sum_text(pairs, total)}",
                 [("input", (0, c, i, j), total)])


def check_small(node, *arrays):
    """Refuse maps larger than the teaching limit, with one line naming it."""
    for a in (node.data, *arrays):
        shape = np.shape(a)
        if len(shape) != 4:
            raise ValueError(f"derive: {node.op} needs (N, C, H, W) maps, got shape {shape}")
        n, c, h, w = shape
        if n != 1:
            raise ValueError(f"derive: batch {n} is too large (derivations draw batch 1)")
        if c > MAX_CHANNELS:
            raise ValueError(f"derive: {c} channels are too many (at most {MAX_CHANNELS})")
        if h > MAX_SIZE or w > MAX_SIZE:
            raise ValueError(f"derive: a {h}x{w} map is too large "
                             f"(at most {MAX_SIZE}x{MAX_SIZE} to stay readable)")


def upstream_of(node, upstream):
    """The upstream dE/dO as an array of the node's shape: given, else node.grad."""
    if upstream is None:
        if node.grad is None:
            raise ValueError(f"derive: {node.op} has no gradient yet: call backward() on the "
                             "output first, or pass upstream=")
        upstream = node.grad
    up = np.asarray(getattr(upstream, "data", upstream), dtype=np.float64)
    if up.shape != node.data.shape:
        raise ValueError(f"derive: upstream has shape {up.shape}, but {node.op}'s output "
                         f"has shape {node.data.shape}")
    return up


_NAMES = ("input", "weight")


def engine_grads(node, upstream):
    """The gradient of each input of ``node`` for ``upstream``, by the engine's own rules
    (the op applied again to fresh leaves holding the same data, then autograd.grad)."""
    leaves = [Tensor(np.asarray(p.data, dtype=np.float64), requires_grad=True)
              for p in node.parents]
    out = node.gate(*leaves, **node.params)
    grads = autograd.grad(out, leaves, grad_output=upstream)
    return {name: np.asarray(g.data) for name, g in zip(_NAMES, grads)}


def filter_name(w):
    """What the frames call the filter: its label when it has a short one (the CLI's F, a
    layer's own name), else W, so the pictures and the printed derivation use one name."""
    label = (w.label or "").strip()
    return label if 0 < len(label) <= 12 and label.isascii() and label.isprintable() else "W"
