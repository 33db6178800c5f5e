"""What drawing costs, checked before the work: the page budget every writer of pages and
frames obeys (viz.stepper, viz.save_stepper, viz.draw_steps, viz.derive.save_derivation,
the CLI), and the CLI's work budget, counted from an expression's syntax tree before any
Value is built.

The page budget, counted from the graph before any frame is laid out:

  drawing      frames x the DOT text of one frame (every frame redraws the whole graph):
               at most MAX_PAGE_BYTES; an 800-gate chain is 802 frames of 437 kB, 351 MB
  shared wires uses of nodes used more than once: each is a wire out of a copy point, and
               Graphviz's layout of those wires grows steeply (x used 40 times: 11 s;
               six nodes used 8 times each, interleaved: 30 s)

  PNG          a frame is scaled down to at most MAX_PNG_SIDE pixels a side: rasterising
               costs by the pixel (a 60-gate circuit at 96 dpi: 15,000 x 3,000, 2.5 s a frame)

The CLI's work budget is tighter than the page budget, so what the CLI accepts always fits.

A syntax budget alone is not enough: `max(x, 1, 1, ..., 1)` is one call but n - 1 gates, and
every gate is a frame that redraws the whole graph. So we count what will be drawn:

  gates        every operator and call; max/min with n arguments are n - 1 gates
  copy uses    uses of names used more than once: each is a wire out of a copy point,
               and Graphviz's layout of those wires grows steeply with their number
  label chars  the text of every node's label (names, constants, clipped gate labels)
  frames       one per backward step: gates + copy points (follows from the two above)
"""

from __future__ import annotations

import ast
import contextlib
from dataclasses import dataclass

from autograd.teaching.display import MAX_DIGITS, format_number

MAX_PAGE_BYTES = 6_000_000   # DOT text of all the frames of one page: ~15 s to lay out and render
MAX_PAGE_USES = 32           # uses of nodes used more than once: 32 uses of one x took 7 s
MAX_PNG_SIDE = 1920          # pixels (a full-HD projector): larger PNG frames are scaled to fit
MAX_OPS = 60          # gates: each becomes a frame; larger circuits are unreadable and slow to lay out
MAX_USES = 20         # dot's layout of copy wires grows steeply: x*...*x with 61 uses took
                      # 6 minutes; with 60 gates, 30 uses took 7-11 s, 20 uses about half
MAX_LABEL_CHARS = 2000  # every frame redraws every label: long names cost frames x length
LABEL_CHARS = 24      # an intermediate's label: its source text, clipped to this length
VARIADIC = ("max", "min")


class TooLarge(ValueError):
    """Drawing work over the page budget, refused before it is done (one line)."""


def check_page(what, frames, frame_bytes, uses=0, hint="draw a smaller graph, or fewer steps"):
    """Raise TooLarge unless ``frames`` frames of about ``frame_bytes`` of DOT text each, with
    ``uses`` wires out of copy points, fit the page budget. ``what`` names the writer."""
    total = frames * frame_bytes
    if total > MAX_PAGE_BYTES:
        raise TooLarge(f"{what}: too large to draw: {frames} frames of about {_size(frame_bytes)} "
                       f"each, {_size(total)} of drawing in all (the limit is {_size(MAX_PAGE_BYTES)}: "
                       f"{hint})")
    if uses > MAX_PAGE_USES:
        raise TooLarge(f"{what}: too large to draw: nodes used more than once are used {uses} times "
                       f"in all (the limit is {MAX_PAGE_USES}: each use is a wire out of a copy "
                       "point, and more do not lay out in reasonable time)")


def shared_uses(scene):
    """Uses of the nodes a drawing's scene uses more than once (the wires of copy points)."""
    return sum(len(u) for u in scene.uses.values() if len(u) >= 2)


def _size(n):
    return f"{n / 1e6:.1f} MB" if n >= 1e6 else f"{n / 1e3:.0f} kB" if n >= 1e3 else f"{n} bytes"


@dataclass
class Work:
    gates: int
    shared: dict          # name -> uses, for names used more than once, most used first
    label_chars: int

    @property
    def frames(self) -> int:
        """Backward steps: one per gate and one per copy point."""
        return self.gates + len(self.shared)


def constant_label(v):
    """A constant's label: its value by the one number policy, with the fewest significant
    digits that read back exactly ('1', '0.5', '1e-8', '1e5'). parse.py draws it; the budget
    counts its length."""
    v = float(v)
    for digits in range(1, MAX_DIGITS + 1):
        text = format_number(v, digits)
        if float(text) == v:
            return text
    return format_number(v, MAX_DIGITS)


