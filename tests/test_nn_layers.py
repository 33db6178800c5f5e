"""Layers against numpy/naive references, gradchecks in float64, torch comparisons (optional)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autograd import Tensor, gradcheck
from demos import naive_loops as NL


def _t(a, grad=True):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=grad)


# ---------------------------------------------------------------- naive references (loops)

def naive_pool(x, k, stride, reduce):
    """The lectures' pooling loops (demos/naive_loops.py)."""
    if reduce is np.max:
        return NL.max_pool2d_forward(x, k, stride)[0]
    return NL.avg_pool2d_forward(x, k, stride)


# ---------------------------------------------------------------- Linear

def test_linear_matches_numpy(rng):
    lin = nn.Linear(5, 3, dtype=np.float64)
    x = rng.normal(size=(4, 5))
    assert np.allclose(lin(Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data)
    assert np.allclose(nn.Linear(5, 3, bias=False)(Tensor(x)).shape, (4, 3))


def test_linear_gradcheck(rng):
    lin = nn.Linear(4, 3, dtype=np.float64)
    x = _t(rng.normal(size=(2, 4)))
    assert gradcheck(lambda x, w, b: lin(x), [x, lin.weight, lin.bias])


def test_linear_batches_over_leading_axes(rng):
    lin = nn.Linear(4, 2, dtype=np.float64)
    x = rng.normal(size=(3, 5, 4))
    assert np.allclose(lin(Tensor(x)).data, x @ lin.weight.data.T + lin.bias.data)


def test_linear_float32_in_float32_out(rng):
    lin = nn.Linear(4, 2)
    y = lin(Tensor(rng.normal(size=(3, 4)).astype(np.float32)))
    y.sum().backward()
    assert y.dtype == np.float32 and lin.weight.grad.dtype == np.float32


# ---------------------------------------------------------------- activations, flatten, dropout

@pytest.mark.parametrize("layer, ref", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.Tanh(), np.tanh),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
])
def test_activations(layer, ref, rng):
    x = rng.normal(size=(3, 4))
    assert np.allclose(layer(Tensor(x)).data, ref(x))
    assert gradcheck(lambda t: layer(t), [_t(x + 0.01)])


@given(st.lists(st.integers(1, 4), min_size=2, max_size=5))
def test_flatten_keeps_the_batch_axis(shape):
    x = Tensor(np.arange(np.prod(shape), dtype=np.float64).reshape(shape))
    y = nn.Flatten()(x)
    assert y.shape == (shape[0], int(np.prod(shape[1:])))
    assert np.array_equal(y.data.ravel(), x.data.ravel())


def test_flatten_dims_and_gradient():
    x = _t(np.ones((2, 3, 4, 5)))
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(0, -1)(x).shape == (120,)
    assert gradcheck(lambda t: nn.Flatten()(t) * np.arange(60.0), [_t(np.ones((2, 3, 4, 5)))])


def test_dropout_train_and_eval():
    d = nn.Dropout(0.25, rng=np.random.default_rng(0))
    x = _t(np.ones((200, 100)))
    y = d(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    assert np.allclose(y.data[kept], 1 / 0.75)
    y.sum().backward()
    assert np.allclose(np.asarray(x.grad), y.data)          # the gradient is the same mask
    d.eval()
    assert d(x) is x


# ---------------------------------------------------------------- Sequential, MLP

def test_sequential_indexing_and_naming():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[1], nn.ReLU) and isinstance(seq[-1], nn.Linear)
    assert isinstance(seq[:2], nn.Sequential) and len(seq[:2]) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    named = nn.Sequential(a=nn.ReLU(), b=nn.Tanh())
    assert named["b"] is named.b
    with pytest.raises(IndexError, match="Sequential: index 5 out of range for 3 layers"):
        seq[5]
    with pytest.raises(ValueError, match="duplicate layer name 'a'"):
        named.append(nn.ReLU(), "a")
    with pytest.raises(ValueError, match="layer name 'forward' would hide the method or attribute"):
        nn.Sequential(forward=nn.ReLU())


