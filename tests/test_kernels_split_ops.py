"""Conv, pooling and batch norm with every pass split over the kernel threads give the
numbers they give on one thread, bit for bit (the splits cut channels or maps; each
element is computed by the same operations), across layouts, strides, padding, dilation
and groups; and the gradients match the lesson's."""

from __future__ import annotations

import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd import functional as F
from autograd.kernels import conv, parallel, reduce, threads

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
def test_split_passes_give_the_one_thread_numbers(case, dtype, monkeypatch):
    xs, ws, stride, padding, dilation, groups = case
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=xs).astype(dtype), rng.normal(size=ws).astype(dtype)
    b = rng.normal(size=ws[0]).astype(dtype)
    previous = threads.set_threads(1)
    try:
        want = step(x, w, b, stride, padding, dilation, groups, 1)
        monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
        monkeypatch.setattr(reduce, "_MIN_SIZE", 1)
        monkeypatch.setattr(conv, "KEEP_LIMIT", 0)            # bands of columns too
        monkeypatch.setattr(conv, "BAND_BYTES", 64)
        monkeypatch.setattr(conv, "PARALLEL_WORK", 1)
        threads.set_threads(3)
        got = step(x, w, b, stride, padding, dilation, groups, 1)
    finally:
        threads.set_threads(previous)
    rtol = 1e-5 if dtype == np.float32 else 1e-12     # bands and split sums: to rounding
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol * np.abs(e).max())


def test_split_pooling_is_bit_for_bit(monkeypatch, rng):
    x = rng.normal(size=(5, 3, 9, 8)).astype(np.float32)
    batch_last = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    for inp in (x, batch_last):
        for kernel, stride, padding in ((2, 2, 0), (3, 1, 1), (3, 2, 1)):
            previous = threads.set_threads(1)
            t = Tensor(inp, requires_grad=True)
            y = F.max_pool2d(t, kernel, stride, padding)
            up = np.arange(y.data.size, dtype=np.float32).reshape(y.shape)
            y.backward(up)
            want = (y.data.copy(), t.grad.data.copy())
            with monkeypatch.context() as m:
                m.setattr(parallel, "PARALLEL_MIN", 1)
                threads.set_threads(3)
                t = Tensor(inp, requires_grad=True)
                y = F.max_pool2d(t, kernel, stride, padding)
                y.backward(up)
            threads.set_threads(previous)
            np.testing.assert_array_equal(y.data, want[0])
            np.testing.assert_array_equal(t.grad.data, want[1])


def test_batchnorm_layer_split_matches_one_thread(monkeypatch, rng):
    x = rng.normal(size=(6, 4, 5, 5)).astype(np.float32)
    up = rng.normal(size=x.shape).astype(np.float32)

    def run():
        layer = nn.BatchNorm2d(4)
        t = Tensor(x, requires_grad=True)
        y = layer(t)
        y.backward(up)
        return y.data, t.grad.data, layer.weight.grad.data, layer.running_var.copy()
    previous = threads.set_threads(1)
    want = run()
    monkeypatch.setattr(parallel, "PARALLEL_MIN", 1)
    monkeypatch.setattr(reduce, "_MIN_SIZE", 1)
    threads.set_threads(3)
    try:
        got = run()
    finally:
        threads.set_threads(previous)
    for a, e in zip(got, want):
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=1e-6)
