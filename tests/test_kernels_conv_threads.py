"""Conv with its one-thread product pieces shared over the kernel threads (conv.py's
long_matmul, correlate and transposed conv, from parallel.PARALLEL_WORK multiply-adds on)
and its columns built in bands gives the numbers it gives on one thread in one product, to
rounding, across strides, padding, dilation and groups, through pooling and batch norm."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from autograd import functional as F
from autograd.kernels import conv, parallel, threads

CASES = [  # (x shape, w shape, stride, padding, dilation, groups)
    ((3, 4, 9, 9), (6, 4, 3, 3), 1, 1, 1, 1),
    ((2, 4, 11, 10), (6, 2, 3, 2), 2, (1, 0), 1, 2),
    ((4, 1, 12, 12), (6, 1, 5, 5), 1, 0, 1, 1),
    ((2, 3, 10, 10), (4, 3, 3, 3), 1, 2, 2, 1),
]


def step(x, w, b, stride, padding, dilation, groups, up_seed):
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    y = F.conv2d(xt, wt, bt, stride=stride, padding=padding, dilation=dilation, groups=groups)
    z = F.max_pool2d(y.relu(), 2, stride=1)
    z = F.batch_norm(z, training=True)
    up = np.random.default_rng(up_seed).normal(size=z.shape).astype(x.dtype)
    z.backward(up)
    return [z.data, xt.grad.data, wt.grad.data, bt.grad.data]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_shared_products_give_the_one_thread_numbers(case, dtype, monkeypatch):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=xs).astype(dtype), rng.normal(size=ws).astype(dtype)
    b = rng.normal(size=ws[0]).astype(dtype)
    previous = threads.set_threads(1)
    try:
        want = step(x, w, b, stride, padding, dilation, groups, 1)
        monkeypatch.setattr(conv, "KEEP_LIMIT", 0)            # bands of columns too
        monkeypatch.setattr(conv, "BAND_BYTES", 64)
        monkeypatch.setattr(parallel, "PARALLEL_WORK", 1)
        threads.set_threads(3)
        got = step(x, w, b, stride, padding, dilation, groups, 1)
    finally:
        threads.set_threads(previous)
    rtol = 1e-5 if dtype == np.float32 else 1e-12     # bands and summed pieces: to rounding
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol * np.abs(e).max())
