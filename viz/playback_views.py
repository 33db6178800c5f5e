"""What a training playback shows beside the network: the decision boundary of a 2-D
classifier (two moons) and sample digits with the model's predictions (LeNet).

Both are drawn once, as SVG, and only recoloured or relabelled per step by the page: the
boundary as one letter per grid cell (its score's side and confidence), the digits as one
(prediction, probability) pair per image.
"""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

import autograd
from autograd import Tensor

GRID_W, GRID_H = 48, 32   # decision-boundary cells: 1,536 letters per recorded step
CELL = 10                 # px per cell
LEVELS = 10               # per side: 'a' (sure: -1) .. 'k' (the boundary) .. 'u' (sure: +1)
POINT_COLOURS = {-1: "#0072b2", 1: "#d55e00"}


def grid_points(x, margin=0.3):
    """(bounds, points): the plane around the data, (GRID_H * GRID_W, 2) cell centres, row by
    row from the top."""
    (x0, y0), (x1, y1) = x.min(0) - margin, x.max(0) + margin
    cx = x0 + (np.arange(GRID_W) + 0.5) * (x1 - x0) / GRID_W
    cy = y1 - (np.arange(GRID_H) + 0.5) * (y1 - y0) / GRID_H
    gx, gy = np.meshgrid(cx, cy)
    return (x0, y0, x1, y1), np.stack([gx.ravel(), gy.ravel()], axis=1)


def boundary_codes(model, points):
    """One letter per cell: tanh of the model's score, in 2 * LEVELS + 1 steps from 'a' to 'u'."""
    with autograd.no_grad():
        scores = np.asarray(model(Tensor(points)).data, dtype=np.float64)[:, 0]
    levels = np.rint((np.tanh(scores) + 1) * LEVELS).astype(int)
    return "".join(chr(ord("a") + int(v)) for v in levels)


def boundary_svg(x, y, bounds):
    """The static picture: GRID_H x GRID_W cells (class "cell", recoloured by the page) and the
    training points, o for y = -1 and x for y = +1."""
    x0, y0, x1, y1 = bounds
    w, h = GRID_W * CELL, GRID_H * CELL
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="boundary" width="{w}" height="{h + 22}" '
           f'viewBox="0 0 {w} {h + 22}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<g class="cells" data-cols="{GRID_W}">']
    out += [f'<rect x="{c * CELL}" y="{r * CELL}" width="{CELL}" height="{CELL}" fill="#ffffff"/>'
            for r in range(GRID_H) for c in range(GRID_W)]
    out.append("</g>")
    px = (x[:, 0] - x0) / (x1 - x0) * w
    py = (y1 - x[:, 1]) / (y1 - y0) * h
    for a, b, label in zip(px, py, y):
        colour = POINT_COLOURS[1 if label > 0 else -1]
        if label > 0:
            out.append(f'<path d="M{a - 3.5:.1f},{b - 3.5:.1f}l7,7m0,-7l-7,7" stroke="{colour}" '
                       'stroke-width="2"/>')
        else:
            out.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3.5" fill="none" stroke="{colour}" '
                       'stroke-width="2"/>')
    out.append(f'<text x="4" y="{h + 16}">decision regions: blue side scores &lt; 0 (o), orange '
               "side &gt; 0 (x); paler = less sure</text></svg>")
    return "".join(out)


def png_gray(image):
    """A greyscale PNG of a 2-D array in [0, 1] (ink dark on white), as bytes."""
    a = np.clip(np.asarray(image, dtype=np.float64), 0, 1)
    rows = np.rint(255 * (1 - a)).astype(np.uint8)
    raw = b"".join(b"\x00" + row.tobytes() for row in rows)

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    head = struct.pack(">IIBBBBB", a.shape[1], a.shape[0], 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def digits_html(images, labels, size=64):
    """The sample images (N, 1, H, W) with their true labels and an empty prediction line each
    (class "pred", filled by the page)."""
    cells = []
    for k, (img, label) in enumerate(zip(images, labels)):
        data = base64.b64encode(png_gray(img[0])).decode("ascii")
        cells.append(f'<figure class="digit" data-index="{k}"><img alt="digit {int(label)}" '
                     f'width="{size}" height="{size}" src="data:image/png;base64,{data}">'
                     f'<figcaption>label {int(label)}<br><span class="pred">&#160;</span>'
                     "</figcaption></figure>")
    return f'<div class="digits">{"".join(cells)}</div>'


def predictions(model, images):
    """[(predicted class, its softmax probability)] for images (N, 1, H, W), without a graph."""
    model.eval()
    try:
        with autograd.no_grad():
            logits = np.asarray(model(Tensor(images)).data, dtype=np.float64)
    finally:
        model.train()
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    best = p.argmax(axis=1)
    return [(int(b), float(p[i, b])) for i, b in enumerate(best)]
