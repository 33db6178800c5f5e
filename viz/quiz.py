"""Exercises that grade themselves: randomized backprop problems, deterministic per seed.

Levels: scalar (an expression with values), vector (elementwise gates and a sum), matmul,
conv and pool (tiny tensors with a given upstream gradient). Each exercise becomes a quiz
stepper (the student types each downstream gradient), a question on a printable sheet and an
entry in a separate answer key. Generated numbers stay away from kinks (relu at 0, max ties)
and from absurd magnitudes, so a student's hand computation is meaningful.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np

import autograd
from autograd import Tensor
from autograd import functional as F
from autograd.ops.routers import MAX, RELU
from autograd.teaching.display import format_value

from .draw import draw
from .fonts import FALLBACK
from .parse import build
from .render import RenderError, render_svgs, strip_prolog
from .safe_files import OutDir
from .stepper import Stepper, step_texts, story

LEVELS = ("scalar", "vector", "matmul", "conv", "pool")
MAX_COUNT = 20

# scalar templates: (expression, names); every value is drawn from HALVES
SCALAR = [
    ("(x + y) * z", "xyz"), ("x * y + z", "xyz"), ("sigmoid(w * x + b)", "wxb"),
    ("tanh(x) * y", "xy"), ("max(x, y) * z", "xyz"), ("relu(x * y) + z", "xyz"),
    ("exp(x) / y", "xy"), ("x * x + y", "xy"), ("(x - y) * (x + z)", "xyz"),
    ("relu(w * x + b) * y", "wxby"),
]
HALVES = np.array([v / 2 for v in range(-6, 7) if v != 0])  # -3 ... 3 in steps of 1/2, no 0


@dataclass
class Exercise:
    """One generated problem: its graph, the given numbers and the answers."""

    title: str
    root: object
    leaves: dict                  # name -> leaf node
    grad: object = None           # the upstream gradient given (tensor levels)
    answers: dict = field(default_factory=dict)   # name -> gradient (float or array)


def _leaves_ok(values):
    return all(np.isfinite(v).all() and np.abs(v).max() <= 50 for v in values)


def _scalar(rng):
    while True:
        expr, names = SCALAR[rng.integers(len(SCALAR))]
        values = {n: float(rng.choice(HALVES)) for n in names}
        built = build(expr, values)
        nodes = autograd.topological_order(built.root)
        if any(n.gate is RELU and abs(n.parents[0].data) < 0.25 for n in nodes):
            continue  # too close to relu's kink
        if any(n.gate is MAX and abs(n.parents[0].data - n.parents[1].data) < 0.5 for n in nodes):
            continue  # a tie (or nearly): which input wins would be ambiguous
        leaves = built.leaves
        grads = autograd.grad(built.root, list(leaves.values()))
        if not _leaves_ok([n.data for n in nodes] + [g.data for g in grads]):
            continue
        if any(g.data != 0 and abs(g.data) < 1e-3 for g in grads):
            continue  # saturated: fine for a lecture, absurd for a hand computation
        given = ", ".join(f"{n}={format_value(v)}" for n, v in values.items())
        return Exercise(f"f = {expr}   with {given}", built.root, leaves, None,
                        {n: g.data for n, g in zip(leaves, grads)})


def _ints(rng, shape, low=-3, high=3):
    """Small non-zero integers."""
    v = rng.integers(low, high + 1, size=shape).astype(float)
    v[v == 0] = 1.0
    return v


def _tensor(rng, level):
    while True:
        if level == "vector":
            x = Tensor(_ints(rng, 3), requires_grad=True, label="x")
            w = Tensor(_ints(rng, 3), requires_grad=True, label="w")
            if rng.integers(2):
                out, title = (x * w).relu().sum(), "L = sum(relu(x * w))"
            else:
                out, title = (x * w + x).sum(), "L = sum(x * w + x)"
            given, leaves = None, {"x": x, "w": w}
            if np.any(np.abs(x.data * w.data) < 0.5):
                continue
        elif level == "matmul":
            x = Tensor(_ints(rng, (2, 3)), requires_grad=True, label="x")
            w = Tensor(_ints(rng, (3, 2)), requires_grad=True, label="W")
            out, title, leaves = x @ w, "y = x @ W, given dL/dy", {"x": x, "W": w}
            given = _ints(rng, (2, 2))
        elif level == "conv":
            x = Tensor(_ints(rng, (1, 1, 3, 3)), requires_grad=True, label="x")
            w = Tensor(_ints(rng, (1, 1, 2, 2), -2, 2), requires_grad=True, label="w")
            out, title, leaves = F.conv2d(x, w), "y = conv2d(x, w), stride 1, given dL/dy", {"x": x, "w": w}
            given = _ints(rng, (1, 1, 2, 2), -2, 2)
        else:  # pool: distinct values, so the max of every window is unique (no ties)
            x = Tensor(rng.permutation(16).reshape(1, 1, 4, 4).astype(float) - 8, requires_grad=True,
                       label="x")
            out, title, leaves = F.max_pool2d(x, 2), "y = max_pool2d(x, 2), given dL/dy", {"x": x}
            given = _ints(rng, (1, 1, 2, 2))
        if given is not None:
            given = Tensor(given, label="dL/dy")
        grads = autograd.grad(out, list(leaves.values()), grad_output=given)
        if _leaves_ok([out.data] + [g.data for g in grads]):
            return Exercise(title, out, leaves, given, {n: g.data for n, g in zip(leaves, grads)})


def generate(level, count=5, seed=0):
    """``count`` exercises of ``level``, the same ones for the same seed."""
    if level not in LEVELS:
        raise ValueError(f"quiz: level must be one of {', '.join(LEVELS)}, got {level!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ValueError(f"quiz: count must be a whole number from 1 to {MAX_COUNT}, got {count!r}")
    rng = np.random.default_rng(seed)
    return [_scalar(rng) if level == "scalar" else _tensor(rng, level) for _ in range(count)]


# ------------------------------------------------------------------------- pages

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title><style>
body {{ font-family: {font}; margin: 1.2em; color: #222; }}
.exercise {{ page-break-inside: avoid; margin-bottom: 1.5em; }}
.exercise svg {{ max-width: 100%; height: auto; }}
.blank {{ display: inline-block; min-width: 14em; border-bottom: 1px solid #444; }}
pre {{ background: #f6f6f6; padding: .5em .8em; white-space: pre-wrap; font-size: 1.05em;
  font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; }}
@media print {{ body {{ margin: 0; }} .noprint {{ display: none; }}
  .exercise {{ page-break-inside: avoid; }} pre {{ background: none; border: 1px solid #ccc; }} }}
</style></head><body>
<h1>{title}</h1>
{body}
</body></html>
"""


