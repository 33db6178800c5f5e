"""autograd/kernels/mode.py: the shared "recording everywhere" flag fast forwards read
before the per-thread one. It is False exactly while some thread has recording off,
becomes True again once that thread switches back on or ends, and every thread's own
setting still decides what it records."""

from __future__ import annotations

import gc
import threading

import pytest

import autograd
from autograd import Tensor, Value
from autograd.kernels import mode

pytestmark = pytest.mark.with_kernels


def test_the_flag_follows_the_threads_switches():
    assert autograd.core.grad_mode._mode is mode.MODE
    with autograd.no_grad():
        assert not mode.MODE.everywhere and not mode.MODE.enabled
        assert (Value(2.0) * 3.0).is_leaf
    assert mode.MODE.enabled
    assert mode.MODE.everywhere
    assert not (Value(2.0) * 3.0).is_leaf


def test_a_thread_that_ends_with_recording_off_is_forgotten():
    done = threading.Event()

    def quiet():
        autograd.set_grad_enabled(False)          # and never back on
        done.set()
    worker = threading.Thread(target=quiet)
    worker.start()
    worker.join()
    assert done.is_set()
    del worker
    gc.collect()
    with autograd.no_grad():                     # a switch back on forgets ended threads
        pass
    assert mode.MODE.everywhere


def test_each_thread_records_by_its_own_setting_while_another_is_off():
    entered, release = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with autograd.no_grad():
            seen["tensor"] = (Tensor([1.0], requires_grad=True) * 2).requires_grad
            seen["relu"] = Tensor([1.0], requires_grad=True).relu().requires_grad
            entered.set()
            release.wait(5)
    worker = threading.Thread(target=quiet)
    worker.start()
    try:
        assert entered.wait(5)
        assert not mode.MODE.everywhere
        assert Tensor([1.0], requires_grad=True).relu().requires_grad
        assert not (Value(1.0) + 1.0).is_leaf
    finally:
        release.set()
        worker.join()
    assert seen == {"tensor": False, "relu": False}


def test_the_flag_stays_through_detach_and_sees_every_switch():
    """The mistakes lab detaches the kernels on every use: the shortcut must survive that,
    and a switch made while the other kernels are off must still be seen."""
    entered, release = threading.Event(), threading.Event()

    def quiet():
        with autograd.no_grad():
            entered.set()
            release.wait(5)
    autograd.kernels.detach()
    worker = threading.Thread(target=quiet)
    try:
        assert autograd.core.grad_mode._mode is mode.MODE
        worker.start()
        assert entered.wait(5)
        with autograd.no_grad():
            assert not autograd.is_grad_enabled()
    finally:
        autograd.kernels.attach()
    try:
        assert not mode.MODE.everywhere          # the worker is still off
        assert not (Value(1.0) + 1.0).is_leaf
    finally:
        release.set()
        worker.join()
    with autograd.no_grad():
        assert (Value(1.0) + 1.0).is_leaf
    assert mode.MODE.everywhere
    assert not (Value(1.0) + 1.0).is_leaf
