"""chainrule train: train a lecture network and write its training playback, one page.

    chainrule train --model moons|lenet --steps N [--every K] [--seed S] [--digits D] --out DIR [--deck]

Writes DIR/playback.html (self-contained: no network) and, with --deck, DIR/deck.pdf (a page
per recorded step). The work budget (viz/budget.py) is checked before any training; bad
options exit 2 with one line.
"""

from __future__ import annotations

import time

import autograd
from autograd.teaching.display import MAX_DIGITS

from . import deck
from .budget import MAX_RECORDED, MAX_TRAIN_STEPS, check_training, default_every
from .cli_errors import Usage, parse_options, quote, whole_number
from .playback import Playback, make_task, record_run
from .safe_files import OutDir, UnsafePath

USAGE = ("usage: chainrule train --model moons|lenet --steps N [--every K] [--seed S] [--digits D] "
         "--out DIR [--deck]")
HELP = f"""{USAGE}

Train a lecture network and write DIR/playback.html: a scrubber over the recorded training
steps, and at each one the network (modules collapsed, or every gate) with its weights,
activations and gradients, the loss curve, the decision boundary (moons) or sample digits
with their predictions (lenet), and that step's backward pass gate by gate.

  --model    moons: an MLP 2-16-16-1 on two moons (hinge loss, SGD), full batch;
             lenet: LeNet-5 on the offline 8x8 digits upsampled to 32x32 (needs scikit-learn)
  --steps N  training steps (at most {MAX_TRAIN_STEPS['moons']:,} for moons, {MAX_TRAIN_STEPS['lenet']:,}
             for lenet)
  --every K  record every K-th step and the last (default: enough for about 100 recorded
             steps; at most {MAX_RECORDED} recorded)
  --seed S   the data's and the weights' seed (default 0)
  --digits D significant digits of every number (default 3)
  --out DIR  where to write playback.html (and deck.pdf); links inside DIR are never followed
  --deck     also write deck.pdf: a page per recorded step, its numbers under the network
"""
FLAGS = {"deck"}
OPTIONS = {"model", "steps", "every", "seed", "digits", "out"}





def _whole(opts, name, low, high, default=None):
    text = opts.get(name)
    return default if text is None else whole_number(text, name, low, high)


def parse(argv):
    opts = parse_options(argv, OPTIONS, FLAGS, "train")
    if opts.get("help"):
        return opts
    for need in ("model", "steps", "out"):
        if need not in opts:
            raise Usage(f"missing --{need} ({USAGE[7:]})")
    if opts["model"] not in MAX_TRAIN_STEPS:
        raise Usage(f"--model must be one of {', '.join(MAX_TRAIN_STEPS)}, got '{quote(opts['model'], 20)}'")
    steps = _whole(opts, "steps", 1, 10**9)
    every = _whole(opts, "every", 1, 10**9, default_every(steps))
    check_training(opts["model"], steps, every, Usage)   # the budget, before any work
    return {"model": opts["model"], "steps": steps, "every": every, "out": opts["out"],
            "seed": _whole(opts, "seed", 0, 2**32 - 1, 0), "digits": _whole(opts, "digits", 1, MAX_DIGITS, 3),
            "deck": bool(opts.get("deck"))}


def main(argv, stdout, stderr):
    opts = parse(argv)
    if opts.get("help"):
        print(HELP, file=stdout)
        return 0
    if opts["deck"]:
        try:
            deck.check_route()
        except deck.DeckUnavailable as e:
            raise Usage(str(e)) from None
    files = ["playback.html"] + (["deck.pdf"] if opts["deck"] else [])
    try:
        out = OutDir(opts["out"]).check(files).path
    except UnsafePath as e:
        raise Usage(str(e)) from None
    steps, every = opts["steps"], opts["every"]
    if autograd.KERNELS:    # this process trains: freed activations are reused, not page-faulted anew
        autograd.kernels.tune_allocator()
    try:
        task = make_task(opts["model"], steps, opts["seed"])
    except ImportError as e:   # lenet's digits come from scikit-learn
        raise Usage(str(e).splitlines()[0]) from None
    p = lambda line="": print(line, file=stdout)
    p(f"training {task.about}: {steps} steps, recording every {every} (and the last)")
    started = time.perf_counter()
    shown = max(1, steps // 10)

    def log(rec, step):
        r = rec.records[-1]
        if step.index % shown == 0 or step.index == steps - 1:
            p(f"  step {r['step']:>{len(str(steps))}}  loss {r['loss']}  accuracy {r['accuracy']}")

    recorder = record_run(task, steps, every, opts["digits"], on_record=log)
    page = Playback(recorder)
    path = page.save(out / "playback.html")
    size = (out / "playback.html").stat().st_size
    p(f"wrote {path} ({len(page)} recorded steps, {size / 1e6:.1f} MB) in "
      f"{time.perf_counter() - started:.1f} s")
    if opts["deck"]:
        svgs, captions = page.deck_frames()
        p(f"wrote {deck.write_deck(svgs, captions, out / 'deck.pdf')} ({len(svgs)} pages)")
    return 0
