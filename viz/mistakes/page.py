"""The mistakes lab drawn: the graph with each engine's gradients, the first node where they
differ drawn with a double outline in both, and a stepper with the two backward passes side
by side (the right engine left, the wrong one right), a frame per step.

Frame 1 is the verdict (both drawings, the first difference, gradcheck); then backward step
k of each engine. A pass with fewer steps shows its last frame as done. For `twice`, the
wrong column runs the whole pass a second time: its .grad adds up.
"""

from __future__ import annotations

import html

import numpy as np

from autograd import Value
from autograd.core import COPY
from autograd.teaching.display import format_number, format_value

from .. import budget
from ..draw import State, build
from ..frames import _step_drawings
from ..render import inline_svg, render_svgs
from ..scene import Scene
from ..stepper import _SCRIPT, _STYLE, Stepper, controls, step_texts
from ..style import NumberFormat
from .engine import wrong_engine
from .report import derivative

_PAGE_STYLE = """
.chainrule-mistake .summary { font-size: clamp(1.05em, 1.15vw, 1.5em); margin: 0 0 .6em 0; }
.chainrule-mistake .pair { display: flex; flex-wrap: wrap; gap: 1em; }
.chainrule-mistake .side { flex: 1 1 28em; min-width: 0; }
.chainrule-mistake .side h2 { font-size: clamp(1.1em, 1.3vw, 1.7em); margin: .2em 0; }
.chainrule-mistake .side.right h2 { color: #1b7a2e; }
.chainrule-mistake .side.wrong h2 { color: #c0262d; }
.chainrule-mistake .verdict { border-left-color: #111111; }
"""


def _fmt(digits):
    return NumberFormat(None, digits)


def _wire_grads(scene, run, calls):
    """Wire index -> gradient for a circuit: a node's total on its own wires, on a branch
    out of a copy point the part that consumer sent (over ``calls`` identical passes)."""
    sent = {}
    for s in run.steps:
        if s.gate is not COPY:
            for i, d in enumerate(s.downstream):
                sent[(id(s.output), i)] = d
    grads = {}
    for k, w in enumerate(scene.wires):
        if w.kind == "branch":
            part = sent.get((id(w.consumer), w.index))
            if part is not None:
                grads[k] = part * calls
        elif run.grads.get(id(w.node)) is not None:
            grads[k] = run.grads[id(w.node)]
    return grads


def _state(lab, scene, run, calls, wrong, digits):
    """What one result drawing shows: ``run``'s gradients, the first difference marked."""
    state = State(grads=_wire_grads(scene, run, calls) if scene.scalar else
                  {id(n): g for n in scene.nodes if (g := run.grads.get(id(n))) is not None})
    first = lab.first
    if first is None:
        return state
    state.marked.add(scene.name(first))
    copy = scene.copies.get(id(first))
    if copy is not None:
        state.marked.add(copy)
    right, bad = lab.gradients(first)
    if not scene.scalar and right is not None and bad is not None and np.shape(right) == np.shape(bad):
        state.cells[id(first)] = ~np.isclose(right, bad, rtol=1e-9, atol=1e-12)
    for k, w in enumerate(scene.wires):
        if w.node is first and w.kind in ("in", "trunk", "out"):
            state.hot_wires.add(k)
            if wrong and scene.scalar:
                state.notes[k] = f"{format_number(bad, digits)} (right: {format_number(right, digits)})"
    return state


def result_drawings(lab, digits=3, caption=True):
    """(right, wrong) drawings of the graph with each engine's gradients; the first node where
    they differ has a double outline in both (and, in a circuit, the wrong number is written
    beside the right one)."""
    scene = Scene(lab.root)
    name = lab.mistake.name
    drawings = []
    for run, wrong in ((lab.right, False), (lab.wrong, True)):
        state = _state(lab, scene, run, lab.mistake.calls if wrong else 1, wrong, digits)
        if caption:
            state.caption = [f"wrong engine ({name}): {lab.mistake.summary}" if wrong else
                             "right engine: the lesson's rules", *_first_lines(lab, digits)]
        drawings.append(build(scene, state, fmt=_fmt(digits)))
    return tuple(drawings)


def _first_lines(lab, digits):
    n = lab.first
    if lab.wrong.error is not None:
        return [f"the wrong engine failed: {lab.wrong.error}"]
    if n is None:
        return [f"the engines agree on this graph ({lab.mistake.name} needs {lab.mistake.shows})"]
    name = lab.output if n is lab.root else lab.names[id(n)]
    if isinstance(lab.root, Value):
        right, wrong = lab.gradients(n)
        d = derivative(lab.output, name)
        return [f"double outline: the first difference in backprop order, {d}: right "
                f"{format_number(right, digits)}, wrong {format_number(wrong, digits)}"]
    line = f"double outline: the first difference in backprop order, {derivative(lab.output, name)}"
    right, wrong = lab.gradients(n)
    if right is not None and wrong is not None and np.shape(right) == np.shape(wrong):
        line += " (its entries that differ: bold on yellow)"
    return [line]


