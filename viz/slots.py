"""Drawings laid out once and refilled with new numbers: what makes a training playback small.

Over a training run a network's drawing keeps its shape; only its numbers change. So each
number is drawn as a placeholder of fixed width (``Slots``), the drawing is laid out and
rendered once (a ``Template``: the SVG cut at its placeholders), and every later step keeps
only its list of number texts. The page joins template and numbers when a step is shown:
the boxes stay where they are while the numbers change, and 500 steps cost 500 short lists,
not 500 drawings.

A drawing whose DOT text (with placeholders) differs from the template's is not the same
shape: it gets a template of its own, so a refill can never put a number in the wrong place.
"""

from __future__ import annotations

import re

from autograd.teaching.display import format_number

from .render import inline_svg, render_svgs

# The placeholder: 'Q', six digits, 'Q'. It is at least as wide as any number of 3 to 4
# significant digits ('-1.23e-05') in the drawings' fonts, so a number never outgrows the
# space the layout gave its placeholder.
_TOKEN = "Q{:06d}Q"
_FIND = re.compile(r"Q(\d{6})Q")
MAX_SLOTS = 999_999


class Slots:
    """A number format for the drawing functions (``fmt=``): each call returns a new
    placeholder and keeps the number's real text in ``texts``."""

    def __init__(self, digits=3):
        self.digits = digits
        self.texts = []

    def __call__(self, v):
        if len(self.texts) >= MAX_SLOTS:
            raise ValueError(f"slots: a drawing with more than {MAX_SLOTS} numbers")
        self.texts.append(format_number(v, self.digits))
        return _TOKEN.format(len(self.texts) - 1)


class Template:
    """A rendered drawing cut at its placeholders: ``parts`` (len(order) + 1 SVG pieces) and
    ``order`` (the slot drawn between parts[i] and parts[i + 1])."""

    def __init__(self, source, svg):
        self.source = source
        pieces = _FIND.split(svg)
        self.parts, self.order = pieces[0::2], [int(k) for k in pieces[1::2]]

    def fill(self, texts):
        """The SVG with every placeholder replaced by its number's text."""
        out = [self.parts[0]]
        for k, part in zip(self.order, self.parts[1:]):
            out += [_escape(texts[k]), part]
        return "".join(out)


def _escape(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Templates:
    """Templates by DOT source, rendered in batches: ``add`` a drawing made with a Slots
    format, get (template index, texts); ``render`` lays out the new ones."""

    def __init__(self):
        self.sources, self.svgs, self._index, self._pending = [], [], {}, []

    def add(self, digraph, slots):
        source = digraph.source
        k = self._index.get(source)
        if k is None:
            k = self._index[source] = len(self.sources)
            self.sources.append(source)
            self._pending.append(digraph)
        return k, list(slots.texts)

    def __len__(self):
        return len(self.sources)

    def render(self):
        """Render the templates added since the last call (one renderer run per batch)."""
        if self._pending:
            self.svgs += render_svgs(self._pending)
            self._pending = []
        return [Template(src, svg) for src, svg in zip(self.sources, self.svgs)]

    def inlined(self, prefix):
        """Every template ready to inline in a page: ids prefixed (``prefix`` + its index),
        so that no id is shared with another drawing on the page."""
        self.render()
        return [Template(src, inline_svg(svg, f"{prefix}{k}-"))
                for k, (src, svg) in enumerate(zip(self.sources, self.svgs))]
