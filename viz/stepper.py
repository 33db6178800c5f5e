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

from .draw import draw
from .frames import draw_steps
from .render import render_many
from .safe_files import check_destination, write_file

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


def stepper_html(svgs, texts, title="chainrule: backprop step by step", links=None):
    """The page for rendered SVG frames and the text shown under each; ``links`` (one href
    or None per frame) adds a link under a frame, e.g. to a conv step's pixel derivation."""
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
                     f"<pre>{html.escape(text)}</pre>{_link(links, k)}</div>")
    parts += ["</div>", f"<script>{_SCRIPT}</script>", "</body></html>"]
    return "\n".join(parts)


def _link(links, k):
    href = links[k] if links and k < len(links) else None
    return (f'<p class="derive-link"><a href="{html.escape(href)}">see this op pixel by pixel '
            "(its derivation)</a></p>" if href else "")


def step_texts(steps, notes=None):
    """Each frame's text; ``notes(step)`` may add a line of explanation under it."""
    texts = []
    for k, s in enumerate(steps):
        extra = notes(s) if notes is not None else None
        texts.append(f"step {k + 1}/{len(steps)}\n{s}" + (f"\n\n{extra}" if extra else ""))
    return texts


def save_stepper(root, path, *, grad=None, title=None, derivation=False, notes=None, **options):
    """Write the HTML stepper for the backward pass of ``root`` to ``path``; returns the path.

    derivation=True also writes PATH-derivation.html (viz.derive) and links each conv,
    pool or resampling step to that op's pixel-level frames.
    notes: optional function Step -> str or None, shown under that step's text (e.g. the
    lines of a hand derivation, as demos/batchnorm_graph.py does).

    options go to viz.draw_steps (rankdir, values, fmt, legend). A graph without gates gets
    one frame: the drawing itself.
    """
    check_destination(path)  # before the work, not after it
    steps = backprop_steps(root, grad)
    frames = draw_steps(root, grad=grad, caption=False, **options)  # the page shows the text
    texts = step_texts(steps, notes)
    if not frames:
        frames, texts = [draw(root, **options)], ["no gates: nothing to backpropagate"]
    with tempfile.TemporaryDirectory(prefix="chainrule-") as tmp:
        outs = render_many(frames, [Path(tmp) / f"frame-{k:03d}" for k in range(len(frames))])
        svgs = [Path(o).read_text(encoding="utf-8") for o in outs]
    links = derivation_links(root, steps, path) if derivation else None
    return write_file(path, stepper_html(svgs, texts, title or "chainrule: backprop step by step", links))


def derivation_links(root, steps, path, **options):
    """Write PATH-derivation.html next to ``path``; per step the link to its op, or None."""
    from .derive import save_derivation
    page = Path(path).with_name(Path(path).stem + "-derivation.html")
    nodes = save_derivation(root, page, **options)
    where = {id(n): k for k, n in enumerate(nodes)}
    return [f"{page.name}#node={where[id(s.output)] + 1}"
            if id(s.output) in where and s.op == s.output.op else None
            for s in steps]
