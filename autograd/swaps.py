"""Swapping an attribute of a lesson object and putting it back: the kernels attach this way
(autograd/kernels/attach.py), and so do the classic mistakes (viz/mistakes/), so that undo()
restores the lesson exactly."""

from __future__ import annotations


class Swaps:
    def __init__(self):
        self._undo = []

    def set(self, target, name, value):
        """target.name = value, remembered for undo."""
        self._undo.append((target, name, getattr(target, name)))
        setattr(target, name, value)

    def undo(self):
        """Restore every attribute, last set first."""
        while self._undo:
            target, name, old = self._undo.pop()
            setattr(target, name, old)

    def __len__(self):
        return len(self._undo)
