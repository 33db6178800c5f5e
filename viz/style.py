"""The look of every drawing: pattern colours, op symbols, number format, HTML escaping.

Labels stay within ASCII, Greek letters and the partial sign, which every renderer
(including graphviz-pure) draws.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from autograd import Pattern
from autograd.teaching.display import DIGITS, check_digits, format_number

from .fonts import text_width

VALUE_COLOR = "#1b7a2e"     # forward values (green, above)
GRAD_COLOR = "#c0262d"      # gradients (red, below)
GREY = "#8f8f8f"            # not yet visited in a step frame: recedes, yet its numbers
                            # (needed for the current local gradient) read on a projector
HIGHLIGHT = "#222222"       # outline of the current gate in a step frame
MARK = "#111111"            # double outline: where a wrong engine first differs (viz.mistake)
BACKWARD_FILL = "#c2f0c8"   # nodes of a derived backward graph (create_graph=True): pale mint,
BACKWARD_EDGE = "#17807a"   # far from every pattern fill (the router's is lilac); teal outline

# pattern -> (outline, fill, description for the legend)
PATTERNS = {
    Pattern.DISTRIBUTOR: ("#2f6db5", "#d6e6f7", "add, sum: upstream passes unchanged to every input"),
    Pattern.SWAP_MULTIPLIER: ("#d9731a", "#fbe3cc", "mul, matmul, conv: upstream x the other input"),
    Pattern.ROUTER: ("#8a3fa8", "#ecdaf3", "max, relu, max-pool: upstream goes to the winner"),
    Pattern.ADDER: ("#b58f00", "#fbf0bf", "copy (fan-out), broadcast: gradients are summed"),
}
OTHER = ("#707070", "#eeeeee", "other gates (exp, log, reshape, ...)")


def pattern_style(pattern):
    """(outline colour, fill colour) of a gate pattern."""
    outline, fill, _ = PATTERNS.get(pattern, OTHER)
    return outline, fill


def symbol(node):
    """Short gate label, as its op declares it: '+', '*', '**2', 'exp', 'conv2d' ..."""
    mark = node.gate.symbol
    return mark(node.params) if callable(mark) else mark


def params_list(params):
    """['padding=1', 'stride=2']: one item per hyper-parameter, sorted by name."""
    parts = []
    for key in sorted(params):
        v = params[key]
        if v is None or v is False:
            continue  # defaults such as axis=None, keepdims=False say nothing
        if isinstance(v, np.ndarray) and v.ndim == 0:
            v = v.item()
        if isinstance(v, np.ndarray):  # saved indices, masks...: their kind and shape, not values
            parts.append(f"{key}: {array_kind(v)}")
            continue
        if isinstance(v, tuple) and len(v) > 6:
            v = f"({len(v)} items)"
        elif isinstance(v, slice) or (isinstance(v, tuple) and any(isinstance(p, (slice, np.ndarray))
                                                                    for p in v)):
            v = _index_text(v)
        text = f"{key}={v}"
        parts.append(text if len(text) <= 40 else text[:37] + "...")
    return parts


def array_kind(a):
    """'int array (1, 1, 2, 2)': an array-valued parameter, compactly."""
    kind = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}.get(a.dtype.kind,
                                                                                 str(a.dtype))
    return f"{kind} array {tuple(a.shape)}"


def _index_text(index):
    parts = index if isinstance(index, tuple) else (index,)
    out = []
    for p in parts:
        if isinstance(p, slice):
            out.append(":" if p == slice(None) else
                       f"{'' if p.start is None else p.start}:{'' if p.stop is None else p.stop}"
                       + ("" if p.step is None else f":{p.step}"))
        elif isinstance(p, np.ndarray):
            out.append(array_kind(p))
        else:
            out.append(str(p))
    return "[" + ", ".join(out) + "]"


class NumberFormat:
    """Formats numbers: by default autograd.display's policy (``digits`` significant digits,
    never a non-zero value as 0); or a format spec (".2f", ".3g", ...) or a callable.
    Never prints '-0.00'."""

    def __init__(self, spec=None, digits=DIGITS):
        self.digits = check_digits(digits)
        if spec is None:
            self._fn = lambda v: format_number(v, digits)
        elif callable(spec):
            self._fn = spec
        else:
            try:
                format(1.5, spec)
            except (ValueError, TypeError):
                raise ValueError(f"fmt: {spec!r} is not a number format spec "
                                 "such as '.2f' or '.3g'") from None
            self._fn = lambda v: format(v, spec)
        self.policy = spec is None  # products can be made consistent only under the policy

    def __call__(self, v):
        v = float(v)
        if math.isfinite(v):
            text = self._fn(v + 0.0)
            stripped = text.lstrip("-")
            if text.startswith("-") and stripped.replace("0", "").replace(".", "") in ("", "e+", "e-"):
                text = stripped  # rounds to zero: drop the sign
            return text
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")


def esc(text):
    """Escape text for a Graphviz HTML-like label."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def font(text, color=None, size=None, bold=False, italic=False):
    """An HTML-like label fragment."""
    s = esc(text)
    if bold:
        s = f"<B>{s}</B>"
    if italic:
        s = f"<I>{s}</I>"
    attrs = ""
    if color:
        attrs += f' COLOR="{color}"'
    if size:
        attrs += f' POINT-SIZE="{size}"'
    return f"<FONT{attrs}>{s}</FONT>" if attrs else s