def test_sequential_forward_trace_records_every_layer(rng):
    seq = nn.Sequential(nn.Linear(2, 3, dtype=np.float64), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    out, trace = seq.forward_trace(Tensor(rng.normal(size=(4, 2))))
    assert [n for n, _ in trace] == ["0", "1.0", "1.1"]
    assert trace[-1][1] is out
    out.sum().backward()
    assert all(t.grad is not None and t.grad.shape == t.shape for _, t in trace)


def test_mlp_structure_and_activation():
    m = nn.MLP(784, [256, 128, 10])
    assert [type(x).__name__ for x in m] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert m.num_parameters() == 784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10
    assert isinstance(nn.MLP(2, [4, 1], activation="sigmoid")[1], nn.Sigmoid)
    assert isinstance(nn.MLP(2, [4, 1], activation=nn.Tanh)[1], nn.Tanh)


def test_mlp_gradcheck(rng):
    m = nn.MLP(3, [4, 2], activation="tanh", dtype=np.float64)
    x = _t(rng.normal(size=(5, 3)))
    assert gradcheck(lambda x, *ps: m(x), [x, *m.parameters()])


# ---------------------------------------------------------------- losses

def test_cross_entropy_loss_matches_formula(rng):
    logits = rng.normal(size=(6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])
    logp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert np.isclose(nn.CrossEntropyLoss()(Tensor(logits), t).item(), -logp[np.arange(6), t].mean())
    assert gradcheck(lambda z: nn.CrossEntropyLoss()(z, t), [_t(logits)])


def test_mse_loss(rng):
    a, b = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    assert np.isclose(nn.MSELoss()(Tensor(a), b).item(), ((a - b) ** 2).mean())
    with pytest.raises(ValueError, match=r"mse_loss: pred \(3, 2\) and target \(2, 3\)"):
        nn.MSELoss()(Tensor(a), b.T)


# ---------------------------------------------------------------- conv and pooling layers

def test_parameter_counts():
    assert nn.Conv2d(3, 10, 5, padding=2).num_parameters() == 760
    m, n, k = 8, 16, 3   # depthwise-separable: M K^2 (depthwise) + N M (pointwise)
    pair = nn.Sequential(nn.Conv2d(m, m, k, groups=m, bias=False), nn.Conv2d(m, n, 1, bias=False))
    assert pair.num_parameters() == n * m + m * k * k == 200
    assert nn.ConvTranspose2d(16, 6, 5).num_parameters() == 16 * 6 * 25 + 6
    assert nn.LeNet5().num_parameters() == 61_706


@pytest.mark.parametrize("stride, padding, dilation, groups", [(1, 0, 1, 1), (2, 1, 1, 1), (1, 2, 2, 1),
                                                              (1, 1, 1, 2)])
def test_conv2d_matches_naive_loops(stride, padding, dilation, groups, rng):
    conv = nn.Conv2d(4, 6, 3, stride=stride, padding=padding, dilation=dilation, groups=groups,
                     dtype=np.float64)
    x = rng.normal(size=(2, 4, 7, 6))
    ref = NL.conv2d_forward(x, conv.weight.data, conv.bias.data, stride, padding, dilation, groups)
    assert np.allclose(conv(Tensor(x)).data, ref)


def test_conv2d_gradcheck(rng):
    conv = nn.Conv2d(2, 3, 3, stride=2, padding=1, dtype=np.float64)
    x = _t(rng.normal(size=(2, 2, 5, 5)))
    assert gradcheck(lambda x, w, b: conv(x), [x, conv.weight, conv.bias])


@pytest.mark.parametrize("stride, padding, output_padding", [(1, 0, 0), (2, 1, 1), (3, 0, 2)])
def test_conv_transpose2d_matches_naive_stamping(stride, padding, output_padding, rng):
    layer = nn.ConvTranspose2d(3, 2, 3, stride=stride, padding=padding, output_padding=output_padding,
                               dtype=np.float64)
    x = rng.normal(size=(2, 3, 4, 5))
    ref = NL.conv_transpose2d_forward(x, layer.weight.data, layer.bias.data, stride, padding,
                                      output_padding)
    assert np.allclose(layer(Tensor(x)).data, ref)


def test_conv_transpose2d_gradcheck(rng):
    layer = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1, dtype=np.float64)
    x = _t(rng.normal(size=(1, 2, 3, 3)))
    assert gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])