class SideBySide(Stepper):
    """A stepper whose frames hold two drawings side by side (same controls, keys, zoom).

    frames: (name, verdict text or "", (heading, svg or None, text) for the right engine,
    the same for the wrong one)."""

    def __init__(self, frames, title, summary):
        super().__init__([f[2][1] or "" for f in frames], [f[0] for f in frames], title)
        self.frames, self.summary = frames, summary

    def fragment(self):
        n, sid = len(self.frames), self.id
        parts = [f'<div class="chainrule-stepper chainrule-mistake fit" id="{sid}" data-step="0" '
                 'tabindex="0">',
                 f"<style>{_STYLE}{_PAGE_STYLE}</style>", f"<h1>{html.escape(self.title)}</h1>",
                 f'<p class="summary">{html.escape(self.summary)}</p>',
                 '<div class="controls">', *controls(n), "</div>", '<div class="frames">']
        for k, (name, verdict, *sides) in enumerate(self.frames):
            hidden = "" if k == 0 else " hidden"
            body = f'<pre class="verdict">{html.escape(verdict)}</pre>' if verdict else ""
            body += '<div class="pair">'
            for side, (heading, svg, text) in zip(("right", "wrong"), sides):
                view = f'<div class="view">{inline_svg(svg, f"{sid}-f{k}-{side}-")}</div>' if svg else ""
                body += (f'<div class="side {side}"><h2>{html.escape(heading)}</h2>{view}'
                         + (f"<pre>{html.escape(text)}</pre>" if text else "") + "</div>")
            body += "</div>"
            parts.append(f'<div class="frame" data-index="{k}"{hidden} data-name="{html.escape(name)}">'
                         f"{body}</div>")
        parts += ["</div>", f"<script>{_SCRIPT.replace('__ROOT_ID__', sid)}</script>", "</div>"]
        return "\n".join(parts)


def _pass_frames(lab, digits, wrong):
    """(drawings, texts) of one engine's backward steps (the wrong engine swapped in)."""
    def make():
        steps = lab.wrong.steps if wrong else lab.right.steps
        drawings = list(_step_drawings(lab.root, lab.grad, digits=digits, caption=False,
                                       other_frames=len(steps) + 2))
        return drawings, step_texts(steps, digits)
    if not wrong:
        return make()
    with wrong_engine(lab.mistake.name):
        return make()


def _late_note(lab, digits):
    """(index of the wrong pass's step after which the driver visits the first difference,
    a note) when parts reach that node only after its visit (no-topo), else None."""
    n = lab.first
    if n is None or lab.wrong.error is not None:
        return None
    before, after = lab.wrong.arrivals(n)
    if not after:
        return None
    at = {k: i for i, k in enumerate(lab.wrong.visits)}
    earlier = [k for k, s in enumerate(lab.wrong.steps) if at[id(s.output)] < at[id(n)]]
    if not earlier:
        return None
    name = lab.output if n is lab.root else lab.names[id(n)]
    shown = lambda parts: " + ".join(format_value(p, digits) for p in parts) or "nothing"
    return earlier[-1], (f"next the driver visits {name}, which has received {shown(before)} so far: "
                         f"{shown(after)} will arrive after the visit and never be passed on")


def side_by_side(lab, digits=3, title=None):
    """The lab's stepper: the verdict, then the two backward passes step by step."""
    from .report import first_difference, verdicts
    m = lab.mistake
    right_head, wrong_head = "right engine", f"wrong engine: {m.name}"
    number = lambda v: format_number(v, digits)
    verdict = "\n".join([*first_difference(lab, number, digits), *verdicts(lab)]).strip()
    if lab.wrong.error is not None:
        verdict = f"the wrong engine failed: {lab.wrong.error}\n{verdict}".strip()
    results = result_drawings(lab, digits, caption=False)
    right_steps, right_texts = _pass_frames(lab, digits, wrong=False)
    wrong_steps, wrong_texts = ([], []) if lab.wrong.error else _pass_frames(lab, digits, wrong=True)
    late = _late_note(lab, digits)
    if late is not None:
        k, note = late
        wrong_texts[k] += f"\n\n{note}"
    if m.calls > 1:
        wrong_steps = wrong_steps * m.calls
        again = " (.grad still holds the calls before: this one adds to them)"
        wrong_texts = [f"backward() call {c + 1} of {m.calls}{again if c else ''}, {t}"
                       for c in range(m.calls) for t in wrong_texts]
    drawings = [*results, *right_steps, *wrong_steps]
    budget.check_page("mistake", len(drawings), max(len(d.source) for d in drawings),
                      budget.shared_uses(Scene(lab.root)))
    svgs = render_svgs(drawings)
    result_svgs, svgs = svgs[:2], svgs[2:]
    right_svgs, wrong_svgs = svgs[:len(right_steps)], svgs[len(right_steps):]
    frames = [("where they differ", verdict,
               (right_head, result_svgs[0], "every gradient, as the lesson computes it"),
               (wrong_head, result_svgs[1], f"every gradient, with {m.name}"))]
    for k in range(max(len(right_svgs), len(wrong_svgs))):
        sides = []
        for head, shown, texts in ((right_head, right_svgs, right_texts),
                                   (wrong_head, wrong_svgs, wrong_texts)):
            if k < len(shown):
                sides.append((head, shown[k], texts[k]))
            elif shown:
                sides.append((head, shown[-1], "done: no more steps"))
            else:
                sides.append((head, None, "no steps: the wrong engine failed"))
        frames.append((f"backward step {k + 1}", "", *sides))
    summary = f"{m.summary}. The real rule: {m.real}."
    return SideBySide(frames, title or f"chainrule mistakes lab: {m.name}", summary)
