"""Watching backward the PyTorch way: tensor hooks and anomaly detection, as observers
handed to the driver (backward.run_backward) only while something is watched.

    t.register_hook(fn)     fn(grad) sees t's whole gradient once backward has summed it,
                            may return a replacement (used for t.grad and sent on to t's
                            inputs); returns a handle whose .remove() undoes it
    detect_anomaly()        while on, each op remembers the line of user code that made it,
                            and a backward rule that turns a finite upstream into NaN or inf
                            raises AnomalyError naming the op, its shapes and that line
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager

import numpy as np

# ---------------------------------------------------------------- hooks


class HookHandle:
    """What register_hook returns: ``.remove()`` takes the hook off (twice is harmless)."""

    def __init__(self, node, fn):
        self._node, self._fn = node, fn

    def remove(self):
        hooks = getattr(self._node, "_hooks", None)
        if hooks and self._fn in hooks:
            hooks.remove(self._fn)
            _hooked[0] -= 1


_hooked = [0]           # hooks registered and not removed, in every thread


def register_hook(node, fn):
    if not callable(fn):
        raise TypeError(f"register_hook: fn must be callable, got {type(fn).__name__}")
    if not node.requires_grad:
        raise RuntimeError("register_hook: this tensor does not require grad (its gradient is "
                           "never computed)")
    if getattr(node, "_hooks", None) is None:
        node._hooks = []
    node._hooks.append(fn)
    _hooked[0] += 1
    return HookHandle(node, fn)


class Hooks:
    """The observer that runs a node's hooks on its summed gradient."""

    def arrived(self, node, g, create_graph):
        for fn in list(getattr(node, "_hooks", None) or ()):
            new = fn(node._as_grad(g))
            if new is None:
                continue
            arr = np.asarray(getattr(new, "data", new))
            if arr.shape != np.shape(node.data):
                raise ValueError(f"register_hook: the hook returned shape {arr.shape}, but the "
                                 f"tensor has shape {np.shape(node.data)}")
            if create_graph:
                g = new if hasattr(new, "inputs") else node._as_grad(arr)
            else:
                g = np.asarray(arr, dtype=node.data.dtype)
        return g

    def sent(self, node, g, parts):
        pass


# ---------------------------------------------------------------- anomaly detection

class AnomalyError(RuntimeError):
    """A backward rule produced NaN or inf from a finite upstream (under detect_anomaly)."""


class _Anomaly(threading.local):
    on = False
    sites = None            # node -> "file:line" of the user code that made it


anomaly = _Anomaly()
_ENGINE = [os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep]


def hide_frames_of(package_folder):
    """Sites skip this folder's frames too (a library built on autograd, such as nn, so
    that a site names the user's line rather than the library's)."""
    _ENGINE.append(os.path.abspath(package_folder) + os.sep)


@contextmanager
def detect_anomaly():
    """Within this block, a NaN or inf produced in backward raises naming the op, its shapes
    and where its forward node was created (like torch.autograd.detect_anomaly; slower)."""
    previous = anomaly.on, anomaly.sites
    anomaly.on, anomaly.sites = True, dict(anomaly.sites or {})
    try:
        yield
    finally:
        anomaly.on, anomaly.sites = previous


def note_site(node):
    """Remember the first line outside the engine on the stack: where the user made node."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(tuple(_ENGINE)):
        frame = frame.f_back
    if frame is not None:
        anomaly.sites[node] = f"{frame.f_code.co_filename}:{frame.f_lineno}"


def _finite(x):
    return bool(np.all(np.isfinite(getattr(x, "data", x))))


class Anomalies:
    """The observer that raises where a finite upstream gave a non-finite input gradient."""

    def arrived(self, node, g, create_graph):
        return g

    def sent(self, node, g, parts):
        if not _finite(g):
            return
        for i, c in enumerate(parts):
            if c is not None and not _finite(c):
                bad = "nan" if np.isnan(getattr(c, "data", c)).any() else "inf"
                shapes = ", ".join(str(np.shape(p.data)) for p in node.inputs)
                site = anomaly.sites.get(node, "unknown (made outside detect_anomaly)")
                raise AnomalyError(
                    f"detect_anomaly: backward of {node.op} produced {bad} in the gradient of its "
                    f"input {i} (upstream {np.shape(getattr(g, 'data', g))}, inputs {shapes}); "
                    f"the forward {node.op} was made at {site}")


def observers() -> tuple:
    """The observers a backward pass needs now: none unless something is watched."""
    found = ()
    if _hooked[0]:
        found += (Hooks(),)
    if anomaly.on:
        found += (Anomalies(),)
    return found