# The system dot (Graphviz 2.43 with pango) measures text up to 5% narrower than it is drawn
# (glyph widths rounded at small sizes); graphviz-pure measures DejaVu Sans exactly. Lines
# of text in a table get this much room to spare at their right, so neither clips.
SLACK = 0.06
SWATCH = "\u25a0"   # a filled square: the legend's colour sample, set inline with its name


def spans(*parts):
    """One line of text in several looks -> (HTML-like fragment, width in points).

    parts: (text, colour, size) or (text, colour, size, bold); colour None is the default.
    Spaces that start a part become a part of their own: an SVG viewer drops the leading
    blanks of a text element (the system dot writes no xml:space), and the words would touch;
    a text element of blanks alone shows nothing, and the next one starts after its width."""
    html, width = "", 0.0
    for text, color, size, *bold in parts:
        bold = bool(bold and bold[0])
        words = text.lstrip(" ")
        if len(words) < len(text):
            html += font(text[:len(text) - len(words)], None, size)
        html += font(words, color, size, bold=bold) if words else ""
        width += text_width(text, size, bold)
    return html, width


def lines_table(lines, attrs='BORDER="0" CELLSPACING="2"'):
    """A table of left-aligned lines [(html, width in points)], each on its own row, with
    SLACK to spare at the right: a renderer that measures text narrower than it is drawn
    (and the wider drawn text) still stays inside. When the table is stretched (by a wider
    neighbour), its one column of text just gets wider."""
    if not lines:
        return ""
    spare = math.ceil(SLACK * max(w for _, w in lines)) + 2
    rows = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{html}</TD>'
                   + (f'<TD WIDTH="{spare}"> </TD>' if k == 0 else "") + "</TR>"
                   for k, (html, _) in enumerate(lines))
    return f"<TABLE {attrs}>{rows}</TABLE>"


def stack_rows(dot, rows):
    """Lay node names out as text: each row one rank, left to right in order, rows stacked top
    to bottom (invisible edges only), so a long chain keeps a slide's 16:9 shape."""
    for k, row in enumerate(rows):
        with dot.subgraph() as r:
            r.attr(rank="same")
            for a, b in itertools.pairwise(row):
                r.edge(a, b, style="invis", weight="10")
        if k:
            dot.edge(rows[k - 1][0], row[0], style="invis")
