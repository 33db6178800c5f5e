"""CNN layers built from existing primitives: pad, conv padding='same'/'valid', unbatched
inputs, max_pool2d indices and max_unpool2d, interpolate, adaptive average pooling, Conv1d,
Softmax/LogSoftmax, Dropout(p=1). gradcheck/gradgradcheck in float64 over hypothesis shapes,
definitions written here, torch (float64 and float32) where installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, gradcheck, gradgradcheck
from autograd import functional as F


def leaf(a):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def both_orders(fn, *arrays):
    assert gradcheck(fn, [leaf(a) for a in arrays])
    assert gradgradcheck(fn, [leaf(a) for a in arrays])


# ---------------------------------------------------------------- pad

def test_pad_only_the_right_as_in_the_lecture():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    np.testing.assert_array_equal(F.pad(Tensor(x), (0, 1)).data, [[1, 2, 3, 0], [4, 5, 6, 0]])
    np.testing.assert_array_equal(F.pad(Tensor(x), (1, 0, 0, 1), value=9.0).data,
                                  [[9, 1, 2, 3], [9, 4, 5, 6], [9, 9, 9, 9]])
    np.testing.assert_array_equal(F.pad(Tensor(x), (-1, 0)).data, [[2, 3], [5, 6]])


def test_reflect_pad_and_its_adder_backward():
    x = leaf([1.0, 2.0, 3.0, 4.0])
    y = F.pad(x.reshape(1, 1, 4), (2, 1), mode="reflect")
    np.testing.assert_array_equal(y.data.ravel(), [3, 2, 1, 2, 3, 4, 3])
    y.sum().backward()
    # each input counted once per copy: 2 and 3 appear twice
    np.testing.assert_array_equal(np.asarray(x.grad), [1, 2, 3, 1])
    np.testing.assert_array_equal(np.pad(np.arange(5.0), (3, 2), mode="symmetric")[0:0], [])
    for mode, np_mode in (("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")):
        a = np.random.default_rng(0).normal(size=(2, 3, 4, 5))
        np.testing.assert_array_equal(F.pad(Tensor(a), (1, 2, 3, 0), mode=mode).data,
                                      np.pad(a, ((0, 0), (0, 0), (3, 0), (1, 2)), mode=np_mode))


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 4), (1, 2, 3, 4)]), seed=st.integers(0, 2**16),
       mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]), data=st.data())
def test_pad_gradchecks(shape, seed, mode, data):
    a = np.random.default_rng(seed).normal(size=shape)
    n = min(shape[-1] - 1, 2)
    pad = (data.draw(st.integers(0, n)), data.draw(st.integers(0, n)))
    both_orders(lambda z: F.pad(z, pad, mode=mode, value=0.5), a)


# ---------------------------------------------------------------- conv options

def test_conv_same_keeps_the_size_and_valid_is_zero_padding(rng):
    x, w = rng.normal(size=(2, 3, 5, 6)), rng.normal(size=(4, 3, 2, 3))
    same = F.conv2d(Tensor(x), w, padding="same", dilation=(1, 2))
    assert same.shape == (2, 4, 5, 6)
    np.testing.assert_allclose(F.conv2d(Tensor(x), w, padding="valid").data, F.conv2d(Tensor(x), w).data)
    # even kernel: torch pads the extra row/col at the bottom/right
    want = F.conv2d(F.pad(Tensor(x), (2, 2, 0, 1)), w, dilation=(1, 2)).data
    np.testing.assert_allclose(same.data, want, rtol=1e-12)
    both_orders(lambda a, b: F.conv2d(a, b, padding="same"), x[:1, :, :3, :4], w)
    assert F.conv1d(Tensor(x[:, :, 0]), w[:, :, 0], padding="same").shape == (2, 4, 6)


@settings(max_examples=12, deadline=None)
@given(kh=st.integers(1, 4), kw=st.integers(1, 4), d=st.integers(1, 2), h=st.integers(1, 4),
       w=st.integers(1, 4), seed=st.integers(0, 99))
def test_same_padding_keeps_every_size_and_gradchecks(kh, kw, d, h, w, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.normal(size=(1, 2, h, w)), rng.normal(size=(2, 2, kh, kw))
    assert F.conv2d(Tensor(x), k, padding="same", dilation=d).shape == (1, 2, h, w)
    both_orders(lambda a, b: F.conv2d(a, b, padding="same", dilation=d), x, k)


def test_unbatched_conv_and_pool_are_the_batch_of_one(rng):
    x, w, b = rng.normal(size=(3, 5, 6)), rng.normal(size=(4, 3, 2, 2)), rng.normal(size=4)
    for fn in (lambda a: F.conv2d(a, w, b, padding=1),
               lambda a: F.conv_transpose2d(a, w.transpose(1, 0, 2, 3), stride=2),
               lambda a: F.max_pool2d(a, 2), lambda a: F.avg_pool2d(a, 3, 1, 1),
               lambda a: F.adaptive_avg_pool2d(a, (2, 3))):
        np.testing.assert_allclose(fn(Tensor(x)).data, fn(Tensor(x[None])).data[0], rtol=1e-12)
    np.testing.assert_allclose(F.conv1d(Tensor(x[:, 0]), w[:, :, 0]).data,
                               F.conv1d(Tensor(x[None, :, 0]), w[:, :, 0]).data[0])
    both_orders(lambda a: F.max_pool2d(a, 2, 1), x[:2, :3, :3])
    assert nn.Conv2d(3, 4, 3, padding="same", dtype=np.float64)(Tensor(x)).shape == (4, 5, 6)
    assert nn.MaxPool2d(2)(Tensor(x)).shape == (3, 2, 3)


# ---------------------------------------------------------------- indices and unpool

def test_pool_indices_and_unpool_round_trip(rng):
    x = rng.normal(size=(2, 3, 6, 7))
    y, idx = F.max_pool2d(Tensor(x), 2, return_indices=True)
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.reshape(2, 3, -1), axis=2),
                                  y.data.reshape(2, 3, -1))
    u = F.max_unpool2d(y, idx, 2, output_size=x.shape)
    assert u.shape == x.shape
    kept = u.data != 0
    np.testing.assert_array_equal(u.data[kept], x[kept])
    assert kept.sum() == y.data.size
    # the unpool is the router's scatter: its gradient gathers back at the indices
    both_orders(lambda a: F.max_unpool2d(a, idx, 2, output_size=(6, 7)), y.data)
    layer = nn.MaxPool2d(2, return_indices=True)
    out, ind = layer(Tensor(x))
    np.testing.assert_array_equal(nn.MaxUnpool2d(2)(out, ind, output_size=x.shape).data, u.data)


@settings(max_examples=12, deadline=None)
@given(k=st.integers(1, 3), s=st.integers(1, 3), p=st.integers(0, 1), h=st.integers(3, 6),
       w=st.integers(3, 6), ceil=st.booleans(), seed=st.integers(0, 99))
def test_unpool_puts_each_winner_back_and_gradchecks(k, s, p, h, w, ceil, seed):
    if 2 * p > k:
        return
    x = np.random.default_rng(seed).normal(size=(1, 2, h, w))
    y, idx = F.max_pool2d(Tensor(x), k, s, p, ceil_mode=ceil, return_indices=True)
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(1, 2, -1), idx.reshape(1, 2, -1), 2),
                                  y.data.reshape(1, 2, -1))
    u = F.max_unpool2d(y, idx, k, s, p, output_size=(h, w)).data.reshape(1, 2, -1)
    for c in range(2):                       # each winner's value, added once per window it won
        want = np.zeros(h * w)
        np.add.at(want, idx[0, c].ravel(), y.data[0, c].ravel())
        np.testing.assert_allclose(u[0, c], want)
    both_orders(lambda a: F.max_unpool2d(a, idx, k, s, p, output_size=(h, w)), y.data)


def test_unpool_errors(rng):
    y, idx = F.max_pool2d(Tensor(rng.normal(size=(1, 1, 4, 4))), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"max_unpool2d: indices do not lie in their windows"):
        F.max_unpool2d(y, idx[..., ::-1].copy(), 2)
    with pytest.raises(ValueError, match=r"max_unpool2d: indices must be integers of the input's shape"):
        F.max_unpool2d(y, idx[..., :1], 2)
    with pytest.raises(ValueError, match=r"output_size \(9, 4\) along H must lie between 2 and 6"):
        F.max_unpool2d(y, idx, 2, output_size=(9, 4))


# ---------------------------------------------------------------- interpolate

def test_nearest_upsampling_copies_and_its_backward_adds():
    x = leaf(np.arange(4.0).reshape(1, 1, 2, 2))
    y = F.interpolate(x, scale_factor=2)
    np.testing.assert_array_equal(y.data[0, 0], np.kron(np.arange(4.0).reshape(2, 2), np.ones((2, 2))))
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), 4.0)


def test_bilinear_align_corners_hits_the_corners_and_is_a_matmul():
    x = Tensor(np.array([[0.0, 3.0], [6.0, 9.0]]).reshape(1, 1, 2, 2), requires_grad=True)
    y = F.interpolate(x, size=(3, 4), mode="bilinear", align_corners=True)
    np.testing.assert_allclose(y.data[0, 0], [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]], atol=1e-12)
    assert y.op == "matmul"
    y.backward(np.ones(y.shape))
    np.testing.assert_allclose(np.asarray(x.grad).sum(), 12.0)          # weights sum to 1 per output


@settings(max_examples=12, deadline=None)
@given(h=st.integers(1, 4), w=st.integers(1, 4), ho=st.integers(1, 5), wo=st.integers(1, 5),
       mode=st.sampled_from(["nearest", "bilinear"]), corners=st.booleans(), seed=st.integers(0, 99))
def test_resizing_gradchecks(h, w, ho, wo, mode, corners, seed):
    a = np.random.default_rng(seed).normal(size=(1, 2, h, w))
    ac = corners if mode == "bilinear" else None
    both_orders(lambda z: F.interpolate(z, size=(ho, wo), mode=mode, align_corners=ac), a)
    both_orders(lambda z: F.adaptive_avg_pool2d(z, (ho, wo)), a)


def test_adaptive_avg_pool_windows():
    x = np.arange(5.0).reshape(1, 1, 1, 5)
    # windows [0,2), [1,4), [3,5): torch's floor/ceil rule
    np.testing.assert_allclose(F.adaptive_avg_pool2d(Tensor(x), (1, 3)).data.ravel(), [0.5, 2.0, 3.5])
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(Tensor(x)).data.ravel(), [2.0])


def test_resizing_errors():
    x = Tensor(np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match=r"interpolate: give exactly one of size and scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match=r"interpolate: mode 'linear' needs input \(N, C, L\), got shape"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match=r"interpolate: mode must be one of"):
        F.interpolate(x, scale_factor=2, mode="cubic")
    with pytest.raises(ValueError, match=r"adaptive_avg_pool2d: output_size must be a positive int"):
        F.adaptive_avg_pool2d(x, 0)
    with pytest.raises(ValueError, match=r"pad: reflect padding \(2, 0\) of axis 3 must be at most 1"):
        F.pad(x, (2, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"pad: pad must be an even-length tuple of ints"):
        F.pad(x, (1,))
    with pytest.raises(ValueError, match=r"conv2d: padding='same' needs stride 1"):
        F.conv2d(x, np.zeros((1, 1, 1, 1)), stride=2, padding="same")
    with pytest.raises(ValueError, match=r"Conv2d: padding must be an int, a pair, 'valid' or 'same'"):
        nn.Conv2d(1, 1, 3, padding="full")


# ---------------------------------------------------------------- small layers

def test_softmax_layers_and_dropout_one(rng):
    x = rng.normal(size=(3, 4))
    np.testing.assert_allclose(nn.Softmax(dim=0)(Tensor(x)).data.sum(axis=0), 1.0)
    np.testing.assert_allclose(nn.LogSoftmax(dim=1)(Tensor(x)).data, F.log_softmax(Tensor(x), 1).data)
    z = leaf(x)
    y = nn.Dropout(p=1.0)(z)
    np.testing.assert_array_equal(y.data, 0)
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(z.grad), 0)
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)


# ---------------------------------------------------------------- torch

@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compositions_match_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    tol = 1e-10 if dtype == np.float64 else 1e-5
    x = rng.normal(size=(2, 3, 5, 6)).astype(dtype)
    w = rng.normal(size=(4, 3, 2, 3)).astype(dtype)
    w1 = rng.normal(size=(4, 3, 4)).astype(dtype)
    cases = [
        (lambda f, a: f.pad(a, (1, 2, 0, 3), value=0.5), lambda f, a: f.pad(a, (1, 2, 0, 3), value=0.5)),
        (lambda f, a: f.pad(a, (1, 2, 3, 0), mode="reflect"),
         lambda f, a: f.pad(a, (1, 2, 3, 0), mode="reflect")),
        (lambda f, a: f.pad(a, (2, 1, 1, 2), mode="replicate"),
         lambda f, a: f.pad(a, (2, 1, 1, 2), mode="replicate")),
        (lambda f, a: f.pad(a, (2, 1, 1, 2), mode="circular"),
         lambda f, a: f.pad(a, (2, 1, 1, 2), mode="circular")),
        (lambda f, a: f.pad(a, (-1, 2, 1, -2), mode="reflect"),
         lambda f, a: f.pad(a, (-1, 2, 1, -2), mode="reflect")),
        (lambda f, a: f.pad(a, (-2, 7, 0, -1), mode="replicate"),
         lambda f, a: f.pad(a, (-2, 7, 0, -1), mode="replicate")),
        (lambda f, a: f.pad(a, (-1, 2, 1, -2), mode="circular"),
         lambda f, a: f.pad(a, (-1, 2, 1, -2), mode="circular")),
        (lambda f, a: f.pad(a, (-1, 2, 1, -2), value=-3.0),
         lambda f, a: f.pad(a, (-1, 2, 1, -2), value=-3.0)),
        (lambda f, a: f.conv2d(a, w, padding="same", dilation=2),
         lambda f, a: f.conv2d(a, torch.tensor(w), padding="same", dilation=2)),
        (lambda f, a: f.conv1d(a[:, :, 0], w1, padding="same"),
         lambda f, a: f.conv1d(a[:, :, 0], torch.tensor(w1), padding="same")),
        (lambda f, a: f.conv2d(a[0], w), lambda f, a: f.conv2d(a[0], torch.tensor(w))),
        (lambda f, a: f.max_pool2d(a[1], 2, 1), lambda f, a: f.max_pool2d(a[1], 2, 1)),
        (lambda f, a: f.interpolate(a, scale_factor=2), lambda f, a: f.interpolate(a, scale_factor=2)),
        (lambda f, a: f.interpolate(a, size=(7, 4)), lambda f, a: f.interpolate(a, size=(7, 4))),
        (lambda f, a: f.interpolate(a, scale_factor=1.5, mode="bilinear"),
         lambda f, a: f.interpolate(a, scale_factor=1.5, mode="bilinear")),
        (lambda f, a: f.interpolate(a, size=(3, 9), mode="bilinear", align_corners=True),
         lambda f, a: f.interpolate(a, size=(3, 9), mode="bilinear", align_corners=True)),
        (lambda f, a: f.interpolate(a[:, :, 0], size=8, mode="linear"),
         lambda f, a: f.interpolate(a[:, :, 0], size=8, mode="linear")),
        (lambda f, a: f.adaptive_avg_pool2d(a, (3, 4)), lambda f, a: f.adaptive_avg_pool2d(a, (3, 4))),
    ]
    for ours, theirs in cases:
        a = Tensor(x, requires_grad=True)
        t = torch.tensor(x, requires_grad=True)
        y, z = ours(F, a), theirs(tf, t)
        up = rng.normal(size=y.shape).astype(dtype)
        y.backward(up)
        z.backward(torch.tensor(up))
        np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(a.grad), t.grad.numpy(), rtol=tol, atol=10 * tol)
    # indices and unpooling
    # (windows that do not overlap: where they do, torch keeps one value and we add)
    y, idx = F.max_pool2d(Tensor(x), (2, 3), stride=(2, 3), padding=1, return_indices=True)
    ty, tidx = tf.max_pool2d(torch.tensor(x), (2, 3), stride=(2, 3), padding=1, return_indices=True)
    np.testing.assert_array_equal(idx, tidx.numpy())
    np.testing.assert_allclose(F.max_unpool2d(y, idx, (2, 3), (2, 3), 1, output_size=x.shape[-2:]).data,
                               tf.max_unpool2d(ty, tidx, (2, 3), (2, 3), 1, output_size=x.shape[-2:]).numpy())


def test_conv1d_layer_matches_torch(rng):
    torch = pytest.importorskip("torch")
    ours = nn.Conv1d(3, 4, 3, stride=2, padding=1, dtype=np.float64)
    theirs = torch.nn.Conv1d(3, 4, 3, stride=2, padding=1, dtype=torch.float64)
    ours.load_state_dict(theirs.state_dict())
    x = rng.normal(size=(2, 3, 9))
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)
    assert repr(ours) == "Conv1d(3, 4, kernel_size=3, stride=2, padding=1)"


def test_unpool_of_an_input_the_windows_did_not_tile_asks_for_output_size(rng):
    """A 5x5 input pooled 2x2 keeps flat indices into its 5-wide rows; unpooling into the
    default 4x4 would put values in the wrong places (torch does so silently): refused, and
    with output_size=(5, 5) each maximum goes back where it was."""
    x = rng.normal(size=(1, 2, 5, 5))
    y, idx = F.max_pool2d(Tensor(x), 2, return_indices=True)
    with pytest.raises(ValueError, match=r"indices do not lie in their windows .* output \(4, 4\)\): "
                                         r".* is output_size the pooled input's size\?$"):
        F.max_unpool2d(y, idx, 2)
    back = F.max_unpool2d(y, idx, 2, output_size=(5, 5)).data
    assert back.shape == x.shape
    kept = back != 0
    np.testing.assert_array_equal(back[kept], x[kept])
    assert kept.sum() == y.data.size
