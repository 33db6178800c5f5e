"""Neocognitron stages and the TDNN (demos/neocognitron.py)."""

import numpy as np
import pytest

import autograd
from autograd import Tensor
from demos import neocognitron as neo


def test_tdnn_gradcheck_and_layout():
    rng = np.random.default_rng(0)
    model = neo.TDNN(2, hidden=3, classes=2, k1=3, k2=2, dtype=np.float64, rng=rng)
    x = Tensor(rng.standard_normal((2, 2, 9)), requires_grad=True)
    inputs = [x, model.w1, model.b1, model.w2, model.b2]
    assert autograd.gradcheck(lambda x, *p: model(x), inputs)
    assert model(x).shape == (2, 2) and model.num_parameters() == 3 * 2 * 3 + 3 + 2 * 3 * 2 + 2
    with pytest.raises(ValueError, match=r"TDNN: expected input \(N, 2, T\)"):
        model(Tensor(np.zeros((2, 3, 9))))


def test_tdnn_is_a_conv2d_over_a_height_1_image():
    """The 1-D twin: conv1d over time equals conv2d on (N, C, 1, T) with (O, C, 1, k) filters."""
    from autograd import functional as F
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((2, 3, 11)), rng.standard_normal((4, 3, 5))
    np.testing.assert_allclose(F.conv1d(x, w).data, F.conv2d(x[:, :, None], w[:, :, None]).data[:, :, 0],
                               atol=1e-12)


def test_c_cells_tolerate_a_one_pixel_move_better_than_s_cells():
    x = np.zeros((1, 1, 16, 16))
    x[0, 0, 4:12, 7] = 1.0                                       # a vertical bar
    s, c = neo.s_and_c_cells(x)
    assert s.shape == (1, 8, 16, 16) and c.shape == (1, 8, 8, 8) and s.min() >= 0
    ds, dc = neo.shift_tolerance(x, np.random.default_rng(0))
    assert dc < ds


def test_demo_quick():
    r = neo.main(["--quick"], log=lambda *a: None)
    assert r["c4_change"] < r["c_change"] < r["s_change"]     # wider C-cells tolerate more
    assert r["tdnn_accuracy"] > 0.85                             # chance is 0.5
    assert r["time_spread"] < 1e-6                               # found wherever it starts
