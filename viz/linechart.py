"""A small SVG line chart (no Graphviz, no plotting library): per-layer gradient norms over the
epochs of a training run, on a log scale, so a vanishing layer shows as a falling line.

    svg = line_chart({"conv1": [0.03, 0.01, 0.008], "fc3": [0.6, 0.2, 0.1]}, title=...)

Every series has its own look: seven colours, then the same colours dashed, dotted and
dash-dotted, so twelve layers are twelve lines a reader can tell apart (in the legend too,
which draws each line's sample). Text is laid out for DejaVu Sans (viz/fonts.py).
"""

from __future__ import annotations

import html
import math

from autograd.teaching.display import format_number

from .fonts import FALLBACK, text_width

# distinct, print-safe colours (Okabe-Ito, without its yellow, which a projector washes out)
COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"]
DASHES = ["", "9 4", "2 3", "9 3 2 3"]      # solid, dashed, dotted, dash-dot
MAX_SERIES = len(COLOURS) * len(DASHES)
W, H = 720, 360                              # at least; wider for a long title, taller for many series
LEFT, RIGHT, TOP, BOTTOM = 70, 130, 40, 50   # RIGHT: at least; the legend's longest name decides
FONT_PX, TITLE_PX, ROW = 12, 15, 16
STROKE = 28                                  # half the length of a one-point series' stroke


def series_style(k):
    """(colour, stroke-dasharray) of the k-th series: unique for k < MAX_SERIES."""
    return COLOURS[k % len(COLOURS)], DASHES[k // len(COLOURS) % len(DASHES)]


def _keys(series):
    """Legend text per series: its name, and where a later series has the same values (so is
    drawn over it), which one hides it: 'relu1 (under pool1)'."""
    keys = {}
    names = list(series)
    for k, name in enumerate(names):
        over = next((later for later in names[k + 1:] if _same(series[name], series[later])), None)
        keys[name] = name if over is None else f"{name} (under {over})"
    return keys


def _same(a, b):
    return len(a) == len(b) and all(x == y or math.isclose(x, y, rel_tol=1e-9) for x, y in zip(a, b))


MAX_TICKS = 12  # x labels: more would run together; longer runs get every k-th


def line_chart(series, *, title="", xlabel="epoch", ylabel="gradient norm", log=True, xs=None,
               cursor=False):
    """SVG text for {name: [y per x]} (x = 1, 2, ..., or the labels ``xs``); log=True puts y on
    a log10 scale.

    Non-positive or non-finite values are left out of a log chart (a gap in the line).
    At most MAX_SERIES (28) series, each with its own colour and line style.
    cursor: also a vertical line (class "cursor") at the last x, with the x position of every
    point in its data-x attribute (JSON), for a page that moves it (a training playback).
    """
    series = {str(k): [float(v) for v in vs] for k, vs in dict(series).items()}
    if not series or not any(series.values()):
        raise ValueError("line_chart: no values to draw")
    if len(series) > MAX_SERIES:
        raise ValueError(f"line_chart: {len(series)} series are too many to tell apart "
                         f"(at most {MAX_SERIES})")
    usable = lambda v: math.isfinite(v) and (v > 0 or not log)
    ys = [v for vs in series.values() for v in vs if usable(v)]
    if not ys:
        raise ValueError("line_chart: no finite (and, on a log scale, positive) values")
    t = math.log10 if log else (lambda v: v)
    lo, hi = t(min(ys)), t(max(ys))
    if log:
        lo, hi = math.floor(lo), math.ceil(hi)
    if hi == lo:
        lo, hi = lo - 1, hi + 1
    keys = _keys(series)
    right = max(RIGHT, 12 + 28 + 6 + math.ceil(max(text_width(k, FONT_PX) for k in keys.values())) + 10)
    width = max(W, LEFT + 200 + right, math.ceil(text_width(title, TITLE_PX)) + 40)
    height = max(H, TOP + BOTTOM + ROW * len(series) + 8)
    n = max(len(vs) for vs in series.values())
    # one x (a run of one epoch): the points sit mid-chart, each drawn as a short level stroke
    # in its series' colour and dash, so the legend tells them apart as it does lines
    px = ((lambda i: (LEFT + width - right) / 2) if n == 1 else
          (lambda i: LEFT + (width - LEFT - right) * (i / (n - 1))))
    py = lambda v: TOP + (height - TOP - BOTTOM) * (1 - (t(v) - lo) / (hi - lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FALLBACK}" font-size="{FONT_PX}">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="{TITLE_PX}">'
           f"{html.escape(title)}</text>"]
    if log:   # decades; over at most two, also 2x and 5x each, so a reader can place a point
        steps = (1, 2, 5) if hi - lo <= 2 else (1,)
        values = [m * 10.0 ** e for e in range(int(lo), int(hi) + 1) for m in steps
                  if m * 10.0 ** e <= 10.0 ** hi * (1 + 1e-9)]
    else:
        values = [lo + (hi - lo) * k / 4 for k in range(5)]
    for v in values:
        y = py(v)
        out.append(f'<line x1="{LEFT}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{format_number(v)}</text>')
    labels = [str(v) for v in xs] if xs is not None else [str(i + 1) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"line_chart: {len(labels)} x labels for {n} points")
    every = -(-n // MAX_TICKS)
    for i in range(0, n, every):
        out.append(f'<text x="{px(i):.1f}" y="{height - BOTTOM + 18}" text-anchor="middle">'
                   f"{html.escape(labels[i])}</text>")
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{height - BOTTOM}" stroke="#444"/>')
    out.append(f'<line x1="{LEFT}" x2="{width - right}" y1="{height - BOTTOM}" y2="{height - BOTTOM}" '
               'stroke="#444"/>')
    out.append(f'<text x="{(LEFT + width - right) / 2}" y="{height - 12}" text-anchor="middle">'
               f"{html.escape(xlabel)}</text>")
    scale = " (log scale)" if log else ""
    mid = (TOP + height - BOTTOM) / 2
    out.append(f'<text x="16" y="{mid}" text-anchor="middle" '
               f'transform="rotate(-90 16 {mid})">{html.escape(ylabel + scale)}</text>')
    for k, (name, vs) in enumerate(series.items()):
        colour, dash = series_style(k)
        look = f'stroke="{colour}" stroke-width="2.5"' + (f' stroke-dasharray="{dash}"' if dash else "")
        runs, run = [], []
        for i, v in enumerate(vs):
            if usable(v):
                run.append((px(i), py(v)))
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        for r in runs:
            line = [(x - STROKE, y) for x, y in r] + [(x + STROKE, y) for x, y in r] if n == 1 else r
            out.append(f'<polyline class="series" data-name="{html.escape(name)}" fill="none" '
                       f'{look} points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in line)}"/>')
            out += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"/>' for x, y in r]
        y = TOP + 8 + ROW * k
        out.append(f'<line class="key" data-name="{html.escape(name)}" x1="{width - right + 12}" '
                   f'x2="{width - right + 40}" y1="{y}" y2="{y}" {look}/>')
        out.append(f'<text x="{width - right + 46}" y="{y + 4}">{html.escape(keys[name])}</text>')
    if cursor:
        where = ",".join(f"{px(i):.1f}" for i in range(n))
        out.append(f'<line class="cursor" data-x="[{where}]" x1="{px(n - 1):.1f}" x2="{px(n - 1):.1f}" '
                   f'y1="{TOP}" y2="{height - BOTTOM}" stroke="#c0262d" stroke-width="1.5" '
                   'stroke-dasharray="4 3"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
