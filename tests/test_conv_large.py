"""Conv and pooling at LeNet sizes, where the kernels take their fast paths: GEMMs cut into
one-thread pieces (tiny channel counts, long batch x positions), the forward's columns
reused by the weight gradient, max-pool's block scatter in any memory layout. Checked
against einsum over numpy's sliding windows (float64) and the naive pooling loops."""

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import functional as F
from autograd.kernels import conv as K
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
    assert K.piece_length(64, 600, 6400) == 0          # too wide for one-thread pieces: one GEMM
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
    assert y.is_leaf and y.saved is None and not y.requires_grad


@pytest.mark.with_kernels
def test_forward_keeps_columns_only_when_a_node_will_be_recorded(rng, monkeypatch):
    calls = []
    kernel = K.conv2d

    def spy(*args, keep=False):
        calls.append(keep)
        return kernel(*args, keep=keep)
    monkeypatch.setattr(K, "conv2d", spy)
    x, w = rng.standard_normal((2, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    assert autograd.is_grad_enabled()
    y = F.conv2d(Tensor(x), Tensor(w))                        # nothing requires grad
    assert calls == [False] and y.is_leaf and y.saved is None and autograd.is_grad_enabled()
    y = F.conv2d(Tensor(x), Tensor(w, requires_grad=True))
    assert calls == [False, True] and y.saved is not None


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


def general_reference(x, w, gy, stride, padding, dilation, groups):
    """y and dw of conv2d with any stride, padding, dilation and groups, by einsum over
    strided windows of the zero-padded input (float64)."""
    (sh, sw), (ph, pw), (dh, dw_) = stride, padding, dilation
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho, wo = gy.shape[-2:]
    n, c = x.shape[:2]
    s = xp.strides
    win = np.lib.stride_tricks.as_strided(        # n c i j a b
        xp, (n, c, kh, kw, ho, wo), (s[0], s[1], dh * s[2], dw_ * s[3], sh * s[2], sw * s[3]))
    win = win.reshape(n, groups, cg, kh, kw, ho, wo)
    wg = w.reshape(groups, o // groups, cg, kh, kw)
    y = np.einsum("ngcijab,gocij->ngoab", win, wg).reshape(n, o, ho, wo)
    gyg = gy.reshape(n, groups, o // groups, ho, wo)
    dw = np.einsum("ngcijab,ngoab->gocij", win, gyg).reshape(w.shape)
    return y, dw


@pytest.mark.parametrize("shape, o, kernel, stride, padding, dilation, groups", [
    ((5, 4, 13, 11), 6, (3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((3, 6, 15, 9), 4, (3, 2), (2, 1), (2, 0), (1, 2), 2),
    ((4, 3, 12, 12), 3, (5, 3), (3, 2), (0, 1), (2, 1), 3),
    ((2, 4, 9, 17), 8, (2, 4), (1, 3), (3, 2), (3, 1), 4),
])
def test_banded_columns_match_einsum(rng, monkeypatch, shape, o, kernel, stride, padding,
                                     dilation, groups):
    """With BLAS on one thread, columns too large to keep are built a band of output rows
    at a time (forward and weight gradient). Tiny limits force many bands, with a last
    band shorter than the others, over odd sizes, strides, dilation, groups and padding."""
    monkeypatch.setattr(K, "BANDED", True)
    monkeypatch.setattr(K, "KEEP_LIMIT", 0)
    monkeypatch.setattr(K, "BAND_BYTES", 1)            # one output row per band
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    w = Tensor(rng.standard_normal((o, shape[1] // groups, *kernel)), requires_grad=True)
    conv = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    y = F.conv2d(x, w, **conv)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    ry, rdw = general_reference(x.data, w.data, gy, stride, padding, dilation, groups)
    np.testing.assert_allclose(y.data, ry, atol=1e-10)
    np.testing.assert_allclose(np.asarray(w.grad), rdw, atol=1e-9)
    row_bytes = shape[1] * kernel[0] * kernel[1] * y.shape[3] * shape[0] * 8
    monkeypatch.setattr(K, "BAND_BYTES", 2 * row_bytes)    # bands of 2 rows, a short last one
    assert K.bands(kernel, y.shape[2:], shape[0], shape[1], 8) == 2
    np.testing.assert_allclose(F.conv2d(x, w, **conv).data, ry, atol=1e-10)
    np.testing.assert_allclose(F.conv2d_weight(x, gy, kernel, **conv).data, rdw, atol=1e-9)


def test_banded_float32_stays_float32_and_output_is_fresh(rng, monkeypatch):
    monkeypatch.setattr(K, "BANDED", True)
    monkeypatch.setattr(K, "KEEP_LIMIT", 0)
    monkeypatch.setattr(K, "BAND_BYTES", 1)
    x = rng.standard_normal((4, 3, 8, 8)).astype(np.float32)
    w = rng.standard_normal((5, 3, 3, 3)).astype(np.float32)
    y1 = F.conv2d(x, w, padding=1).data
    y2 = F.conv2d(2 * x, w, padding=1).data
    assert y1.dtype == np.float32 and not np.shares_memory(y1, y2)
    ry, _ = general_reference(x.astype(np.float64), w.astype(np.float64), np.zeros((4, 5, 8, 8)),
                              (1, 1), (1, 1), (1, 1), 1)
    np.testing.assert_allclose(y1, ry, atol=1e-4)
    dw = F.conv2d_weight(x, np.ones((4, 5, 8, 8), np.float32), 3, padding=1).data
    assert dw.dtype == np.float32


@pytest.mark.parametrize("shape, cout, kernel, padding, dilation, groups", [
    ((3, 6, 11, 9), 4, (3, 3), (1, 1), (1, 1), 1),
    ((2, 4, 7, 13), 6, (3, 2), (0, 1), (2, 1), 2),
    ((4, 6, 9, 8), 3, (2, 4), (1, 0), (1, 2), 3),
])
def test_banded_transposed_conv_matches_the_naive_loops(rng, monkeypatch, shape, cout, kernel,
                                                        padding, dilation, groups):
    """The stride-1 transposed conv (conv2d's input gradient) a band of input rows at a
    time: bands of 1 and of 2 rows (the last one shorter) give the lecture's stamping loops."""
    monkeypatch.setattr(K, "BANDED", True)
    monkeypatch.setattr(K, "KEEP_LIMIT", 0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((shape[1], cout // groups, *kernel))
    conv = {"padding": padding, "dilation": dilation, "groups": groups}
    expected = NL.conv_transpose2d_forward(x, w, **conv)
    per_row = shape[1] * kernel[1] * (shape[3] + dilation[1] * (kernel[1] - 1)) * shape[0] * 8
    for band_bytes in (1, 2 * per_row):
        monkeypatch.setattr(K, "BAND_BYTES", band_bytes)
        np.testing.assert_allclose(F.conv_transpose2d(x, w, **conv).data, expected, atol=1e-10)
    xt = Tensor(x, requires_grad=True)          # and as conv2d's input gradient
    wc = rng.standard_normal((cout, shape[1] // groups, *kernel))
    y = F.conv2d(xt, wc, padding=padding, dilation=dilation, groups=groups)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    dx = NL.conv2d_backward(x, wc, gy, padding=padding, dilation=dilation, groups=groups)[0]
    np.testing.assert_allclose(np.asarray(xt.grad), dx, atol=1e-10)


@pytest.mark.parametrize("banded", [False, True])
@pytest.mark.parametrize("padding", [0, 2])
def test_large_forward_keeps_its_padded_input_for_the_weight_gradient(rng, monkeypatch, banded,
                                                                       padding):
    """Columns too large to keep: the forward keeps x's padded batch-last copy instead (a
    fresh array, not x's memory and not a scratch buffer), and the weight gradient reads it."""
    monkeypatch.setattr(K, "BANDED", banded)
    monkeypatch.setattr(K, "KEEP_LIMIT", 0)
    monkeypatch.setattr(K, "BAND_BYTES", 1)
    x = Tensor(rng.standard_normal((3, 4, 7, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((6, 2, 3, 2)), requires_grad=True)
    y = F.conv2d(x, w, padding=padding, groups=2)
    gy = rng.standard_normal(y.shape)
    y.backward(gy)
    ry, rdw = general_reference(x.data, w.data, gy, (1, 1), (padding, padding), (1, 1), 2)
    np.testing.assert_allclose(y.data, ry, atol=1e-10)
    np.testing.assert_allclose(np.asarray(w.grad), rdw, atol=1e-9)
    _, kept = K.conv2d(x.data, w.data, (1, 1), (padding, padding), (1, 1), 2, y.shape[2:], keep=True)
    assert set(kept) == {"padded"} and not np.shares_memory(kept["padded"], x.data)
    assert kept["padded"].shape == (4, 7 + 2 * padding, 6 + 2 * padding, 3)
