"""viz.save_stepper: one self-contained HTML page to step through backprop.

Inline SVG frames (no network, works from file://), previous/next buttons, the arrow keys,
a slider, and the step's text under the drawing. Test hooks in the URL fragment:
`#step=3` opens on frame 3 (1-based); `#click=next` clicks "next" once the page has loaded.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path

from autograd import backprop_steps
from autograd.display import DIGITS

from .draw import draw
from .frames import draw_steps
from .render import render_many

_STYLE = """
body { font-family: Helvetica, Arial, sans-serif; margin: 1.2em; color: #222; }
h1 { font-size: 1.25em; margin: 0 0 .6em 0; }
#controls { display: flex; gap: .6em; align-items: center; margin-bottom: .8em; }
#controls button { font-size: 1em; padding: .3em .9em; }
#slider { width: 22em; }
.frame svg { max-width: 100%; height: auto; }
.frame pre { background: #f6f6f6; border-left: 4px solid #c0262d; padding: .6em .8em;
             font-size: .95em; white-space: pre-wrap; }
.hint { color: #777; font-size: .85em; }
"""

_SCRIPT = """
(function () {
  var frames = document.querySelectorAll('.frame');
  var prev = document.getElementById('prev'), next = document.getElementById('next');
  var slider = document.getElementById('slider'), counter = document.getElementById('counter');
  var current = 0;
  function show(i) {
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) { frames[k].hidden = (k !== current); }
    slider.value = current;
    counter.textContent = 'frame ' + (current + 1) + ' / ' + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
    document.body.setAttribute('data-step', String(current));
  }
  prev.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { show(current + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { show(current - 1); e.preventDefault(); }
    else if (e.key === 'Home') { show(0); }
    else if (e.key === 'End') { show(frames.length - 1); }
  });
  var hash = window.location.hash.replace(/^#/, '');
  var start = /(?:^|&)step=(\\d+)/.exec(hash);
  show(start ? parseInt(start[1], 10) - 1 : 0);
  if (/(?:^|&)click=next(?:&|$)/.test(hash)) { next.click(); }
})();
"""


def _inline(svg, k):
    """SVG text ready to inline: no XML prolog, ids unique per frame."""
    start = svg.find("<svg")
    svg = svg[start:] if start >= 0 else svg
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    return re.sub(r'\bid="', f'id="f{k}_', svg)


def stepper_html(svgs, texts, title="chainrule: backprop step by step"):
    """The page for rendered SVG frames and the text shown under each."""
    if not svgs:
        raise ValueError("stepper: no frames to show")
    n = len(svgs)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>",
        '<body data-step="0">', f"<h1>{html.escape(title)}</h1>",
        '<div id="controls"><button id="prev" type="button">&#8592; previous</button>',
        f'<input id="slider" type="range" min="0" max="{n - 1}" value="0" aria-label="frame">',
        '<button id="next" type="button">next &#8594;</button>',
        f'<span id="counter">frame 1 / {n}</span>',
        '<span class="hint">(arrow keys work too)</span></div>', '<div id="frames">',
    ]
    for k, (svg, text) in enumerate(zip(svgs, texts)):
        hidden = "" if k == 0 else " hidden"
        parts.append(f'<div class="frame" data-index="{k}"{hidden}>{_inline(svg, k)}'
                     f"<pre>{html.escape(text)}</pre></div>")
    parts += ["</div>", f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts)


def step_texts(steps, digits=DIGITS):
    return [f"step {k + 1} of {len(steps)}\n" + "\n".join(s.lines(digits)) for k, s in enumerate(steps)]


def save_stepper(root, path, *, grad=None, title=None, **options):
    """Write the HTML stepper for the backward pass of ``root`` to ``path``; returns the path.

    options go to viz.draw_steps (rankdir, values, fmt, legend). A graph without gates gets
    one frame: the drawing itself.
    """
    steps = backprop_steps(root, grad)
    frames = draw_steps(root, grad=grad, caption=False, **options)  # the page shows the text
    texts = step_texts(steps)
    if not frames:
        frames, texts = [draw(root, **options)], ["no gates: nothing to backpropagate"]
    with tempfile.TemporaryDirectory(prefix="chainrule-") as tmp:
        outs = render_many(frames, [Path(tmp) / f"frame-{k:03d}" for k in range(len(frames))])
        svgs = [Path(o).read_text(encoding="utf-8") for o in outs]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(stepper_html(svgs, texts, title or "chainrule: backprop step by step"),
                    encoding="utf-8")
    return str(path)
