"""Conv and pooling at LeNet sizes, where the kernels take their fast paths: GEMMs cut into
one-thread pieces (tiny channel counts, long batch x positions), the forward's columns
reused by the weight gradient, max-pool's block scatter in any memory layout. Checked
against einsum over numpy's sliding windows (float64) and the naive pooling loops."""

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import conv_kernels as K
from autograd import functional as F
from demos import naive_loops as NL


def reference(x, w, gy):
    """y, dx, dw of a stride-1, unpadded conv2d, by einsum over the windows of x."""
    kh, kw = w.shape[-2:]
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))   # n c a b i j
    y = np.einsum("ncabij,ocij->noab", win, w)
    dw = np.einsum("ncabij,noab->ocij", win, gy)
    dx = np.zeros_like(x)
    for i in range(kh):
        for j in range(kw):
            dx[:, :, i:i + gy.shape[2], j:j + gy.shape[3]] += np.einsum("noab,oc->ncab", gy, w[:, :, i, j])
    return y, dx, dw


@pytest.mark.parametrize("n, c, h, o", [(64, 1, 32, 6), (48, 3, 20, 4), (64, 6, 14, 16)])
def test_lenet_sized_conv_matches_einsum(rng, n, c, h, o):
    x = Tensor(rng.standard_normal((n, c, h, h)), requires_grad=True)
    w = Tensor(rng.standard_normal((o, c, 5, 5)), requires_grad=True)
    y = F.conv2d(x, w)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    ry, rdx, rdw = reference(x.data, w.data, gy)
    np.testing.assert_allclose(y.data, ry, atol=1e-10)
    np.testing.assert_allclose(np.asarray(x.grad), rdx, atol=1e-10)
    np.testing.assert_allclose(np.asarray(w.grad), rdw, atol=1e-9)


def test_pieces_divide_the_long_dimension_and_stay_one_thread_sized():
    for m, k, length in [(6, 25, 50176), (3, 9, 4096 * 7), (1, 1, 2**20)]:
        c = K.piece_length(m, k, length)
        assert c and length % c == 0 and c >= K.MIN_PIECE and m * k * c <= K.SINGLE_THREAD_WORK
    assert K.piece_length(16, 150, 6400) == 0          # too wide for one-thread pieces: one GEMM
    assert K.piece_length(6, 25, 65537) == 0           # prime: no piece length divides it


def test_long_matmul_and_correlate_match_numpy(rng):
    a = rng.standard_normal((2, 6, 25))
    b = rng.standard_normal((2, 25, 784 * 8))
    out = np.empty((2, 6, 784 * 8))
    np.testing.assert_allclose(K.long_matmul(a, b, out), a @ b, atol=1e-10)
    g = rng.standard_normal((2, 6, 784 * 8))
    np.testing.assert_allclose(K.correlate(g, b), g @ b.transpose(0, 2, 1), atol=1e-9)


def test_weight_gradient_uses_the_forward_inputs_columns(rng):
    """The columns kept by the forward are those of x at forward time, and the recorded
    (create_graph) backward rebuilds them: both agree with the reference."""
    x = Tensor(rng.standard_normal((8, 2, 9, 9)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 5, 5)), requires_grad=True)
    y = F.conv2d(x, w)
    gy = rng.standard_normal(y.shape)
    _, _, rdw = reference(x.data, w.data, gy)
    plain = autograd.grad(y, [w], grad_output=gy)[0]
    recorded = autograd.grad(y, [w], grad_output=Tensor(gy), create_graph=True)[0]
    np.testing.assert_allclose(np.asarray(plain.data), rdw, atol=1e-10)
    np.testing.assert_allclose(np.asarray(recorded.data), rdw, atol=1e-10)


def test_no_grad_forward_keeps_no_columns(rng):
    w = Tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    with autograd.no_grad():
        y = F.conv2d(rng.standard_normal((2, 2, 6, 6)), w)
    assert y._ctx is None and not y.requires_grad


@pytest.mark.parametrize("layout", ["NCHW", "NHWC", "CHWN"])
def test_max_pool_gradient_in_any_memory_layout(rng, layout):
    """The backward works in the pooled input's memory layout (blocks when N or C lies
    innermost, strided views otherwise); every layout routes like the lecture's loops."""
    logical = rng.standard_normal((5, 3, 8, 6))
    order = {"NCHW": (0, 1, 2, 3), "NHWC": (0, 2, 3, 1), "CHWN": (1, 2, 3, 0)}[layout]
    x_np = np.ascontiguousarray(logical.transpose(order)).transpose(np.argsort(order))
    x = Tensor(x_np, requires_grad=True)
    y = F.max_pool2d(x, 2)
    up = rng.standard_normal(y.shape)
    y.backward(up)
    ref, where = NL.max_pool2d_forward(logical, 2)
    np.testing.assert_array_equal(y.data, ref)
    np.testing.assert_allclose(np.asarray(x.grad), NL.max_pool2d_backward(up, x.shape, where), atol=1e-12)
