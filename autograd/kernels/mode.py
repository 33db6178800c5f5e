"""Serves grad mode (autograd/core/grad_mode.py) where every fast forward reads it: one
read per gate, ~60,000 gates in a scalar training step.

The lesson keeps the flag in a threading.local, and reading one costs ~4x a slot (~40 ns:
2-3 ms of a 20 ms scalar forward). While the kernels are attached, the lesson's
``grad_mode._mode`` is this stand-in: the flag itself still lives in the lesson's
threading.local (set_grad_enabled and is_grad_enabled read and write it through here),
and beside it a plain slot, ``everywhere``, is True while no thread has recording off.
A fast forward reads ``everywhere or enabled``: the same answer, mostly without the
thread-local.

Once attached it stays, also when the other kernels detach (kernels.detach(), the mistakes
lab): it changes no number and no graph, and a thread switching while it was away would go
unseen, so ``everywhere`` could no longer be trusted.

A thread that turns recording off is remembered by a weak reference to a token that lives
in its own thread-local storage, so a thread that ends with recording off (its token is
freed) no longer keeps ``everywhere`` False.
"""

from __future__ import annotations

import os
import threading
import weakref

from ..core import grad_mode as lesson
from .attach import Attachments

_ident = threading.get_ident


class _Token:
    __slots__ = ("__weakref__",)


class FastMode:
    """Stands in for the lesson's per-thread flag (same ``enabled`` attribute)."""

    __slots__ = ("_local", "_lock", "_off", "_tokens", "everywhere")

    def __init__(self, local):
        self._local = local                 # the lesson's threading.local: the flag lives there
        self._lock = threading.Lock()
        self._off = {}                      # thread ident -> weak reference to its token
        self._tokens = threading.local()
        self.everywhere = True              # made at import, before any thread could switch

    @property
    def enabled(self):
        return self._local.enabled

    @enabled.setter
    def enabled(self, value):
        local = self._local
        if value:
            if local.enabled:
                return              # no change (a backward switches off and back on)
            with self._lock:
                local.enabled = True
                off = self._off
                off.pop(_ident(), None)
                if off:
                    self._forget_ended()
                self.everywhere = not off
        else:
            if not local.enabled:
                return
            try:
                ref = self._tokens.ref
            except AttributeError:
                ref = self._token_ref()
            with self._lock:
                local.enabled = False
                self._off[_ident()] = ref
                self.everywhere = False

    def _token_ref(self):
        """A weak reference to this thread's token, made once per thread."""
        tokens = self._tokens
        tokens.token = _Token()
        tokens.ref = weakref.ref(tokens.token, self._ended)
        return tokens.ref

    def _forget_ended(self):
        """Drop threads that ended with recording off (holds the lock)."""
        off = self._off
        if off:
            for ident in [i for i, alive in off.items() if alive() is None]:
                del off[ident]
        self.everywhere = not off

    def _ended(self, _ref):
        # a finalizer never waits for the lock: the next switch on forgets the thread then
        if self._lock.acquire(blocking=False):
            try:
                self._forget_ended()
            finally:
                self._lock.release()


MODE = FastMode(lesson._mode)


def _after_fork():
    """A forked child has only the thread that forked: a lock another thread held stays held
    in the child, and the other threads' switches are gone with them."""
    MODE._lock = threading.Lock()
    me = _ident()
    MODE._off = {i: ref for i, ref in MODE._off.items() if i == me}
    MODE.everywhere = not MODE._off


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def attach(attachments: Attachments):
    attachments.set(lesson, "_mode", MODE)
