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