def _given(ex):
    if ex.grad is None and not isinstance(ex.root, Tensor):
        return ""
    rows = [f"{n} = {format_value(leaf.data.squeeze())}" for n, leaf in ex.leaves.items()]
    if ex.grad is not None:
        rows.append(f"dL/dy = {format_value(ex.grad.data.squeeze())}")
    return "<pre>" + html.escape("\n".join(rows)) + "</pre>"


def _question(ex):
    out = "L" if isinstance(ex.root, Tensor) else "f"
    return "".join(f"<p>d{out}/d{n} = <span class='blank'>&nbsp;</span></p>" for n in ex.leaves)


def write_quiz(exercises, out, level, seed):
    """quiz.html (interactive), sheet.html (printable) and answers.html (the key) in ``out``."""
    files = ("quiz.html", "sheet.html", "answers.html")
    out = OutDir(out).check(files)  # no link followed, every destination tried up front
    head = f"chainrule quiz: {level}, seed {seed}"
    interactive, sheet, key = [], [], []
    drawings, stories = [], []
    for ex in exercises:
        d, texts, answers = story(ex.root, grad=ex.grad, quiz=True)
        stories.append((len(d), texts, answers))
        drawings += d
        drawings.append(draw(ex.root, grads=False, legend=False))
    svgs = render_svgs(drawings)
    at = 0
    for k, (ex, (n, texts, answers)) in enumerate(zip(exercises, stories), 1):
        frames, question = svgs[at:at + n], svgs[at + n]
        at += n + 1
        name = f"Exercise {k}: {ex.title}"
        stepper = Stepper(frames, texts, '', answers)
        stepper.id = f"chainrule-quiz-{k}"  # unique on this page and the same for the same seed
        interactive.append(f'<div class="exercise"><h2>{html.escape(name)}</h2>{_given(ex)}'
                           f"{stepper.fragment()}</div>")
        sheet.append(f'<div class="exercise"><h2>{html.escape(name)}</h2>{_given(ex)}'
                     f"{strip_prolog(question)}{_question(ex)}</div>")
        out_name = "L" if isinstance(ex.root, Tensor) else "f"
        grads = "\n".join(f"d{out_name}/d{n} = {format_value(g)}" for n, g in ex.answers.items())
        # the key shows every downstream value: the step texts without the quiz's blanks
        steps = "\n\n".join(step_texts(autograd.backprop_steps(ex.root, ex.grad)))
        key.append(f'<div class="exercise"><h2>{html.escape(name)}</h2>'
                   f"<pre>{html.escape(grads)}</pre><pre>{html.escape(steps)}</pre></div>")
    intro = ('<p class="noprint">Type each downstream gradient and press check (1% tolerance). '
             "Wrong answers show the expected value and why: upstream x local.</p>")
    pages = [(head, intro + "\n".join(interactive)), (head + " (exercise sheet)", "\n".join(sheet)),
             (head + " (answer key)", "\n".join(key))]
    return [out.write(fname, _PAGE.format(title=html.escape(title), body=body, font=FALLBACK))
            for fname, (title, body) in zip(files, pages)]


__all__ = ["LEVELS", "Exercise", "RenderError", "generate", "write_quiz"]
