"""Issue 16 item 6 and the engine bugs found alongside: inputs that used to crash or lie
either work like torch or raise one clear error."""

import os

import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd import functional as F
from autograd.kernels.memory import memory_order, scratch


def test_max_pool_window_wholly_in_the_padding_gets_zero_gradient_every_time():
    # torch: output -inf, gradient 0 (the window's max is a padding element)
    for _ in range(3):
        full = (1, 1, 3, 3)        # the padded input the backward scatters into
        scratch("window_scatter2d", full, np.float64, order=memory_order(np.ones(full))).fill(np.nan)
        x = Tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
        y = F.max_pool2d(x, 2, stride=3, padding=1, dilation=2)
        assert y.data.ravel().tolist() == [-np.inf]
        y.sum().backward()
        assert x.grad.data.ravel().tolist() == [0.0]


def test_nn_save_does_not_follow_a_link(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "model.npz"
    os.symlink(target, link)
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="symbolic link"):
        nn.save(model, link)
    assert target.read_text() == "keep me"
    nn.save(model, tmp_path / "ok.npz")
    loaded = nn.load(tmp_path / "ok.npz")
    np.testing.assert_array_equal(loaded["weight"], model.weight.data)
