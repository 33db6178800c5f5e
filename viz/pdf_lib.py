"""PDF without Graphviz's own PDF writer or a browser: the optional `pdf` extra.

    pip install 'chainrule[pdf]'     # svglib (reads SVG) + reportlab (writes PDF), pure Python

svglib turns an SVG (graphviz-pure's or dot's) into a ReportLab drawing; ReportLab writes
it into a PDF as vector paths and text in the standard Helvetica, page after page. The
engine never imports this module; viz imports it only when a PDF is asked for and neither
the system dot nor Chromium can write one.
"""

from __future__ import annotations

import io

HINT = "pip install 'chainrule[pdf]'"


def available():
    """Are svglib and reportlab importable?"""
    try:
        import reportlab  # noqa: F401
        import svglib  # noqa: F401
    except ImportError:
        return False
    return True


def _drawing(svg):
    """The ReportLab drawing of SVG text (from its <svg> tag on); ValueError when svglib
    cannot read it."""
    from svglib.svglib import svg2rlg

    drawing = svg2rlg(io.BytesIO(svg.encode("utf-8")))
    if drawing is None:
        raise ValueError("svglib could not read the SVG")
    return drawing


def tight_pdf(svg):
    """PDF bytes: one page the SVG's size holding the SVG."""
    from reportlab.graphics import renderPDF

    return renderPDF.drawToString(_drawing(svg))


def deck_pdf(svgs, captions, size, caption_pt=14, margin=24, max_scale=2.0):
    """PDF bytes: one page of ``size`` (width, height in pt) per SVG, in order, the SVG scaled
    to fit above its caption (lines wrapped to the page's width), enlarged at most max_scale."""
    from reportlab.graphics import renderPDF
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = size
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=size, pageCompression=1)
    for svg, caption in zip(svgs, captions):
        lines = [piece for line in (caption or "").splitlines()
                 for piece in (simpleSplit(line, "Helvetica", caption_pt, width - 2 * margin) or [""])]
        text_h = len(lines) * caption_pt * 1.25 + (margin / 2 if lines else 0)
        drawing = _drawing(svg)
        room_w, room_h = width - 2 * margin, height - 2 * margin - text_h
        scale = min(room_w / drawing.width, max(room_h, 1) / drawing.height, max_scale)
        drawing.scale(scale, scale)
        w, h = drawing.width * scale, drawing.height * scale
        renderPDF.draw(drawing, page, (width - w) / 2, margin + text_h + (room_h - h))
        page.setFont("Helvetica", caption_pt)
        for k, line in enumerate(lines):
            page.drawString(margin, margin + text_h - (k + 1) * caption_pt * 1.25, line)
        page.showPage()
    page.save()
    return out.getvalue()
