"""A strided pool is the stride-1 pool followed by downsampling: its recorded backward
(create_graph=True) upsamples the upstream first, like a strided conv's, with the same numbers
as the plain backward, and differentiates again."""

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from autograd import functional as F


def pool(mode, x, k, s, p, d):
    if mode == "max":
        return F.max_pool2d(x, k, stride=s, padding=p, dilation=d)
    return F.avg_pool2d(x, k, stride=s, padding=p)


@settings(max_examples=25)
@given(st.sampled_from(["max", "avg"]), st.integers(1, 3), st.integers(2, 3), st.integers(0, 1),
       st.integers(1, 2), st.tuples(st.integers(4, 7), st.integers(4, 7)), st.integers(0, 999))
def test_recorded_strided_pool_upsamples_first(mode, k, s, p, d, size, seed):
    d = d if mode == "max" else 1
    p = min(p, k // 2)            # torch's limit; a dilated window may lie wholly in the padding
    assume(min(size) + 2 * p >= d * (k - 1) + 1)
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((2, 2, *size)), requires_grad=True)
    y = pool(mode, x, k, s, p, d)
    up = rng.standard_normal(y.shape)
    loss = (y * Tensor(up, requires_grad=True)).sum()   # an upstream the graph records
    recorded, = autograd.grad(loss, [x], create_graph=True)
    plain, = autograd.grad(pool(mode, x, k, s, p, d), [x], grad_output=up)
    np.testing.assert_allclose(recorded.data, plain.data, atol=1e-12)
    assert recorded.op == ("window_scatter2d" if mode == "max" else "conv_transpose2d")
    assert recorded.parents[0].op == "upsample2d"
    assert recorded.params["stride"] == (1, 1)


def test_strided_pools_differentiate_twice():
    rng = np.random.default_rng(3)
    for mode in ("max", "avg"):
        x = Tensor(rng.standard_normal((1, 2, 7, 6)), requires_grad=True)
        assert autograd.gradgradcheck(lambda t, m=mode: pool(m, t, 3, 2, 1, 1) ** 2, [x])
    x = Tensor(rng.standard_normal((1, 1, 7, 7)), requires_grad=True)
    assert autograd.gradgradcheck(lambda t: pool("max", t, 2, 2, 0, 2) ** 2, [x])
