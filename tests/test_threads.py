"""Threads: grad mode is per thread (like torch), and kernels never share scratch buffers."""

import threading

import numpy as np

import autograd
from autograd import Tensor, Value
from autograd import functional as F
from autograd.kernels import memory
from demos import naive_loops as NL


def test_no_grad_in_one_thread_does_not_stop_another_from_recording():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def quiet_worker():
        with autograd.no_grad():
            seen["worker records"] = (Tensor([1.0], requires_grad=True) * 2).requires_grad
            entered.set()
            release.wait(5)

    worker = threading.Thread(target=quiet_worker)
    worker.start()
    try:
        assert entered.wait(5)
        x = Tensor([3.0, 4.0], requires_grad=True)
        y = (x * x).sum()
        assert autograd.is_grad_enabled()
        y.backward()
        np.testing.assert_allclose(x.grad.data, [6.0, 8.0])
    finally:
        release.set()
        worker.join()
    assert seen["worker records"] is False


def test_values_follow_their_own_threads_grad_mode_while_another_thread_is_in_no_grad():
    # Value's forward reads a shared "recording in every thread" flag first; once one thread
    # turns recording off, each thread's own setting decides again
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def quiet_worker():
        with autograd.no_grad():
            seen["worker"] = (Value(2.0) * Value(3.0)).is_leaf
            entered.set()
            release.wait(5)
        seen["worker after"] = (Value(2.0) * Value(3.0)).is_leaf

    worker = threading.Thread(target=quiet_worker)
    worker.start()
    try:
        assert entered.wait(5)
        a, b = Value(2.0), Value(3.0)
        (a * b + a).backward()
        assert (a.grad, b.grad) == (4.0, 2.0)
    finally:
        release.set()
        worker.join()
    assert seen == {"worker": True, "worker after": False}
    assert not (Value(1.0) + 1.0).is_leaf


def test_a_backward_pass_in_one_thread_leaves_another_thread_recording():
    # a backward pass turns recording off for its rules; only in its own thread
    def backward_in_thread():
        x = Tensor(np.ones(3), requires_grad=True)
        (x * 2).sum().backward()
        seen.append(autograd.is_grad_enabled())

    seen = []
    with autograd.no_grad():
        thread = threading.Thread(target=backward_in_thread)
        thread.start()
        thread.join()
        assert not autograd.is_grad_enabled()
    assert seen == [True]
    assert autograd.is_grad_enabled()


def test_convs_running_at_once_in_two_threads_give_their_own_results():
    # both threads use the same shapes, so a shared scratch buffer (padded copy, columns)
    # would mix one thread's input into the other's output
    rng = np.random.default_rng(0)
    w = rng.standard_normal((6, 4, 3, 3))
    inputs = [rng.standard_normal((8, 4, 16, 16)) for _ in range(2)]
    expected = [NL.conv2d_forward(x, w, np.zeros(6), padding=1) for x in inputs]
    start = threading.Barrier(2)
    wrong = []

    def run(i):
        for _ in range(30):
            start.wait(5)
            with autograd.no_grad():
                y = F.conv2d(Tensor(inputs[i]), Tensor(w), padding=1).data
            if not np.allclose(y, expected[i]):
                wrong.append(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_each_thread_keeps_and_clears_its_own_scratch_buffers():
    mine = memory.scratch("test.buffer", (4,), np.float64)
    assert memory.scratch("test.buffer", (4,), np.float64) is mine     # reused
    theirs = []
    thread = threading.Thread(target=lambda: theirs.append(memory.scratch("test.buffer", (4,), np.float64)))
    thread.start()
    thread.join()
    assert theirs[0] is not mine
    memory.clear_scratch()
    assert memory.scratch("test.buffer", (4,), np.float64) is not mine


def test_a_thread_that_ends_with_grad_mode_off_leaves_recording_on_here():
    thread = threading.Thread(target=lambda: autograd.set_grad_enabled(False))
    thread.start()
    thread.join()
    del thread
    a = Value(2.0)
    assert (a * 3.0).op == "mul"


def test_set_grad_enabled_returns_the_previous_setting_and_no_grad_restores_it():
    assert autograd.set_grad_enabled(False) is True
    try:
        assert not autograd.is_grad_enabled() and (Value(1.0) * 2.0).is_leaf
        with autograd.no_grad():
            assert autograd.set_grad_enabled(True) is False      # on again inside the block
            assert not (Value(1.0) * 2.0).is_leaf
        assert not autograd.is_grad_enabled()                   # no_grad put back what it found
    finally:
        assert autograd.set_grad_enabled(True) is False
    assert autograd.is_grad_enabled() and not (Value(1.0) * 2.0).is_leaf
