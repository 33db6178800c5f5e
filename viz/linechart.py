"""A small SVG line chart (no Graphviz, no plotting library): per-layer gradient norms over the
epochs of a training run, on a log scale, so a vanishing layer shows as a falling line.

    svg = line_chart({"conv1": [0.03, 0.01, 0.008], "fc3": [0.6, 0.2, 0.1]}, title=...)
"""

from __future__ import annotations

import html
import math

from autograd.teaching.display import format_number

# distinct, print-safe colours (Okabe-Ito), cycled
COLOURS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"]
W, H = 720, 360
LEFT, RIGHT, TOP, BOTTOM = 70, 130, 40, 50


MAX_TICKS = 12  # x labels: more would run together; longer runs get every k-th


def line_chart(series, *, title="", xlabel="epoch", ylabel="gradient norm", log=True, xs=None,
               cursor=False):
    """SVG text for {name: [y per x]} (x = 1, 2, ..., or the labels ``xs``); log=True puts y on
    a log10 scale.

    Non-positive or non-finite values are left out of a log chart (a gap in the line).
    cursor: also a vertical line (class "cursor") at the last x, with the x position of every
    point in its data-x attribute (JSON), for a page that moves it (a training playback).
    """
    series = {str(k): [float(v) for v in vs] for k, vs in dict(series).items()}
    if not series or not any(series.values()):
        raise ValueError("line_chart: no values to draw")
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
    n = max(len(vs) for vs in series.values())
    px = lambda i: LEFT + (W - LEFT - RIGHT) * (i / max(n - 1, 1))
    py = lambda v: TOP + (H - TOP - BOTTOM) * (1 - (t(v) - lo) / (hi - lo))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
           'font-family="Helvetica, Arial, sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="15">{html.escape(title)}</text>']
    ticks = range(int(lo), int(hi) + 1) if log else [lo + (hi - lo) * k / 4 for k in range(5)]
    for tk in ticks:
        v = 10.0 ** tk if log else tk
        y = py(v)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e4e4e4"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{format_number(v)}</text>')
    labels = [str(v) for v in xs] if xs is not None else [str(i + 1) for i in range(n)]
    if len(labels) != n:
        raise ValueError(f"line_chart: {len(labels)} x labels for {n} points")
    every = -(-n // MAX_TICKS)
    for i in range(0, n, every):
        out.append(f'<text x="{px(i):.1f}" y="{H - BOTTOM + 18}" text-anchor="middle">'
                   f"{html.escape(labels[i])}</text>")
    out.append(f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{H - BOTTOM}" stroke="#444"/>')
    out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{H - BOTTOM}" y2="{H - BOTTOM}" stroke="#444"/>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2}" y="{H - 12}" text-anchor="middle">'
               f"{html.escape(xlabel)}</text>")
    scale = " (log scale)" if log else ""
    out.append(f'<text x="16" y="{(TOP + H - BOTTOM) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 16 {(TOP + H - BOTTOM) / 2})">{html.escape(ylabel + scale)}</text>')
    for k, (name, vs) in enumerate(series.items()):
        colour = COLOURS[k % len(COLOURS)]
        runs, run = [], []
        for i, v in enumerate(vs):
            if usable(v):
                run.append(f"{px(i):.1f},{py(v):.1f}")
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
        for r in runs:
            out.append(f'<polyline class="series" data-name="{html.escape(name)}" fill="none" '
                       f'stroke="{colour}" stroke-width="2" points="{" ".join(r)}"/>')
            out += [f'<circle cx="{p.split(",")[0]}" cy="{p.split(",")[1]}" r="2.5" fill="{colour}"/>'
                    for p in r]
        y = TOP + 8 + 16 * k
        out.append(f'<line x1="{W - RIGHT + 12}" x2="{W - RIGHT + 32}" y1="{y}" y2="{y}" '
                   f'stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{W - RIGHT + 38}" y="{y + 4}">{html.escape(name)}</text>')
    if cursor:
        where = ",".join(f"{px(i):.1f}" for i in range(n))
        out.append(f'<line class="cursor" data-x="[{where}]" x1="{px(n - 1):.1f}" x2="{px(n - 1):.1f}" '
                   f'y1="{TOP}" y2="{H - BOTTOM}" stroke="#c0262d" stroke-width="1.5" '
                   'stroke-dasharray="4 3"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"