def count(tree, source):
    """The Work an (already whitelisted) expression tree will cost."""
    callees = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    gates, labels, uses, order = 0, 0, {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            n = len(node.args)
            k = n - 1 if node.func.id in VARIADIC else 1
            gates += k
            labels += k * LABEL_CHARS
        elif isinstance(node, ast.BinOp) or (isinstance(node, ast.UnaryOp)
                                             and not isinstance(node.op, ast.UAdd)):
            gates += 1
            segment = ast.get_source_segment(source, node) or ""
            labels += min(len(segment), LABEL_CHARS)
        elif isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            with contextlib.suppress(OverflowError):  # refused when built (float(10**400))
                labels += len(constant_label(node.value))
        elif isinstance(node, ast.Name) and id(node) not in callees:
            if node.id not in uses:
                order.append((node.col_offset, node.id))
                labels += len(node.id)
            uses[node.id] = uses.get(node.id, 0) + 1
    first = [name for _, name in sorted(order)]
    shared = {n: uses[n] for n in sorted(uses, key=lambda n: (-uses[n], first.index(n)))
              if uses[n] >= 2}
    return Work(gates, shared, labels)


def check(tree, source, error):
    """Raise ``error`` (an exception class) with one line when the expression is over budget."""
    work = count(tree, source)
    if work.gates > MAX_OPS:
        raise error(f"expression too large: {work.gates} operations (the limit is {MAX_OPS}; every "
                    "gate becomes a drawing frame, and max/min of n arguments are n - 1 gates)")
    total = sum(work.shared.values())
    if total > MAX_USES:
        why = (f"the limit is {MAX_USES} uses of names used more than once: each use is a wire "
               "out of a copy point, and more do not lay out in reasonable time")
        if len(work.shared) == 1:
            raise error(f"'{next(iter(work.shared))}' is used {total} times ({why})")
        counts = ", ".join(f"'{n}' {c} times" for n, c in work.shared.items())
        raise error(f"names used more than once are used {total} times in all: {counts} ({why})")
    if work.label_chars > MAX_LABEL_CHARS:
        raise error(f"expression too large to draw: {work.label_chars} characters of labels "
                    f"(the limit is {MAX_LABEL_CHARS}; every frame redraws every label: "
                    "use shorter names)")
    return work


# ---------------------------------------------------------------- training playback (chainrule train)
# Counted before any training: the steps to train and the steps the page records. Every
# recorded step costs the page a few kB of numbers (viz.slots) and its drawings a moment.
MAX_RECORDED = 500          # recorded steps: 500 of two moons make a page of a few MB
MAX_PLAYBACK_BYTES = 30_000_000  # a playback page's hard ceiling (the limits above keep far below it)
MAX_TRAIN_STEPS = {"moons": 20_000,   # full batch of 100 points: about 1 ms a step
                   "lenet": 3_000}    # batches of 64 digits through LeNet-5: tens of ms a step
DEFAULT_RECORDED = 100


def default_every(steps):
    """Record every step up to DEFAULT_RECORDED steps, else every k-th to record about that many."""
    return max(1, -(-int(steps) // DEFAULT_RECORDED))


def recorded(steps, every):
    """How many steps a run of ``steps`` records with ``every``: each every-th, and the last."""
    return -(-steps // every) + (1 if (steps - 1) % every else 0)


def check_training(model, steps, every, error):
    """Raise ``error`` (an exception class) with one line when a training playback is over
    budget; returns the number of recorded steps."""
    top = MAX_TRAIN_STEPS.get(model)
    if top is None:
        raise error(f"--model must be one of {', '.join(MAX_TRAIN_STEPS)}, got '{str(model)[:20]}'")
    for name, v in (("steps", steps), ("every", every)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise error(f"--{name} must be a whole number of at least 1, got {v!r}")
    if steps > top:
        raise error(f"--steps {steps} is too many for {model} (the limit is {top:,}: the training "
                    "runs before anything is written)")
    n = recorded(steps, every)
    if n > MAX_RECORDED:
        raise error(f"--steps {steps} with --every {every} records {n} steps (the limit is "
                    f"{MAX_RECORDED}, which keeps the page small): use --every "
                    f"{-(-steps // (MAX_RECORDED - 1))} or more")
    return n
