"""The derivation stepper: one self-contained HTML page, the graph on the left with the
current op highlighted, that op's pixel frames on the right, the frame's text under it.

Everything is scoped to the page's root element (class ``chainrule-derive``): no global
ids, no document-wide queries, so several can share a page. Test hooks in the URL
fragment: ``#step=3`` (1-based frame), ``#node=2`` (first frame of the 2nd derived op,
1-based), ``#click=next`` (clicks "next" once loaded).
"""

from __future__ import annotations

import html
from pathlib import Path

from autograd import topological_order

from .. import budget
from ..draw import draw
from ..fonts import FALLBACK
from ..render import inline_svg, render_many, render_svgs
from ..safe_files import check_destination, write_file
from ..scene import Scene
from .derivation import derive
from .grid import frame_dot
from .model import DERIVABLE, Numbers

STYLE = """
.chainrule-derive { font-family: FONT_STACK; color: #222; margin: .6em; outline: none; }
.chainrule-derive h1 { font-size: 1.15em; margin: 0 0 .4em 0; }
.chainrule-derive .controls { display: flex; gap: .6em; align-items: center; margin-bottom: .5em; }
.chainrule-derive .controls button { font-size: 1em; padding: .25em .8em; }
.chainrule-derive .slider { width: 18em; }
.chainrule-derive .panes { display: flex; gap: 1em; align-items: flex-start; }
.chainrule-derive .graph { flex: 0 0 30%; max-height: 82vh; overflow: auto; border-right: 1px solid #ddd; }
/* fits both ways: a one-column graph must not grow past the screen and hide the current op */
.chainrule-derive .graph svg { width: 100%; height: auto; max-height: 80vh; }
.chainrule-derive .frames { flex: 1 1 auto; min-width: 0; }
/* scaled to the pane (up as well as down): a 2x2 frame fills the width like a 6x6 one */
.chainrule-derive .frame svg { width: 100%; height: auto; max-height: 62vh; }
.chainrule-derive .frame pre { background: #f6f6f6; border-left: 4px solid #c0262d;
  font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  padding: .4em .7em; font-size: clamp(1.05em, 1.1vw, 1.5em); white-space: pre-wrap; margin: .3em 0; }
.chainrule-derive g.node.current > title + path, .chainrule-derive g.node.current > title + polygon,
.chainrule-derive g.node.current > title + ellipse { stroke: #c0262d; stroke-width: 6px; }
.chainrule-derive .hint { color: #777; font-size: .85em; }
""".replace("FONT_STACK", FALLBACK)

SCRIPT = """
(function (root) {
  var frames = root.querySelectorAll('.frame');
  var prev = root.querySelector('.prev'), next = root.querySelector('.next');
  var slider = root.querySelector('.slider'), counter = root.querySelector('.counter');
  var nodes = root.querySelectorAll('.graph g.node');
  var current = 0;
  function highlight(name) {
    for (var k = 0; k < nodes.length; k++) {
      var t = nodes[k].querySelector('title');
      var on = t !== null && t.textContent === name;
      if (on) { nodes[k].classList.add('current'); } else { nodes[k].classList.remove('current'); }
    }
    root.setAttribute('data-node', name);
  }
  function show(i) {
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) { frames[k].hidden = (k !== current); }
    slider.value = current;
    counter.textContent = 'frame ' + (current + 1) + ' of ' + frames.length;
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
    root.setAttribute('data-step', String(current));
    highlight(frames[current].getAttribute('data-node'));
  }
  prev.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
  root.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowRight') { show(current + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { show(current - 1); e.preventDefault(); }
    else if (e.key === 'Home') { show(0); }
    else if (e.key === 'End') { show(frames.length - 1); }
  });
  var hash = window.location.hash.replace(/^#/, '');
  var start = /(?:^|&)step=(\\d+)/.exec(hash), op = /(?:^|&)node=(\\d+)/.exec(hash);
  var first = 0;
  if (op) {
    var hit = root.querySelector('.frame[data-op="' + (parseInt(op[1], 10) - 1) + '"]');
    if (hit) { first = parseInt(hit.getAttribute('data-index'), 10); }
  }
  if (start) { first = parseInt(start[1], 10) - 1; }
  show(first);
  if (/(?:^|&)click=next(?:&|$)/.test(hash)) { next.click(); }
  if (document.activeElement === document.body) { root.focus({preventScroll: true}); }
})(document.currentScript.parentElement);
"""


def derivable_nodes(root):
    """The conv/pool/resampling nodes of root's graph, in forward order."""
    return [n for n in topological_order(root) if n.gate in DERIVABLE]


