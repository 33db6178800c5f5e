"""Switching the engine to a wrong one: the lesson with one piece swapped for a mistake's
variant (variants.py) while a `with` block runs, the kernels detached so no fast form hides
the swap, one block at a time."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import autograd
from autograd.swaps import Swaps

from .variants import MISTAKES

_LOCK = threading.RLock()


class UnknownMistake(ValueError):
    """A mistake name the lab does not know (one line, listing the known ones)."""


def find(name):
    """The Mistake called ``name``, or UnknownMistake naming the known ones."""
    found = MISTAKES.get(name) if isinstance(name, str) else None
    if found is None:
        shown = name if isinstance(name, str) else type(name).__name__
        raise UnknownMistake(f"unknown mistake '{shown[:40]}' (known: {', '.join(MISTAKES)})")
    return found


@contextmanager
def lesson_only():
    """The kernels detached for this block (autograd.kernels.detach / attach): the lesson's
    own rules and driver run, the pieces a mistake swaps."""
    kernels = getattr(autograd, "kernels", None)
    on = kernels is not None and kernels.attached()
    if on:
        kernels.detach()
    try:
        yield
    finally:
        if on:
            kernels.attach()


@contextmanager
def wrong_engine(name):
    """The lesson with mistake ``name`` swapped in while this block runs (kernels detached,
    under the lab's lock). Everything that runs backward inside it, gradcheck included,
    uses the wrong engine."""
    m = find(name)
    with _LOCK, lesson_only():
        swaps = Swaps()
        try:
            m.swap(swaps)
            yield m
        finally:
            swaps.undo()
