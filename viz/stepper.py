"""viz.stepper / viz.save_stepper: step through backprop, in a notebook or as one HTML page.

The story has frames: the forward pass, the seed (dL/dL = 1), then each backward step. The
same self-contained fragment (inline SVG, no network) displays inline in Jupyter, survives a
static HTML export, and is the body of the page save_stepper writes. Every id is scoped to one
stepper, so any number of them on one page step independently.

quiz=True hides each step's downstream gradients until the student types them: answers are
checked with a relative tolerance, a wrong one shows the expected value and why
(upstream x local), and a running score is kept.

Test hooks in the URL fragment: `#step=3` opens frame 3 (1-based); `#click=next` clicks
"next" once loaded; `@k` picks the k-th stepper on the page (`#click=next@2`).
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
import uuid
from pathlib import Path

import numpy as np

from autograd import backprop_steps
from autograd.core import COPY
from autograd.teaching.display import DIGITS, format_product, format_sum, format_value

from . import budget
from .fonts import FALLBACK
from .frames import _step_drawings, forward_frame, hide_downstream, seed_frame
from .render import inline_svg, render_svgs
from .safe_files import check_destination, write_file

TITLE = "chainrule: backprop step by step"

# Every rule is under .chainrule-stepper: the page (or notebook) around it is left alone.
_STYLE = """
.chainrule-stepper { font-family: FONT_STACK; color: #222; margin: .6em 0; }
.chainrule-stepper h1 { font-size: 1.2em; margin: 0 0 .5em 0; }
.chainrule-stepper .controls { display: flex; flex-wrap: wrap; gap: .5em; align-items: center;
  margin-bottom: .6em; }
.chainrule-stepper button { font-size: 1em; padding: .25em .8em; }
.chainrule-stepper input[type=range] { width: 16em; }
.chainrule-stepper .view { overflow: auto; max-height: 80vh; border: 1px solid #eee; }
.chainrule-stepper.fit .view svg { width: 100%; height: auto; max-height: 68vh; }
/* the step's text grows with a wide (projected) screen, like the drawing above it */
.chainrule-stepper pre { background: #f6f6f6; border-left: 4px solid #c0262d; padding: .5em .8em;
  font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace;
  font-size: clamp(1.05em, 1.1vw, 1.5em); white-space: pre-wrap; margin: .4em 0; }
.chainrule-stepper .hint { color: #777; font-size: .85em; }
.chainrule-stepper .answer { margin: .35em 0; font-size: 1.1em; }
.chainrule-stepper .answer input, .chainrule-stepper .answer button { font-size: 1em; }
.chainrule-stepper .answer input { width: 16em; font-family: ui-monospace, Menlo, Consolas,
  "DejaVu Sans Mono", monospace; }
.chainrule-stepper .score { font-weight: bold; }
.chainrule-stepper .ok { color: #1b7a2e; } .chainrule-stepper .bad { color: #c0262d; }
@media print { .chainrule-stepper .controls { display: none; }
  .chainrule-stepper .frame { display: block !important; page-break-inside: avoid; } }
""".replace("FONT_STACK", FALLBACK)

# Runs once per stepper and touches only the elements inside its own root.
_SCRIPT = """
(function (root) {
  if (!root || root.getAttribute('data-ready')) { return; }
  root.setAttribute('data-ready', '1');
  function one(cls) { return root.getElementsByClassName(cls)[0]; }
  var frames = one('frames').children, prev = one('prev'), next = one('next');
  var slider = one('slider'), counter = one('counter'), svgs = root.getElementsByTagName('svg');
  var current = 0, zoom = 1;
  function show(i) {
    current = Math.max(0, Math.min(frames.length - 1, i));
    for (var k = 0; k < frames.length; k++) { frames[k].hidden = (k !== current); }
    slider.value = current;
    var name = frames[current].getAttribute('data-name');
    counter.textContent = 'step ' + (current + 1) + ' of ' + frames.length + (name ? ': ' + name : '');
    prev.disabled = current === 0;
    next.disabled = current === frames.length - 1;
    root.setAttribute('data-step', String(current));
  }
  function setZoom(z) {
    zoom = Math.max(0.25, Math.min(4, z));
    root.classList.remove('fit');
    for (var k = 0; k < svgs.length; k++) {
      var w = svgs[k].getAttribute('data-width') || svgs[k].getAttribute('width');
      svgs[k].setAttribute('data-width', w);
      svgs[k].style.width = (parseFloat(w) * 1.333 * zoom) + 'px';
      svgs[k].style.height = 'auto';
    }
  }
  prev.addEventListener('click', function () { show(current - 1); });
  next.addEventListener('click', function () { show(current + 1); });
  slider.addEventListener('input', function () { show(parseInt(slider.value, 10)); });
  one('fit').addEventListener('click', function () {
    for (var k = 0; k < svgs.length; k++) { svgs[k].style.width = ''; }
    root.classList.add('fit');
  });
  one('zoomin').addEventListener('click', function () { setZoom(zoom * 1.25); });
  one('zoomout').addEventListener('click', function () { setZoom(zoom / 1.25); });
  root.addEventListener('keydown', function (e) {
    if (e.target.tagName === 'INPUT' && e.target.type === 'text') { return; }
    if (e.key === 'ArrowRight') { show(current + 1); e.preventDefault(); }
    else if (e.key === 'ArrowLeft') { show(current - 1); e.preventDefault(); }
  });
  // quiz: compare typed numbers with the expected ones, relative tolerance 1%
  var right = {}, answered = {}, total = root.getElementsByClassName('answer').length;
  function numbers(text) {
    return text.split(/[\\s,;\\[\\]]+/).filter(function (t) { return t.length; }).map(Number);
  }
  function check(box) {
    var want = JSON.parse(box.getAttribute('data-expected'));
    var got = numbers(box.getElementsByTagName('input')[0].value);
    var ok = got.length === want.length && got.every(function (g, i) {
      return isFinite(g) && Math.abs(g - want[i]) <= 0.01 * Math.abs(want[i]) + 1e-9;
    });
    var id = box.getAttribute('data-id');
    answered[id] = true; right[id] = ok;
    var out = box.getElementsByClassName('verdict')[0];
    out.className = 'verdict ' + (ok ? 'ok' : 'bad');
    out.textContent = ok ? ' right' : ' expected ' + box.getAttribute('data-shown') +
      ' because ' + box.getAttribute('data-why');
    var n = 0, a = 0;
    for (var key in answered) { a += 1; n += right[key] ? 1 : 0; }
    var score = one('score');
    if (score) { score.textContent = 'score: ' + n + ' of ' + total + ' (' + a + ' answered)'; }
  }
  var boxes = root.getElementsByClassName('answer');
  for (var b = 0; b < boxes.length; b++) {
    (function (box) {
      box.getElementsByTagName('button')[0].addEventListener('click', function () { check(box); });
      box.getElementsByTagName('input')[0].addEventListener('keydown', function (e) {
        if (e.key === 'Enter') { check(box); }
      });
    })(boxes[b]);
  }
  var all = document.getElementsByClassName('chainrule-stepper');
  var mine = Array.prototype.indexOf.call(all, root) + 1;
  var hash = window.location.hash.replace(/^#/, ''), start = null, clicks = 0;
  hash.split('&').forEach(function (part) {
    var m = /^(step|click)=(\\w+)(?:@(\\d+))?$/.exec(part);
    if (!m || parseInt(m[3] || '1', 10) !== mine) { return; }
    if (m[1] === 'step') { start = parseInt(m[2], 10) - 1; } else if (m[2] === 'next') { clicks += 1; }
  });
  show(start === null ? 0 : start);
  for (var c = 0; c < clicks; c++) { next.click(); }
})(document.getElementById('__ROOT_ID__'));
"""


def controls(n):
    """The stepper's buttons, slider and counter for n frames (inside <div class="controls">)."""
    return ['<button class="prev" type="button">&#8592; previous</button>',
            f'<input class="slider" type="range" min="0" max="{n - 1}" value="0" aria-label="step">',
            '<button class="next" type="button">next &#8594;</button>',
            f'<span class="counter">step 1 of {n}</span>',
            '<button class="zoomout" type="button" title="zoom out">&#8722;</button>',
            '<button class="fit" type="button" title="fit to width">fit width</button>',
            '<button class="zoomin" type="button" title="zoom in">+</button>',
            '<span class="hint">(arrow keys when focused)</span>']


class Stepper:
    """Rendered frames (SVG), the text under each, and quiz answers; displays itself inline.

    svgs: SVG texts. texts: one per frame. answers: one list per frame of dicts
    (label, expected: list of floats, shown, why) - empty lists when there is no quiz.
    """

    def __init__(self, svgs, texts, title=TITLE, answers=None, links=None):
        if not svgs:
            raise ValueError("stepper: no frames to show")
        if len(texts) != len(svgs):
            raise ValueError(f"stepper: {len(svgs)} frames but {len(texts)} texts")
        self.svgs, self.texts, self.title = list(svgs), list(texts), title
        self.answers = answers or [[] for _ in svgs]
        self.links = [safe_link(h) for h in links] if links else [None] * len(svgs)  # per frame
        self.id = "chainrule-" + uuid.uuid4().hex[:12]

    @classmethod
    def from_drawings(cls, drawings, texts=None, title=TITLE, answers=None):
        drawings = list(drawings)
        sizes = [len(d.source) for d in drawings]
        budget.check_page("stepper", len(sizes), max(sizes, default=0))
        svgs = render_svgs(drawings)
        return cls(svgs, texts if texts is not None else [""] * len(svgs), title, answers)

    def __len__(self):
        return len(self.svgs)

    def fragment(self):
        """The stepper as one <div> with its style and script (for notebooks and pages)."""
        n, sid = len(self.svgs), self.id
        quiz = any(self.answers)
        parts = [f'<div class="chainrule-stepper fit" id="{sid}" data-step="0" tabindex="0">',
                 f"<style>{_STYLE}</style>", f"<h1>{html.escape(self.title)}</h1>" if self.title else "",
                 '<div class="controls">', *controls(n)]
        if quiz:
            total = sum(len(a) for a in self.answers)
            parts.append(f'<span class="score">score: 0 of {total}</span>')
        parts += ["</div>", '<div class="frames">']
        for k, (svg, text, answers) in enumerate(zip(self.svgs, self.texts, self.answers)):
            hidden = "" if k == 0 else " hidden"
            body = f'<div class="view">{inline_svg(svg, f"{sid}-f{k}-")}</div>'
            if text:
                body += f"<pre>{html.escape(text)}</pre>"
            body += "".join(_answer_box(f"{k}-{i}", a) for i, a in enumerate(answers))
            body += _link(safe_link(self.links[k]) if k < len(self.links) else None)
            name = html.escape(text.splitlines()[0].split(":")[0]) if text else ""
            parts.append(f'<div class="frame" data-index="{k}"{hidden} data-name="{name}">{body}</div>')
        parts += ["</div>", f"<script>{_SCRIPT.replace('__ROOT_ID__', sid)}</script>", "</div>"]
        return "\n".join(parts)

    def _repr_html_(self):
        return self.fragment()

    def page(self):
        """A whole self-contained HTML page holding this stepper."""
        return "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                          f"<title>{html.escape(self.title)}</title></head><body>",
                          self.fragment(), "</body></html>"])

    def save(self, path):
        """Write page() to ``path`` (parent folders created, no link followed); returns a
        StepperPath."""
        return StepperPath(write_file(path, self.page()), self)


class StepperPath(str):
    """The path save_stepper wrote (a str), which also displays the stepper in a notebook."""

    def __new__(cls, path, stepper):
        obj = super().__new__(cls, str(path))
        obj.stepper = stepper
        return obj

    def _repr_html_(self):
        return self.stepper.fragment()


def _answer_box(key, a):
    return (f'<div class="answer" data-id="{key}" data-expected="{html.escape(json.dumps(a["expected"]))}"'
            f' data-shown="{html.escape(a["shown"])}" data-why="{html.escape(a["why"])}">'
            f'{html.escape(a["label"])} = <input type="text" aria-label="{html.escape(a["label"])}"> '
            '<button type="button">check</button><span class="verdict"></span></div>')


SAFE_SCHEMES = ("http", "https")


def safe_link(href):
    """``href`` if it is None, relative (a file beside the page, a #fragment) or http(s);
    ValueError otherwise: a javascript: or data: link runs code when a student clicks it."""
    if href is None:
        return None
    if not isinstance(href, str):
        raise TypeError(f"stepper: a link must be a str or None, got {type(href).__name__}")
    if any(ord(c) < 0x21 or 0x7F <= ord(c) <= 0x9F for c in href):  # browsers drop tabs: java\tscript:
        raise ValueError(f"stepper: link {href[:60]!a} holds a space or a control character "
                         "(percent-encode it)")
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", href)
    if scheme and scheme.group(1).lower() not in SAFE_SCHEMES:
        raise ValueError(f"stepper: link {href[:60]!a} has the scheme '{scheme.group(1)[:20]}'; "
                         "only relative links and http(s) are kept")
    return href


def _link(href):
    return (f'<p class="derive-link"><a href="{html.escape(href)}">see this op pixel by pixel '
            "(its derivation)</a></p>" if href else "")


def stepper_html(svgs, texts, title=TITLE, links=None):
    """The page for rendered SVG frames and the text shown under each; ``links`` (one href
    or None per frame) adds a link under a frame, e.g. to a conv step's pixel derivation."""
    return Stepper(svgs, texts, title, links=links).page()


def step_texts(steps, digits=DIGITS, quiz=False, notes=None):
    """Each step's text; ``notes(step)`` may add lines of explanation under it."""
    out = []
    for k, s in enumerate(steps):
        lines = s.lines(digits)
        if quiz:
            lines = [hide_downstream(line) for line in lines]
        extra = notes(s) if notes is not None else None
        out.append(f"backward step {k + 1} of {len(steps)}\n" + "\n".join(lines)
                   + (f"\n\n{extra}" if extra else ""))
    return out


def quiz_answers(step, digits=DIGITS):
    """What the student types for one step: each downstream gradient (constants skipped)."""
    if step.gate is COPY:
        parts, total = format_sum(step.upstream, step.downstream[0], digits)
        return [_answer(step.output, step.downstream[0], f"{' + '.join(parts)} = {total}", digits)]
    out = []
    for loc, down, x in zip(step.local, step.downstream, step.inputs):
        if down is None or (x.is_leaf and not x.label):
            continue  # a constant: nobody asks for its gradient
        u, lt, d = format_product(step.upstream, loc, down, digits)
        out.append(_answer(x, down, f"upstream {u} x local {lt} = {d}", digits))
    return out


def _answer(node, value, why, digits):
    name = node.label or (f"({node.op})" if node.op else "input")
    return {"label": f"grad of {name}", "expected": np.asarray(value, dtype=float).ravel().tolist(),
            "shown": format_value(value, digits), "why": why}


OPTIONS = ("rankdir", "values", "fmt", "legend", "names", "defaults")  # of a stepper's drawings


def story(root, *, grad=None, digits=DIGITS, quiz=False, caption=False, notes=None, **options):
    """(drawings, texts, answers): forward pass, seed, then each backward step.

    caption: also draw each step's text under its drawing (for frames used alone, on slides).
    notes: optional function Step -> str or None, shown under that step's text (e.g. the
    lines of a hand derivation, as demos/batchnorm_graph.py does).
    options: rankdir, values, fmt, legend, names, defaults (as for viz.draw).
    Over the page budget (viz/budget.py), budget.TooLarge is raised after one step frame.
    """
    unknown = [k for k in options if k not in OPTIONS]
    if unknown:
        raise TypeError(f"stepper: unknown option {unknown[0]!r} (the drawings take "
                        f"{', '.join(OPTIONS)})")
    steps = backprop_steps(root, grad)
    if not steps:
        return [forward_frame(root, digits=digits, **options)], ["no gates: nothing to backpropagate"], [[]]
    frames = _step_drawings(root, grad, digits=digits, quiz=quiz, caption=caption, other_frames=2,
                            **options)
    first = next(frames)  # the budget is checked here, before any other frame is made
    drawings = [forward_frame(root, digits=digits, **options),
                seed_frame(root, grad=grad, digits=digits, **options), first, *frames]
    texts = ["forward pass: each gate computes its value from its inputs",
             "seed: backprop starts with d(output)/d(output) = 1 (or the given grad_output)",
             *step_texts(steps, digits, quiz, notes)]
    answers = [[], []] + [quiz_answers(s, digits) if quiz else [] for s in steps]
    return drawings, texts, answers


def check_budget(root, *, grad=None, digits=DIGITS, **options):
    """Raise budget.TooLarge (one line) if the stepper of ``root`` is over the page budget;
    costs one frame (the CLI asks before it prints anything)."""
    next(_step_drawings(root, grad, digits=digits, other_frames=2, **options), None)


def stepper(root, *, grad=None, title=None, digits=DIGITS, quiz=False, notes=None, **options):
    """A Stepper for the backward pass of ``root``: displays inline in Jupyter.

    options go to the drawings (rankdir, values, fmt, legend).
    """
    drawings, texts, answers = story(root, grad=grad, digits=digits, quiz=quiz, notes=notes, **options)
    return Stepper.from_drawings(drawings, texts, title or TITLE, answers)


def save_stepper(root, path, *, grad=None, title=None, digits=DIGITS, quiz=False, derivation=False,
                 notes=None, **options):
    """Write the stepper of ``root`` to ``path`` as one self-contained page; returns the path
    (a str that also displays the stepper in a notebook).

    derivation=True also writes PATH-derivation.html (viz.derive) and links each conv,
    pool or resampling step to that op's pixel-level frames; a dict instead of True passes
    its options on (e.g. {"symbolic": True, "digits": 4}).
    """
    check_destination(path)  # before the work, not after it
    page = stepper(root, grad=grad, title=title, digits=digits, quiz=quiz, notes=notes, **options)
    if derivation:
        steps = backprop_steps(root, grad)
        more = derivation if isinstance(derivation, dict) else {}
        page.links = [None] * (len(page) - len(steps)) + derivation_links(root, steps, path, **more)
    return page.save(path)


def derivation_links(root, steps, path, **options):
    """Write PATH-derivation.html next to ``path``; per step the link to its op, or None."""
    from .derive import save_derivation
    page = Path(path).with_name(Path(path).stem + "-derivation.html")
    nodes = save_derivation(root, page, **options)
    where = {id(n): k for k, n in enumerate(nodes)}
    href = urllib.parse.quote(page.name)   # relative, whatever the file's name ("javascript:x.html")
    return [f"{href}#node={where[id(s.output)] + 1}"
            if id(s.output) in where and s.op == s.output.op else None
            for s in steps]


class Frames(list):
    """A list of drawings that a notebook displays as a stepper (one frame per drawing)."""

    def _repr_html_(self):
        return Stepper.from_drawings(self)._repr_html_() if self else None


def draw_steps(root, *, grad=None, rankdir="LR", values=True, fmt=None, digits=DIGITS, legend=True,
               caption=True, quiz=False, grads=True, names=None, defaults=False):
    """One graphviz.Digraph per backward step of ``root`` (same length as backprop_steps), as a
    Frames list (a notebook displays it as a stepper).

    caption: write the step's text (`upstream x local = downstream` lines) under each frame.
    quiz: the current step's downstream gradients are drawn as '?'.
    names, defaults: as for viz.draw (parameter names, default hyper-parameters).
    grads: False draws no gradients (with values=False: where backprop is, without numbers,
        e.g. for frames whose numbers are written elsewhere, as a training playback does).
    The page budget (viz/budget.py) is checked on the first frame, before the others are made.
    """
    return Frames(_step_drawings(root, grad, rankdir, values, fmt, digits, legend, caption, quiz,
                                 names, defaults, grads=grads))
