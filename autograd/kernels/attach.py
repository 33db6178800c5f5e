"""How kernels attach to the lesson: by setting an attribute of a lesson object (an Op's
forward or joint rule, a method of Value or Tensor, the driver's entry point), remembering
what was there, so that detach() restores the lesson exactly."""

from __future__ import annotations


class Attachments:
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
