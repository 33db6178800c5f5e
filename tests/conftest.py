"""Shared test settings: a hypothesis profile sized for CI (2 cores)."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Under CI (CI=true) the examples are derandomized: a landing must not depend on luck.
# Locally each run explores new examples.
settings.register_profile(
    "ci", max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "40")), deadline=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def declare():
    """Declare throw-away ops for one test; they are forgotten afterwards (op names are
    unique among the declared ops)."""
    from autograd import Op
    from autograd.core import forget
    made = []

    def make(*args, **kwargs):
        op = Op(*args, **kwargs)
        made.append(op)
        return op
    yield make
    for op in made:
        forget(op)


@pytest.fixture
def split_everything(monkeypatch):
    """The kernels share every blockwise pass over three threads (more tasks than workers,
    uneven runs of 7-element blocks), however small."""
    from autograd.kernels import gelu, parallel, relu, threads
    monkeypatch.setattr(parallel, "BLOCKWISE_MIN_NS", 0)
    monkeypatch.setattr(gelu, "BLOCK_BYTES", 56)          # 7 float64s, 14 float32s
    monkeypatch.setattr(relu, "BLOCK", 7)
    monkeypatch.setattr(relu, "MIN_SIZE", 7)
    previous = threads.set_threads(3)
    yield
    threads.set_threads(previous)


def pytest_collection_modifyitems(config, items):
    """Tests marked with_kernels check the kernels as attached to the lesson (which forward a
    Tensor operator takes, what a forward keeps); with CHAINRULE_KERNELS=off they skip. The
    kernels' numbers are still checked there, against the lesson, by tests that call them."""
    import autograd
    if autograd.KERNELS:
        return
    skip = pytest.mark.skip(reason="checks the kernels attached (CHAINRULE_KERNELS=off)")
    for item in items:
        if "with_kernels" in item.keywords:
            item.add_marker(skip)