def derivation_html(graph_svg, entries, title="chainrule: the derivation, pixel by pixel", uid="d0"):
    """The page body: ``entries`` are (graph node name, op index, op name, frame svg, text)."""
    if not entries:
        raise ValueError("derive: no frames to show")
    n = len(entries)
    parts = ['<div class="chainrule-derive" tabindex="0" data-step="0" data-node="">',
             f"<h1>{html.escape(title)}</h1>",
             '<div class="controls"><button class="prev" type="button">&#8592; previous</button>',
             f'<input class="slider" type="range" min="0" max="{n - 1}" value="0" aria-label="frame">',
             '<button class="next" type="button">next &#8594;</button>',
             f'<span class="counter">frame 1 of {n}</span>',
             '<span class="hint">(arrow keys work too)</span></div>',
             f'<div class="panes"><div class="graph">{inline_svg(graph_svg, uid + "g_")}</div>',
             '<div class="frames">']
    for k, (name, op_index, op, svg, text) in enumerate(entries):
        hidden = "" if k == 0 else " hidden"
        parts.append(f'<div class="frame" data-index="{k}" data-node="{name}" data-op="{op_index}" '
                     f'data-opname="{op}"{hidden}>{inline_svg(svg, f"{uid}f{k}_")}'
                     f"<pre>{html.escape(text)}</pre></div>")
    parts += ["</div></div>", f"<script>{SCRIPT}</script>", "</div>"]
    return "\n".join(parts)


def page(body, title):
    return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                      f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>",
                      "<body>", body, "</body></html>"])


def save_derivation(root, path, *, digits=3, title=None, frames_dir=None, symbolic=False):
    """Derive every conv/pool/resampling node of root's graph (after backward) and write the
    derivation stepper to ``path``; returns the list of derived nodes, in page order.

    frames_dir: also keep each frame's SVG (with its text) there, as frame-KKK.svg.
    symbolic: conv2d and pooling in the lectures' notation (derive(..., symbolic=True)).
    Over the page budget (viz/budget.py) budget.TooLarge is raised before anything is rendered.
    """
    check_destination(path)  # before the work, not after it
    nodes, graph, derivations, dots, full = _derive_all(root, digits, frames_dir is not None, symbolic)
    scene = Scene(root)
    meta = [(scene.name(d.node), k, d.op, f"{d.op} ({k + 1}/{len(nodes)}): {f.title}\n{f.text}")
            for k, d in enumerate(derivations) for f in d.frames]
    svgs = render_svgs([graph, *dots])
    if frames_dir is not None:
        frames_dir = Path(frames_dir)
        render_many(full, [frames_dir / f"frame-{k + 1:03d}" for k in range(len(full))])
    entries = [(name, k, op, svg, text) for (name, k, op, text), svg in zip(meta, svgs[1:])]
    title = title or "chainrule: conv and pool, forward and backward, pixel by pixel"
    write_file(path, page(derivation_html(svgs[0], entries, title), title))
    return nodes


def check_derivation(root, *, digits=3, frames=False, symbolic=False):
    """Raise budget.TooLarge (one line) if save_derivation(root, ...) would be over the page
    budget (``frames``: with frames_dir). Builds the DOT text, renders nothing: the CLI asks
    before it prints anything."""
    _derive_all(root, digits, frames, symbolic)


def _derive_all(root, digits, keep_frames, symbolic=False):
    """(nodes, graph, derivations, page frames, kept frames), derived node by node: the page
    budget stops a long graph before the rest is derived."""
    nodes = [n for n in derivable_nodes(root) if n.grad is not None]   # on backward's path
    if not nodes:
        raise ValueError("derive: the graph has no conv2d, conv_transpose2d, pooling or "
                         "resampling node with a gradient (call backward() first)")
    number = Numbers(digits)
    # tall and narrow, no legend (the page is about pixels, not gate patterns): the frames get
    # the width and the graph's numbers stay readable in its narrow pane
    graph = draw(root, rankdir="TB", legend=False)
    derivations, dots, full = [], [], []
    drawn = len(graph.source)
    for n in nodes:
        d = derive(n, digits=digits, symbolic=symbolic)
        derivations.append(d)
        new = [frame_dot(f, number, text=False) for f in d.frames]
        kept = [frame_dot(f, number) for f in d.frames] if keep_frames else []
        dots += new
        full += kept
        drawn += sum(len(x.source) for x in new + kept)
        frames = 1 + len(dots) + len(full)
        budget.check_page("viz.derive", frames, -(-drawn // frames),
                          hint="smaller maps, kernels or padding, or fewer derived ops")
    return nodes, graph, derivations, dots, full
