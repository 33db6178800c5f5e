"""Small lecture examples that ran through the CLI but were not pinned: CMU's pooling windows
[3 1; 5 6] and friends, and the flip of [[1 .. 9]] inside the input gradient of a conv."""

import numpy as np
import pytest

from autograd import Tensor
from autograd import functional as F


@pytest.mark.parametrize("window, top", [([[3, 1], [5, 6]], 6), ([[3, 1], [4, 6]], 6), ([[1, 3], [6, 5]], 6)])
def test_max_pool_windows_route_to_the_winner(window, top):
    x = Tensor(np.array(window, float)[None, None], requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(np.ones((1, 1, 1, 1)))
    assert y.item() == top
    winner = np.zeros((2, 2))
    winner[np.unravel_index(np.argmax(window), (2, 2))] = 1.0
    np.testing.assert_array_equal(x.grad.data[0, 0], winner)


def test_mean_pool_of_3_1_5_6_sends_a_quarter_everywhere():
    x = Tensor(np.array([[3.0, 1.0], [5.0, 6.0]])[None, None], requires_grad=True)
    y = F.avg_pool2d(x, 2)
    y.backward(np.ones((1, 1, 1, 1)))
    assert y.item() == 3.75 == (3 + 1 + 5 + 6) / 4
    np.testing.assert_array_equal(x.grad.data[0, 0], np.full((2, 2), 0.25))


def test_the_flipped_filter_of_the_lecture_gives_the_input_gradient():
    w = np.arange(1.0, 10.0).reshape(3, 3)
    flipped = np.array([[9.0, 8, 7], [6, 5, 4], [3, 2, 1]])           # the slide's flip, by hand
    np.testing.assert_array_equal(Tensor(w).flip((-2, -1)).data, flipped)
    x = Tensor(np.random.default_rng(0).standard_normal((1, 1, 5, 5)), requires_grad=True)
    upstream = np.random.default_rng(1).standard_normal((1, 1, 3, 3))
    F.conv2d(x, w[None, None]).backward(upstream)
    # dE/dX = the upstream padded by K - 1 = 2, scanned by the flipped filter
    full = F.conv2d(np.pad(upstream, ((0, 0), (0, 0), (2, 2), (2, 2))), flipped[None, None]).data
    np.testing.assert_allclose(x.grad.data, full, atol=1e-12)
