"""Measure drawn text in headless Chromium: does any text overflow its box, leave the picture,
or overlap other text?

Every SVG is inlined into one page whose script measures each <text> element as the browser
lays it out (its characters' extents, first to last non-blank: the real font's advance
widths) against
- the smallest shape (polygon, path, ellipse, rect) of its node or cluster that holds the
  text's centre: a grid cell, a legend swatch's row, a gate's circle, a box;
- the SVG's viewport (a title cut at the right);
- every other text of the same picture (two spans laid out for narrower glyphs run into
  each other).
The findings come back through --dump-dom. ``minimal_fonts(tmp)`` makes a fontconfig setup
with DejaVu only, as on a minimal Linux install, where Helvetica's substitute is DejaVu Sans.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from viz.pdf import HEADLESS, find_chromium
from viz.render import inline_svg

CHROMIUM = find_chromium()

SCRIPT = r"""
(function () {
  var TOL = 1.0;   // px: anti-aliasing and rounding
  function rect(el) { var r = el.getBoundingClientRect();
    return {l: r.left, t: r.top, r: r.right, b: r.bottom}; }
  function area(b) { return (b.r - b.l) * (b.b - b.t); }
  function holds(b, x, y) { return b.l <= x && x <= b.r && b.t <= y && y <= b.b; }
  // the box of a text's characters from its first to its last non-blank one, in page pixels
  // (spaces that pad a span are room, not text)
  function textBox(t) {
    var s = t.textContent, first = s.search(/\S/), last = s.length - 1;
    while (last > first && /\s/.test(s.charAt(last))) { last--; }
    var n = t.getNumberOfChars();
    if (n !== s.length) { return rect(t); }   // characters the layout counts otherwise
    var m = t.getScreenCTM(), a = t.getExtentOfChar(first), b = t.getExtentOfChar(last);
    var pts = [[a.x, a.y], [b.x + b.width, b.y + b.height], [a.x, a.y + a.height], [b.x + b.width, b.y]];
    var xs = [], ys = [];
    for (var i = 0; i < pts.length; i++) {
      xs.push(m.a * pts[i][0] + m.c * pts[i][1] + m.e);
      ys.push(m.b * pts[i][0] + m.d * pts[i][1] + m.f);
    }
    return {l: Math.min.apply(null, xs), r: Math.max.apply(null, xs),
            t: Math.min.apply(null, ys), b: Math.max.apply(null, ys)};
  }
  var out = [];
  window.onerror = function (msg) {
    var pre = document.createElement('pre'); pre.id = 'findings';
    pre.textContent = JSON.stringify([{figure: 'script', text: String(msg), problem: 'error', by: 0}]);
    document.body.appendChild(pre);
  };
  var figures = document.querySelectorAll('div.figure');
  for (var f = 0; f < figures.length; f++) {
    var fig = figures[f], name = fig.getAttribute('data-name');
    var svg = fig.querySelector('svg'), view = rect(svg);
    var texts = Array.prototype.slice.call(svg.querySelectorAll('text'))
      .filter(function (t) { return t.textContent.trim().length > 0; });
    var boxes = texts.map(textBox);
    for (var k = 0; k < texts.length; k++) {
      var t = texts[k], b = boxes[k], what = t.textContent.trim();
      var size = parseFloat(window.getComputedStyle(t).fontSize) || 12;
      if (b.l < view.l - TOL || b.r > view.r + TOL || b.t < view.t - TOL || b.b > view.b + TOL) {
        out.push({figure: name, text: what, problem: 'outside the picture',
                  by: Math.max(view.l - b.l, b.r - view.r, view.t - b.t, b.b - view.b)});
      }
      var group = t.closest('g.node, g.cluster');
      if (group) {
        var cx = (b.l + b.r) / 2, cy = (b.t + b.b) / 2, best = null;
        var shapes = group.querySelectorAll('polygon, path, ellipse, rect');
        for (var s = 0; s < shapes.length; s++) {
          var sb = rect(shapes[s]);
          if (area(sb) > 0 && holds(sb, cx, cy) && (best === null || area(sb) < area(best))) { best = sb; }
        }
        // a glyph box is taller than the text's line (ascent + descent): vertical slack
        var vt = 0.3 * size;
        if (best !== null && (b.l < best.l - TOL || b.r > best.r + TOL
                              || b.t < best.t - vt || b.b > best.b + vt)) {
          out.push({figure: name, text: what, problem: 'overflows its box',
                    by: Math.max(best.l - b.l, b.r - best.r, best.t - b.t - vt, b.b - best.b - vt)});
        }
      }
      for (var j = k + 1; j < texts.length; j++) {
        var c = boxes[j];
        var w = Math.min(b.r, c.r) - Math.max(b.l, c.l), h = Math.min(b.b, c.b) - Math.max(b.t, c.t);
        if (w > TOL && h > 0.4 * Math.min(b.b - b.t, c.b - c.t)) {
          out.push({figure: name, text: what + ' | ' + texts[j].textContent.trim(),
                    problem: 'text overlaps text', by: w});
        }
      }
    }
    out.push({figure: name, texts: texts.length});
  }
  var pre = document.createElement('pre');
  pre.id = 'findings';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""


def page(svgs):
    """An HTML page holding each named SVG (``{name: svg text}``) and the measuring script."""
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'>"
             "<style>body{margin:0} div.figure{margin:8px; display:inline-block}</style></head><body>"]
    for k, (name, svg) in enumerate(svgs.items()):
        parts.append(f'<div class="figure" data-name="{html.escape(name)}">{inline_svg(svg, f"f{k}_")}</div>')
    parts.append(f"<script>{SCRIPT}</script></body></html>")
    return "\n".join(parts)


def measure(svgs, tmp, fonts_env=None):
    """(problems, texts per figure): problems are dicts figure / text / problem / by (px)."""
    tmp = Path(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / "measure.html"
    path.write_text(page(svgs), encoding="utf-8")
    env = {**os.environ, **(fonts_env or {})}
    done = subprocess.run([CHROMIUM, *HEADLESS, f"--user-data-dir={tmp / 'profile'}",
                           "--virtual-time-budget=5000", "--dump-dom", path.as_uri()],
                          capture_output=True, text=True, timeout=180, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="findings">(.*?)</pre>', done.stdout, flags=re.S)
    assert found, done.stdout[-2000:]
    items = json.loads(html.unescape(found.group(1)))
    counts = {i["figure"]: i["texts"] for i in items if "texts" in i}
    return [i for i in items if "problem" in i], counts


def minimal_fonts(tmp):
    """Environment variables for a fontconfig that knows DejaVu only (Sans, Sans Mono, Serif),
    so Helvetica, Arial and sans-serif all become DejaVu Sans; None without DejaVu fonts.
    The system's rendering rules (/etc/fonts/conf.d: hinting, aliases) still apply."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(["fc-match", "-f", "%{file}", "DejaVu Sans"], capture_output=True, text=True)
    sans = Path(found.stdout.strip())
    if found.returncode != 0 or sans.name != "DejaVuSans.ttf":
        return None
    tmp = Path(tmp)
    fonts = tmp / "fonts"
    fonts.mkdir(parents=True, exist_ok=True)
    for f in sans.parent.glob("DejaVu*.ttf"):
        if not re.search(r"Condensed|Light|Math", f.name):
            (fonts / f.name).symlink_to(f)
    conf = tmp / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/conf.d</include>
  <dir>{fonts}</dir>
  <cachedir>{tmp / 'cache'}</cachedir>
  <alias><family>sans-serif</family><prefer><family>DejaVu Sans</family></prefer></alias>
  <alias><family>serif</family><prefer><family>DejaVu Serif</family></prefer></alias>
  <alias><family>monospace</family><prefer><family>DejaVu Sans Mono</family></prefer></alias>
</fontconfig>
""", encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def report(problems):
    return "\n".join(f"{p['figure']}: {p['problem']} by {p['by']:.1f}px: {p['text'][:70]!r}"
                     for p in problems)
