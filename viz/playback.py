"""viz.playback and `chainrule train`: watch a network learn, in one self-contained page.

A scrubber runs over the recorded training steps. At each one the page shows the network
(one box per module, or every gate when expanded) with its weights, activations and
gradients, the loss curve with the step marked, the decision boundary (two moons) or sample
digits with their predictions (LeNet), and the backward pass of that step gate by gate
(viz.stepper). The drawings are laid out once and refilled with each step's numbers
(viz.slots), which keeps 500 recorded steps of two moons in a few MB.

In a notebook, ``viz.playback(...)`` shows the page while training runs, updated at every
recorded step, and leaves the finished page as the cell's output (and in ``out``).
"""

from __future__ import annotations

import html
import json
import math
import time
import uuid

from autograd import backprop_steps
from autograd.teaching.display import format_number

from . import playback_views as views
from .budget import MAX_PLAYBACK_BYTES, check_training, default_every
from .collapse import draw_modules
from .draw import draw
from .linechart import line_chart
from .playback_page import SCRIPT, STYLE
from .render import render_svgs
from .safe_files import write_file
from .slots import Slots, Templates
from .stepper import Stepper, draw_steps, step_texts

TASKS = ("moons", "lenet")


def make_task(model, steps, seed=0):
    """The lecture task ``model`` ("moons" or "lenet") set up for ``steps`` training steps."""
    from nn import training
    if model == "moons":
        return training.moons_task(steps, seed=seed)
    if model == "lenet":
        return training.digits_task(steps, seed=seed)
    raise ValueError(f"playback: model must be one of {', '.join(TASKS)}, got {model!r}")


class Recorder:
    """Collects what the page shows at the recorded steps of a run (``record(step)``)."""

    def __init__(self, task, steps, every=1, digits=3):
        self.task, self.steps, self.every, self.digits = task, steps, every, digits
        self.templates = Templates()
        self.records = []
        self.frames = None          # the backward stepper's drawings, laid out at the first record
        self.signature = None       # the ops backprop visits, in order: the same at every step
        if task.x is not None:
            self.bounds, self.points = views.grid_points(task.x)

    def wants(self, index):
        """Is the step with this (0-based) index recorded? Every ``every``-th, and the last."""
        return index % self.every == 0 or index == self.steps - 1

    def record(self, step):
        model, loss, num = self.task.model, step.loss, (lambda v: format_number(v, self.digits))
        slots = Slots(self.digits)
        collapsed = self.templates.add(draw_modules(loss, model, fmt=slots, details=True), slots)
        slots = Slots(self.digits)
        # every gate top to bottom: a left-to-right chain of twenty wide boxes is ~13x wider
        # than tall, too small to read shrunk to a page and a long sideways scroll at full size
        full = self.templates.add(draw(loss, names=model, collapse=False, fmt=slots, rankdir="TB"), slots)
        gates = backprop_steps(loss)
        signature = tuple((s.op, s.pattern) for s in gates)
        if self.frames is None:
            self.signature = signature
            self.frames = draw_steps(loss, values=False, grads=False, caption=False, names=model)
        from nn.training import accuracy
        rec = {"step": step.index + 1, "loss": num(loss.item()), "lr": num(step.lr),
               "accuracy": f"{accuracy(step.out, step.y):.0%}", "value": float(loss.item()),
               "collapsed": collapsed, "full": full,
               "texts": step_texts(gates, self.digits) if signature == self.signature else None}
        if self.task.x is not None:
            rec["grid"] = views.boundary_codes(model, self.points)
        if self.task.samples is not None:
            rec["pred"] = [[c, f"{p:.0%}"] for c, p in views.predictions(model, self.task.samples[0])]
        self.records.append(rec)
        return rec


