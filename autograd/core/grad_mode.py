"""Grad mode: whether ops record a graph. Per thread, like torch's: a no_grad block in one
thread never stops another thread's forward from recording."""

from __future__ import annotations

import threading
from contextlib import contextmanager


class _Mode(threading.local):
    enabled = True          # a thread starts with recording on


_mode = _Mode()


def is_grad_enabled() -> bool:
    """Whether ops record a graph in this thread."""
    return _mode.enabled


def set_grad_enabled(enabled) -> bool:
    """Turn recording on or off in this thread (like torch.set_grad_enabled); returns the
    previous setting."""
    previous = _mode.enabled
    _mode.enabled = bool(enabled)
    return previous


@contextmanager
def no_grad():
    """Within this block ops record no graph (like torch.no_grad); also a decorator."""
    previous = set_grad_enabled(False)
    try:
        yield
    finally:
        set_grad_enabled(previous)
