"""The kernel threads' pool (autograd/kernels/threads.py) under the things a program does
to it: changing the thread count while a split runs, forking, an interrupt while it waits,
clearing scratch buffers, numpy's error settings."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from autograd.kernels import memory, threads

# the fork tests fork a process with threads on purpose (Python 3.12 warns that it may deadlock)
FORK_WARNING = pytest.mark.filterwarnings("ignore:.*fork.*:DeprecationWarning")


@pytest.fixture
def three_threads():
    previous = threads.set_threads(3)
    yield
    threads.set_threads(previous)


def test_changing_the_thread_count_during_a_split_runs_every_task(three_threads):
    threads.set_threads(4)
    seen, lock = [], threading.Lock()

    def task(k):
        def run():
            if k == 0:
                threads.set_threads(2)      # from inside the split
            with lock:
                seen.append(k)
        return run
    threads.run([task(k) for k in range(8)])
    assert sorted(seen) == list(range(8))


@FORK_WARNING
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_keeps_the_thread_count(three_threads):
    threads.set_threads(1)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                    # the child
        try:
            os.write(write, str(threads.threads()).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as f:
        assert f.read() == "1"


def test_an_interrupt_while_waiting_leaves_no_worker_behind_to_end_a_later_wait(
        three_threads, monkeypatch):
    threads.run([lambda: None, lambda: None])       # the workers exist
    wait = threads._Worker.wait

    def interrupted(self):
        monkeypatch.setattr(threads._Worker, "wait", wait)
        raise KeyboardInterrupt
    monkeypatch.setattr(threads._Worker, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        threads.run([lambda: None, lambda: time.sleep(0.3)])
    done = []
    threads.run([lambda: None, lambda: done.append(True)])
    assert done == [True]           # this split's task, not the interrupted one, was waited for


def test_clear_scratch_clears_the_kernel_threads_buffers_too(three_threads):
    threads.run([lambda: None, lambda: None, lambda: None])     # start the workers
    held = []

    def take():
        held.append(memory.scratch("test.pool", (4,), np.float64))
    threads.on_workers(take)
    assert held
    again = []
    threads.on_workers(lambda: again.append(memory.scratch("test.pool", (4,), np.float64)))
    assert {id(a) for a in again} == {id(a) for a in held}         # kept per worker
    memory.clear_scratch()
    fresh = []
    threads.on_workers(lambda: fresh.append(memory.scratch("test.pool", (4,), np.float64)))
    assert not {id(a) for a in fresh} & {id(a) for a in held}


def test_a_task_on_a_worker_runs_under_the_callers_error_settings(three_threads):
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        threads.run([lambda: None, lambda: np.divide(1.0, np.zeros(1))])
    with np.errstate(divide="ignore"):
        threads.run([lambda: None, lambda: np.divide(1.0, np.zeros(1))])


@pytest.mark.with_kernels
@FORK_WARNING
@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_child_forked_while_another_thread_switched_grad_mode_can_switch_it():
    """The other thread held grad mode's lock and had recording off: in the child it does
    not exist, so neither may block or turn off the shortcut."""
    import autograd
    from autograd.kernels import mode

    entered, release = threading.Event(), threading.Event()

    def other():
        with autograd.no_grad(), mode.MODE._lock:
            entered.set()
            release.wait(10)
    worker = threading.Thread(target=other)
    worker.start()
    try:
        assert entered.wait(5)
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:                                # the child
            try:
                with autograd.no_grad():
                    pass
                os.write(write, str(mode.MODE.everywhere).encode())
            finally:
                os._exit(0)
        os.close(write)
        for _ in range(100):
            if os.waitpid(pid, os.WNOHANG)[0]:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child blocked on grad mode's lock")
        with os.fdopen(read) as f:
            assert f.read() == "True"
    finally:
        release.set()
        worker.join()
