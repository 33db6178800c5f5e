"""Serves every kernel that shares its work over the cores: conv by output positions and
its one-thread product pieces, exact GELU's and relu's blocks (positions.py, conv.py,
parallel.py). Memory-bound passes (elementwise ops, copies, pooling) are never split.

numpy releases the GIL inside its loops (ufuncs, copies, einsum, matrix products) on float
arrays, so two Python threads that each run numpy on part of the work compute at the same
time. What that buys depends on the machine. On the 2-core VM this was tuned on, handing a
task to a sleeping thread costs 15-100 us, a memory-bound pass gets little from two cores,
and two threads making short numpy calls take turns at the GIL: only compute-bound work of
about a millisecond and more gains (benchmarks/NOTES.md has the measurements). BLAS keeps
its own threads and its thread count is never touched here; where kernel threads run, the
kernels keep each product small enough that BLAS runs it on the calling thread, so BLAS's
threads are not left spinning beside them.

The pool is small and plain: ``threads() - 1`` daemon workers, started at the first split
(importing autograd starts none), each handed one task at a time through two locks. The
caller runs the first task itself. A split asked for while the pool is busy -- by another
thread of the program, or from inside a task -- runs its tasks one after another in the
caller: the same results, never a deadlock.

How many threads: CHAINRULE_THREADS if set, else what BLAS was told (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS), else the cores this process may run on; set_threads(n)
changes it (1: every kernel runs in the caller alone).
"""

from __future__ import annotations

import os
import threading

import numpy as np

_ENV = ("CHAINRULE_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def cores():
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:      # not on Linux
        return os.cpu_count() or 1


def _configured():
    for var in _ENV:
        value = os.environ.get(var, "").strip()
        if value.isdigit() and int(value) > 0:
            return int(value)
    return cores()


class _Worker:
    """One daemon thread that runs the tasks it is given, one at a time, each under the
    np.errstate of the thread that gave it (numpy keeps those settings per thread)."""

    def __init__(self):
        self._go = threading.Lock()
        self._done = threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._task = None
        self._errstate = None
        self._error = None
        threading.Thread(target=self._loop, name="chainrule-kernel", daemon=True).start()

    def _loop(self):
        while True:
            self._go.acquire()
            try:
                with np.errstate(**self._errstate):
                    self._task()
            except BaseException as error:      # handed back to the caller
                self._error = error
            self._task = None
            self._done.release()

    def give(self, task, errstate):
        self._task, self._errstate = task, errstate
        self._go.release()

    def wait(self):
        self._done.acquire()
        error, self._error = self._error, None
        return error


class _Pool:
    def __init__(self, size=None):
        self.size = size or _configured()
        self._workers = []
        self._busy = threading.Lock()

    def run(self, tasks):
        """Run every task (a callable of no arguments) and return when all are done; at
        most ``self.size`` at a time. An exception in a task is raised here."""
        size = self.size        # read once: set_threads may run meanwhile (from a task, too)
        if len(tasks) < 2 or size < 2 or not self._busy.acquire(blocking=False):
            for task in tasks:
                task()
            return
        finished = False
        try:
            while len(self._workers) < size - 1:
                self._workers.append(_Worker())
            errstate = np.geterr()
            first = None
            for start in range(0, len(tasks), size):
                batch = tasks[start:start + size]
                helpers = self._workers[:len(batch) - 1]
                for worker, task in zip(helpers, batch[1:]):
                    worker.give(task, errstate)
                try:
                    batch[0]()
                except BaseException as error:
                    first = first or error
                for worker in helpers:
                    error = worker.wait()
                    first = first or error
            finished = True
            if first is not None:
                raise first
        finally:
            if not finished:
                # interrupted while workers may still run (Ctrl-C in a wait): their late
                # "done" would end a later wait early, so they are never given work again
                self._workers = []
            self._busy.release()


    def on_workers(self, fn):
        """fn() once on each worker thread there is (for what a thread keeps of its own)."""
        with self._busy:
            errstate = np.geterr()
            for worker in self._workers:
                worker.give(fn, errstate)
            errors = [worker.wait() for worker in self._workers]
        first = next((e for e in errors if e is not None), None)
        if first is not None:
            raise first


_POOL = _Pool()


def _after_fork():
    global _POOL
    _POOL = _Pool(_POOL.size)   # a forked child has none of the parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)


def threads() -> int:
    """Threads a split uses (the caller included)."""
    return _POOL.size


def set_threads(n):
    """Use ``n`` threads (the caller included) from now on; returns the previous number."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_threads: n must be a positive int, got {n!r}")
    previous, _POOL.size = _POOL.size, n
    return previous


def run(tasks):
    """Run the tasks (callables of no arguments), on up to threads() threads."""
    _POOL.run(list(tasks))


def on_workers(fn):
    """Run fn() once on each kernel thread started so far (not the caller's)."""
    _POOL.on_workers(fn)


def spans(n, parts):
    """``parts`` (start, stop) ranges that cover range(n), in order, sizes differing by 1 at
    most (fewer when n < parts)."""
    parts = max(1, min(parts, n))
    edges = [n * i // parts for i in range(parts + 1)]
    return [(edges[i], edges[i + 1]) for i in range(parts)]