class Playback:
    """The page of a recorded run: ``fragment()`` (notebooks), ``page()``, ``save(path)``."""

    live_updates = 0   # how often viz.playback showed it while training ran

    def __init__(self, recorder, title=None):
        if not recorder.records:
            raise ValueError("playback: no recorded steps")
        self.rec = recorder
        task = recorder.task
        self.title = title or f"chainrule: training playback ({task.about})"
        self.id = "chainrule-pb-" + uuid.uuid4().hex[:12]
        self.templates = recorder.templates.inlined(f"{self.id}-t")
        svgs = render_svgs(list(recorder.frames))
        last = recorder.records[-1]
        texts = last["texts"] or [""] * len(svgs)
        self.stepper = Stepper(svgs, texts, "backward, gate by gate, at this training step")

    def __len__(self):
        return len(self.rec.records)

    def _chart(self):
        recs = self.rec.records
        values = [r["value"] for r in recs]
        log = all(v > 0 and math.isfinite(v) for v in values)
        return line_chart({"loss": values}, xs=[r["step"] for r in recs], title="loss at the recorded steps",
                          xlabel="training step", ylabel="loss", log=log, cursor=True)

    def _data(self):
        steps = [{k: v for k, v in r.items() if k != "value"} for r in self.rec.records]
        data = {"templates": [[t.parts, t.order] for t in self.templates], "steps": steps,
                "total": self.rec.steps}
        return json.dumps(data, separators=(",", ":")).replace("</", "<\\/")

    def fragment(self):
        """The playback as one <div> with its style, data and script."""
        recs, pid = self.rec.records, self.id
        last = recs[-1]
        task = self.rec.task
        side = ""
        if task.x is not None:
            side = views.boundary_svg(task.x, task.y, self.rec.bounds)
        elif task.samples is not None:
            side = views.digits_html(*task.samples)
        view = self.templates[last["collapsed"][0]].fill(last["collapsed"][1])
        n = len(recs)
        parts = [f'<div class="chainrule-playback" id="{pid}" data-at="{n - 1}" '
                 f'data-training-step="{last["step"]}" tabindex="0">', f"<style>{STYLE}</style>",
                 f"<h1>{html.escape(self.title)}</h1>",
                 '<div class="pb-controls">',
                 '<button class="pb-prev" type="button">&#8592; previous</button>',
                 f'<input class="pb-slider" type="range" min="0" max="{n - 1}" value="{n - 1}" '
                 'aria-label="recorded training step">',
                 '<button class="pb-next" type="button">next &#8594;</button>',
                 '<button class="pb-play" type="button">play</button>',
                 f'<span class="pb-counter">{html.escape(_counter(last, n - 1, n, self.rec.steps))}</span>',
                 "</div>",
                 f'<div class="pb-row"><div class="pb-chart">{self._chart()}</div>'
                 f'<div class="pb-side">{side}</div></div>',
                 '<div class="pb-net"><div class="pb-netbar"><label><input class="pb-expand" type="checkbox">'
                 " expand the modules (every gate, with its values and gradients)</label>"
                 '<button class="pb-zoomout" type="button" title="zoom out">&#8722;</button>'
                 '<button class="pb-fit" type="button" title="fit to width">fit width</button>'
                 '<button class="pb-zoomin" type="button" title="zoom in">+</button></div>',
                 f'<div class="pb-view">{view}</div></div>',
                 '<details class="pb-backward" open><summary>the backward pass of this training step, '
                 "gate by gate (the numbers under each frame are this step's)</summary>",
                 self.stepper.fragment(), "</details>",
                 f'<script type="application/json" class="pb-data">{self._data()}</script>',
                 f'<script>{SCRIPT.replace("__ROOT_ID__", pid)}</script>',
                 "</div>"]
        return "\n".join(parts)

    def _repr_html_(self):
        return self.fragment()

    def deck_frames(self):
        """(svgs, captions) for a slide deck: the network at each recorded step, its numbers
        under it."""
        recs, total = self.rec.records, self.rec.steps
        svgs = [self.templates[r["collapsed"][0]].fill(r["collapsed"][1]) for r in recs]
        captions = [_counter(r, i, len(recs), total) for i, r in enumerate(recs)]
        return svgs, captions

    def page(self):
        """The whole self-contained HTML page (no network)."""
        text = "\n".join(["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
                          f"<title>{html.escape(self.title)}</title></head><body>", self.fragment(),
                          "</body></html>"])
        if len(text.encode("utf-8")) > MAX_PLAYBACK_BYTES:   # the budget keeps runs far below this
            raise ValueError(f"playback: the page would be {len(text) / 1e6:.0f} MB (the limit is "
                             f"{MAX_PLAYBACK_BYTES / 1e6:.0f} MB): record fewer steps (--every)")
        return text

    def save(self, path):
        """Write page() to ``path`` (no link followed); returns the path."""
        return write_file(path, self.page())


def _counter(rec, i, n, total):
    return (f"training step {rec['step']} of {total} (recorded {i + 1} of {n}): loss {rec['loss']}, "
            f"accuracy {rec['accuracy']} on the batch, learning rate {rec['lr']}")


def record_run(task, steps, every, digits=3, on_record=None):
    """Train ``task`` for ``steps`` steps, recording every ``every``-th and the last; returns
    the Recorder. ``on_record(recorder, step)`` runs after each record (live displays, logs)."""
    rec = Recorder(task, steps, every, digits)
    for step in task.steps(steps):
        if rec.wants(step.index):
            rec.record(step)
            if on_record is not None:
                on_record(rec, step)
    return rec


def playback(model="moons", steps=100, every=None, *, out=None, seed=0, digits=3, live=True,
             interval=0.5, task=None):
    """Train ``model`` ("moons" or "lenet") for ``steps`` steps and return its Playback.

    every: record every k-th step (and the last); default: about 100 recorded steps.
    out: also write the page there (an .html path). live: in a notebook, show the page while
    training runs, updated at each recorded step (at most every ``interval`` seconds, and at
    the end), and leave the finished page as the output. task: an nn.training.Task instead of
    a named model. The Playback's ``live_updates`` counts the updates shown.
    """
    every = default_every(steps) if every is None else every
    check_training(task.name if task is not None else model, steps, every, ValueError)
    task = task or make_task(model, steps, seed)
    handle = _display_handle() if live else None
    shown, updates = [0.0], [0]

    def update(rec, step):
        now = time.monotonic()
        if handle is not None and (now - shown[0] >= interval or step.index == steps - 1):
            handle.update(_html(Playback(rec)))
            shown[0] = time.monotonic()
            updates[0] += 1

    rec = record_run(task, steps, every, digits, on_record=update)
    page = Playback(rec)
    if handle is not None:
        handle.update(_html(page))
        updates[0] += 1
    page.live_updates = updates[0]
    if out is not None:
        page.save(out)
    return page


def _display_handle():
    """A notebook display to update in place, or None outside IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    return display(HTML("<p>training: the playback appears at the first recorded step</p>"),
                   display_id=True)


def _html(page):
    from IPython.display import HTML
    return HTML(page.fragment())


def steps_recorded(steps, every):
    """The 0-based indices a run of ``steps`` steps records with ``every``."""
    return [k for k in range(steps) if k % every == 0 or k == steps - 1]

