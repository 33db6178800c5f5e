"""Seeing gradients the PyTorch way: tensor hooks and anomaly detection.

Both are small named steps of the one backward loop (graph.run_backward), taken only while
something is watched: the loop reads two flags once per backward, so unused they cost
nothing per node.

    t.register_hook(fn)     fn(grad) sees t's whole gradient once backward has summed it,
                            may return a replacement (used for t.grad and sent on to t's
                            inputs); returns a handle whose .remove() undoes it
    detect_anomaly()        while on, each tensor op remembers the line of user code that
                            made it, and a backward rule that turns a finite upstream into
                            NaN or inf raises AnomalyError naming the op, its shapes and
                            that line
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

import numpy as np


class _State(threading.local):
    def __init__(self):
        self.anomaly = False
        self.sites = {}         # node -> "file:line" of the user code that made it


state = _State()
hooks_live = [0]            # hooks registered and not removed (all threads): 0 = skip the step


class AnomalyError(RuntimeError):
    """A backward rule produced NaN or inf from a finite upstream (under detect_anomaly)."""


class HookHandle:
    """What register_hook returns: ``.remove()`` takes the hook off (twice is harmless)."""

    def __init__(self, node, fn):
        self._node, self._fn = node, fn

    def remove(self):
        hooks = getattr(self._node, "_hooks", None)
        if hooks and self._fn in hooks:
            hooks.remove(self._fn)
            hooks_live[0] -= 1


def register_hook(node, fn):
    if not callable(fn):
        raise TypeError(f"register_hook: fn must be callable, got {type(fn).__name__}")
    if not node.requires_grad:
        raise RuntimeError("register_hook: this tensor does not require grad (its gradient is "
                           "never computed)")
    if getattr(node, "_hooks", None) is None:
        node._hooks = []
    node._hooks.append(fn)
    hooks_live[0] += 1
    return HookHandle(node, fn)


def run_hooks(node, g, create_graph):
    """The hook step: each of node's hooks sees the gradient (a Tensor) and may replace it."""
    hooks = getattr(node, "_hooks", None)
    if not hooks:
        return g
    from .tensor import Tensor, _wrap
    for fn in list(hooks):
        seen = g if isinstance(g, Tensor) else _wrap(np.asarray(g))
        new = fn(seen)
        if new is None:
            continue
        arr = new.data if isinstance(new, Tensor) else np.asarray(new)
        if arr.shape != np.shape(node.data):
            raise ValueError(f"register_hook: the hook returned shape {arr.shape}, but the "
                             f"tensor has shape {np.shape(node.data)}")
        if create_graph:
            g = new if isinstance(new, Tensor) else Tensor(arr)
        else:
            g = np.asarray(arr, dtype=node.data.dtype)
    return g


# ---------------------------------------------------------------- anomaly detection

_PACKAGES = (os.path.dirname(os.path.abspath(__file__)) + os.sep,
             os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "nn") + os.sep)


@contextmanager
def detect_anomaly():
    """Within this block, a NaN or inf produced in backward raises naming the op, its shapes
    and where its forward node was created (like torch.autograd.detect_anomaly; slower)."""
    previous, sites = state.anomaly, state.sites
    state.anomaly, state.sites = True, dict(sites)
    try:
        yield
    finally:
        state.anomaly, state.sites = previous, sites


def note_site(node):
    """Remember the first line outside autograd/ and nn/ on the stack: where the user made it."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGES):
        frame = frame.f_back
    if frame is not None:
        state.sites[node] = f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _finite(x):
    x = getattr(x, "data", x)
    return bool(np.all(np.isfinite(x)))


def check_step(node, g, sent):
    """The anomaly step: raise if a finite upstream gave a non-finite input gradient."""
    if not _finite(g):
        return
    for i, c in enumerate(sent):
        if c is not None and not _finite(c):
            bad = "nan" if np.isnan(getattr(c, "data", c)).any() else "inf"
            shapes = ", ".join(str(np.shape(p.data)) for p in node.parents)
            site = state.sites.get(node, "unknown (made outside detect_anomaly)")
            raise AnomalyError(
                f"detect_anomaly: backward of {node.op} produced {bad} in the gradient of its "
                f"input {i} (upstream {np.shape(getattr(g, 'data', g))}, inputs {shapes}); "
                f"the forward {node.op} was made at {site}")
