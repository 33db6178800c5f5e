"""Slide decks: one PDF with a page per frame, in order, the caption under each frame.

    `--deck` on chainrule explain, conv, pool and train; viz.deck.write_deck(svgs, captions, path)

Pages are 16:9 (960 x 540 pt), each frame scaled to fit above its caption. Two routes:
headless Chromium prints an HTML page of the frames (fonts embedded), or, without it, the
optional `pdf` extra (svglib + reportlab, viz/pdf_lib.py) draws them. With neither, one line
says so before any work is done: never a silently missing file.
"""

from __future__ import annotations

import html
import re
import tempfile

from . import pdf as _pdf
from . import pdf_lib
from .render import RenderError, inline_svg, strip_prolog
from .safe_files import write_file

PAGE = (960, 540)       # pt: a 16:9 slide
CAPTION_PT = 14
MARGIN = 24             # pt around the frame and its caption
MAX_SCALE = 2.0         # a small frame is enlarged at most this much


class DeckUnavailable(RenderError):
    """No way to write a PDF here (one line)."""


def route():
    """'chromium', 'pdf extra' or None: how a deck would be printed here."""
    if _pdf.find_chromium() is not None:
        return "chromium"
    if pdf_lib.available():
        return "pdf extra"
    return None


def check_route():
    """The route, or DeckUnavailable (one line) naming both ways to get one."""
    found = route()
    if found is None:
        raise DeckUnavailable("--deck needs a PDF route: install Chromium (e.g. apt install chromium) "
                              f"or the pdf extra ({pdf_lib.HINT})")
    return found


def deck_html(svgs, captions, size=PAGE):
    """A page per frame: the SVG scaled to fit, its caption under it (for Chromium to print)."""
    w, h = size
    style = (f"@page {{ size: {w}pt {h}pt; margin: 0 }}"
             "html, body { margin: 0; padding: 0 }"
             f".slide {{ width: {w}pt; height: {h}pt; box-sizing: border-box; padding: {MARGIN}pt;"
             " display: flex; flex-direction: column; page-break-after: always; overflow: hidden }"
             ".slide:last-child { page-break-after: auto }"
             ".frame { flex: 1 1 auto; min-height: 0; display: flex; align-items: flex-end;"
             " justify-content: center }"
             f".caption {{ flex: 0 0 auto; font: {CAPTION_PT}pt Helvetica, Arial, sans-serif;"
             " white-space: pre-wrap; margin: 12pt 0 0 0 }")
    slides = []
    for k, (svg, caption) in enumerate(zip(svgs, captions)):
        room_h = h - 2 * MARGIN - _caption_height(caption, w)
        body = _scaled(inline_svg(svg, f"s{k}-"), w - 2 * MARGIN, room_h)
        text = f'<p class="caption">{html.escape(caption)}</p>' if caption else ""
        slides.append(f'<section class="slide"><div class="frame">{body}</div>{text}</section>')
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{style}</style></head>'
            f"<body>{''.join(slides)}</body></html>")


def _caption_height(caption, width):
    """About the height (pt) the caption takes under a frame: its lines, wrapped, and a gap."""
    if not caption:
        return 0
    per_line = max(1, int((width - 2 * MARGIN) / (0.5 * CAPTION_PT)))
    lines = sum(max(1, -(-len(line) // per_line)) for line in caption.splitlines())
    return lines * CAPTION_PT * 1.3 + 12


def _scaled(svg, room_w, room_h):
    """The SVG's width and height set to fill (room_w, room_h) pt, at most twice its size,
    keeping its shape (its viewBox does the rest)."""
    w, h = _pdf.svg_size(svg)
    scale = min(room_w / w, max(room_h, 1) / h, MAX_SCALE)
    tag = re.search(r"<svg\b[^>]*>", svg).group(0)
    sized = re.sub(r'\swidth="[^"]*"', f' width="{w * scale:.1f}pt"', tag, count=1)
    sized = re.sub(r'\sheight="[^"]*"', f' height="{h * scale:.1f}pt"', sized, count=1)
    return svg.replace(tag, sized, 1)


def deck_pdf(svgs, captions, size=PAGE):
    """PDF bytes of the deck, by the first route available; DeckUnavailable if none."""
    svgs, captions = list(svgs), list(captions)
    if len(svgs) != len(captions):
        raise ValueError(f"deck: {len(svgs)} frames but {len(captions)} captions")
    if not svgs:
        raise ValueError("deck: no frames")
    how = check_route()
    try:
        if how == "chromium":
            with tempfile.TemporaryDirectory(prefix="chainrule-deck-") as tmp:
                return _pdf.print_html(_pdf.find_chromium(), deck_html(svgs, captions, size), tmp,
                                       timeout=120 + 2 * len(svgs))
        return pdf_lib.deck_pdf([strip_prolog(s) for s in svgs], captions, size, CAPTION_PT, MARGIN,
                                MAX_SCALE)
    except (RuntimeError, ValueError) as e:
        raise DeckUnavailable(f"the deck could not be printed: {e}") from None


def write_deck(svgs, captions, path, size=PAGE):
    """Write the deck to ``path`` (no link followed); returns the path."""
    return write_file(path, deck_pdf(svgs, captions, size))


# ---------------------------------------------------------------- the commands' decks

def explain_deck(root, path, digits=3):
    """chainrule explain --deck: the forward pass, the seed and every backward step of ``root``,
    each step's text under its drawing; returns the path."""
    from .render import render_svgs
    from .stepper import story
    drawings, texts, _ = story(root, digits=digits, caption=False)
    return write_deck(render_svgs(drawings), texts, path)


def derivation_deck(derivation, path):
    """chainrule conv|pool --deck: every frame of a pixel-level derivation (viz.derive), its
    text under it (the frame draws its title); returns the path."""
    from .derive import drawings
    from .render import render_svgs
    captions = [f.text or f.title for f in derivation.frames]
    return write_deck(render_svgs(drawings(derivation, text=False)), captions, path)