@pytest.mark.parametrize("layer, reduce", [(nn.MaxPool2d(2), np.max), (nn.AvgPool2d(2), np.mean),
                                           (nn.MaxPool2d(3, stride=2), np.max),
                                           (nn.AvgPool2d(3, stride=1), np.mean)])
def test_pooling_matches_naive_loops(layer, reduce, rng):
    x = rng.normal(size=(2, 3, 7, 8))
    k, s = layer.kernel_size[0], layer.stride[0]
    assert np.allclose(layer(Tensor(x)).data, naive_pool(x, k, s, reduce))
    assert gradcheck(lambda t: layer(t), [_t(x)])


def test_depthwise_separable_shapes_and_gradcheck(rng):
    pair = nn.Sequential(nn.Conv2d(4, 4, 3, padding=1, groups=4, bias=False, dtype=np.float64),
                         nn.Conv2d(4, 6, 1, bias=False, dtype=np.float64))
    x = _t(rng.normal(size=(1, 4, 5, 5)))
    assert pair(x).shape == (1, 6, 5, 5)
    assert gradcheck(lambda x, *ps: pair(x), [x, *pair.parameters()])


@pytest.mark.parametrize("make", [
    lambda lib, dt: lib.Conv2d(4, 6, 3, stride=2, padding=1, groups=2, **dt),
    lambda lib, dt: lib.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, **dt),
    lambda lib, dt: lib.Conv2d(3, 5, (3, 2), dilation=2, **dt),
])
def test_conv_layers_match_torch(make, rng):
    torch = pytest.importorskip("torch")
    theirs = make(torch.nn, {"dtype": torch.float64})
    ours = make(nn, {"dtype": np.float64})
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(2, ours.in_channels, 9, 8))
    tx = torch.tensor(x, requires_grad=True)
    ty = theirs(tx)
    seed = rng.normal(size=tuple(ty.shape))
    ty.backward(torch.tensor(seed))
    xt = Tensor(x, requires_grad=True)
    y = ours(xt)
    y.backward(seed)
    assert np.allclose(y.data, ty.detach().numpy())
    assert np.allclose(np.asarray(xt.grad), tx.grad.numpy())
    for name, p in ours.named_parameters():
        assert np.allclose(np.asarray(p.grad), dict(theirs.named_parameters())[name].grad.numpy())


@given(n=st.integers(1, 2), c=st.integers(1, 3), o=st.integers(1, 3), h=st.integers(3, 7),
       w=st.integers(3, 7), k=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1),
       seed=st.integers(0, 99))
def test_conv2d_layer_property(n, c, o, h, w, k, stride, padding, seed):
    conv = nn.Conv2d(c, o, k, stride=stride, padding=padding, dtype=np.float64,
                     rng=np.random.default_rng(seed))
    x = np.random.default_rng(seed).normal(size=(n, c, h, w))
    y = conv(Tensor(x))
    assert y.shape == (n, o, (h + 2 * padding - k) // stride + 1, (w + 2 * padding - k) // stride + 1)
    assert np.allclose(y.data, NL.conv2d_forward(x, conv.weight.data, conv.bias.data, stride, padding))


@given(batch=st.lists(st.integers(1, 3), max_size=2), fin=st.integers(1, 6), fout=st.integers(1, 6),
       seed=st.integers(0, 99))
def test_linear_property(batch, fin, fout, seed):
    lin = nn.Linear(fin, fout, dtype=np.float64, rng=np.random.default_rng(seed))
    x = np.random.default_rng(seed + 1).normal(size=(*batch, fin))
    assert np.allclose(lin(Tensor(x)).data, np.einsum("...i,oi->...o", x, lin.weight.data) + lin.bias.data)
