"""Numpy arrays drawn as labelled pixel grids in one self-contained SVG (no renderer needed).

    panels = [("conv1 unit", array2d, "heat"), ("digit", image, "gray")]
    save_grid(panels, "out/receptive.svg", title="...", columns=4)

"gray": 0 black .. max white; "heat": 0 white .. max red (magnitudes); "signed": blue - white
- red around 0 (filters, gradients). An optional box (row, col, height, width) is outlined.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np

from viz.fonts import FALLBACK
from viz.safe_files import write_file

CELL = 8          # pixels per array cell at the default size
LABEL = 28        # room for a panel's two-line caption


def _colours(a, mode):
    a = np.asarray(a, dtype=np.float64)
    if mode == "gray":
        lo, hi = a.min(), a.max()
        t = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
        v = np.round(255 * t).astype(int)
        return np.stack([v, v, v], -1)
    if mode == "heat":
        hi = np.abs(a).max()
        t = np.abs(a) / hi if hi > 0 else np.zeros_like(a)
        return np.stack([np.full(a.shape, 255), np.round(255 * (1 - t)), np.round(255 * (1 - t))],
                        -1).astype(int)
    if mode == "signed":
        hi = np.abs(a).max()
        t = a / hi if hi > 0 else np.zeros_like(a)
        pos, neg = np.clip(t, 0, 1), np.clip(-t, 0, 1)
        r = 255 * (1 - neg)
        g = 255 * (1 - pos - neg)
        b = 255 * (1 - pos)
        return np.round(np.stack([r, g, b], -1)).astype(int)
    raise ValueError(f"pictures: mode must be gray, heat or signed, got {mode!r}")


def _panel(x0, y0, caption, a, mode, cell, box):
    a = np.asarray(a)
    rgb = _colours(a, mode)
    lines = caption.split("\n")
    parts = [f'<text x="{x0}" y="{y0 + 11 + 12 * i}" font-size="11">{escape(t)}</text>'
             for i, t in enumerate(lines[:2])]
    top = y0 + LABEL
    for (i, j), _ in np.ndenumerate(a):
        r, g, b = rgb[i, j]
        parts.append(f'<rect x="{x0 + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" '
                     f'fill="rgb({r},{g},{b})"/>')
    parts.append(f'<rect x="{x0}" y="{top}" width="{a.shape[1] * cell}" height="{a.shape[0] * cell}" '
                 'fill="none" stroke="#888"/>')
    if box is not None:
        bi, bj, bh, bw = box
        parts.append(f'<rect x="{x0 + bj * cell}" y="{top + bi * cell}" width="{bw * cell}" '
                     f'height="{bh * cell}" fill="none" stroke="#1f6feb" stroke-width="2"/>')
    return parts


def save_grid(panels, path, title="", columns=4, cell=CELL):
    """panels: (caption, 2-d array, mode[, box]) or None (an empty slot, to start a new row)
    -> one SVG file at ``path``; returns the path."""
    if not any(panels):
        raise ValueError("save_grid: no panels to draw")
    shapes = [np.shape(p[1]) for p in panels if p is not None]
    if any(len(s) != 2 for s in shapes):
        raise ValueError(f"save_grid: every panel must be a 2-d array, got shapes {shapes}")
    w = max(max(s[1] * cell for s in shapes), 120) + 16
    h = max(s[0] * cell for s in shapes) + LABEL + 16
    cols = min(columns, len(panels))
    rows = -(-len(panels) // cols)
    head = 28 if title else 0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * w + 8}" height="{rows * h + head + 8}" '
             f'font-family="{FALLBACK}">',
             '<rect width="100%" height="100%" fill="white"/>']
    if title:
        parts.append(f'<text x="8" y="20" font-size="14" font-weight="bold">{escape(title)}</text>')
    for k, p in enumerate(panels):
        if p is None:
            continue
        caption, a, mode = p[:3]
        box = p[3] if len(p) > 3 else None
        parts += _panel(8 + (k % cols) * w, head + 8 + (k // cols) * h, caption, a, mode, cell, box)
    parts.append("</svg>")
    path = Path(path)
    write_file(path, "\n".join(parts) + "\n")  # parent folder created, no link followed
    return path
