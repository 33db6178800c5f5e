"""autograd/kernels/positions.py: conv2d and its input gradient by output positions (one
small product per position, rows shared over the kernel threads) against the lesson's
reference forwards (autograd/ops/conv.py): float64 to rounding, every stride, padding and
dilation, batch-last and plain inputs, and the same numbers split over threads."""

from __future__ import annotations

import numpy as np
import pytest

from autograd import Tensor
from autograd import functional as F
from autograd.kernels import conv, parallel, positions, threads
from autograd.ops import conv as lesson


@pytest.fixture(autouse=True)
def by_positions(monkeypatch):
    """Every conv here small enough for a test still goes by positions, on two threads."""
    monkeypatch.setattr(parallel, "PARALLEL_WORK", 1)
    previous = threads.set_threads(2)
    yield
    threads.set_threads(previous)


CASES = [  # (x shape, w shape, stride, padding, dilation)
    ((16, 8, 9, 9), (32, 8, 3, 3), (1, 1), (1, 1), (1, 1)),
    ((16, 8, 10, 9), (32, 8, 3, 3), (2, 1), (0, 1), (1, 1)),
    ((20, 6, 11, 11), (16, 6, 5, 5), (1, 1), (0, 0), (1, 1)),
    ((16, 8, 12, 12), (32, 8, 3, 3), (1, 1), (2, 2), (2, 2)),
    ((16, 8, 9, 9), (48, 8, 3, 2), (1, 1), (2, 0), (1, 1)),
]


def lesson_grads(x, w, g, stride, padding, dilation):
    size = x.shape[-2:]
    out = g.shape[-2:]
    extra = tuple(n + 2 * p - d * (k - 1) - 1 - (o - 1) * s for n, p, d, k, o, s in
                  zip(size, padding, dilation, w.shape[-2:], out, stride))
    dx = lesson.conv_transpose2d_forward(g, w, stride, padding, extra, 1, dilation) if stride == (1, 1) \
        else None
    dw = lesson.conv2d_weight_forward(x, g, w.shape[-2:], stride, padding, dilation, 1)
    return dx, dw


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("batch_last", [False, True])
def test_conv_by_positions_is_the_lessons_conv(case, batch_last, rng):
    xs, ws, stride, padding, dilation = case
    x, w = rng.normal(size=xs), rng.normal(size=ws)
    if batch_last:
        x = np.ascontiguousarray(x.transpose(1, 2, 3, 0)).transpose(3, 0, 1, 2)
    assert positions.fits(xs[0], ws[0], ws[1] * ws[2] * ws[3], 81)
    out = lesson.out_size("conv2d", xs[2:], ws[2:], stride, padding, dilation)
    y = conv.conv2d(x, w, stride, padding, dilation, 1, out)
    want = lesson.conv2d_forward(x, w, stride, padding, dilation, 1)
    np.testing.assert_allclose(y, want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    g = rng.normal(size=want.shape)
    y, saved = conv.conv2d(x, w, stride, padding, dilation, 1, out, keep=True)
    dx, dw = conv._joint([True, True], g, y, x, w, stride, padding, dilation, 1, saved=saved)
    want_dx, want_dw = lesson_grads(x, w, g, stride, padding, dilation)
    if want_dx is not None:
        np.testing.assert_allclose(dx, want_dx, rtol=1e-12, atol=1e-12 * np.abs(want_dx).max())
    np.testing.assert_allclose(dw, want_dw, rtol=1e-12, atol=1e-12 * np.abs(want_dw).max())


def test_float32_and_threads_give_the_one_thread_numbers(rng):
    x = rng.normal(size=(16, 8, 9, 9)).astype(np.float32)
    w = rng.normal(size=(32, 8, 3, 3)).astype(np.float32)
    xt = conv.batch_last(x, (1, 1), "test", fresh=True)
    g = rng.normal(size=(32, 9, 9, 16)).astype(np.float32)

    def both():
        y = positions.correlate_rows(xt, w.reshape(32, -1), (3, 3), (9, 9), (1, 1), (1, 1),
                                     np.empty((32, 9, 9, 16), np.float32))
        return y, positions.weight_rows(xt, g, (3, 3), (9, 9), (1, 1), (1, 1))
    threads.set_threads(1)
    one = both()
    threads.set_threads(3)
    split = both()
    assert split[0].dtype == np.float32
    np.testing.assert_array_equal(split[0], one[0])
    np.testing.assert_allclose(split[1], one[1], rtol=1e-5, atol=1e-4)   # sums split by rows
    want = lesson.conv2d_forward(x.astype(np.float64), w.astype(np.float64), (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(split[0].transpose(3, 0, 1, 2), want, rtol=1e-4, atol=1e-4)


def test_what_does_not_fit_takes_the_other_kernels(monkeypatch):
    assert not positions.fits(8, 32, 72, 100)     # a small batch
    assert not positions.fits(64, 6, 25, 784)     # LeNet's conv1: products too small
    assert not positions.fits(64, 512, 4608, 64)  # one product large enough for BLAS threads
    monkeypatch.setattr(parallel, "PARALLEL_WORK", 1 << 26)
    assert not positions.fits(64, 16, 150, 100)   # LeNet's conv2: too little work to share
    assert positions.fits(64, 32, 144, 1024)      # 16x32x32 -> 32@3x3: 302M multiply-adds
    threads.set_threads(1)
    assert not positions.fits(64, 32, 144, 1024)  # one thread: one large product does better
    assert positions.full_padding((3, 3), (3, 1), (1, 1)) is None


def test_a_layer_trains_the_same_through_positions(rng):
    """The layer's gradients through the kernels (positions for this batch) against the
    lesson's reference forwards, with a bias and a second conv on the first's output."""
    x = Tensor(rng.normal(size=(16, 8, 8, 8)), requires_grad=True)
    w1 = Tensor(rng.normal(size=(32, 8, 3, 3)) * 0.2, requires_grad=True)
    w2 = Tensor(rng.normal(size=(32, 32, 3, 3)) * 0.2, requires_grad=True)
    b = Tensor(rng.normal(size=32), requires_grad=True)
    h = F.conv2d(x, w1, b, padding=1).relu()
    y = F.conv2d(h, w2)
    y.backward(np.ones(y.shape))
    hd = np.maximum(lesson.conv2d_forward(x.data, w1.data, (1, 1), (1, 1), (1, 1), 1)
                    + b.data.reshape(1, -1, 1, 1), 0)
    np.testing.assert_allclose(h.data, hd, rtol=1e-12, atol=1e-12)
    g2 = np.ones(y.shape)
    dw2 = lesson.conv2d_weight_forward(hd, g2, (3, 3), (1, 1), (0, 0), (1, 1), 1)
    np.testing.assert_allclose(w2.grad.data, dw2, rtol=1e-11)
