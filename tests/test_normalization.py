"""BatchNorm / LayerNorm: the lecture's graph of batch norm, gradchecks, running statistics,
train/eval, and torch (float64, float32) where installed."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from autograd import functional as F


def leaf(a):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


@settings(max_examples=12, deadline=None)
@given(shape=st.sampled_from([(3, 2), (2, 3, 4), (2, 2, 3, 2), (4, 1)]), seed=st.integers(0, 2**16))
def test_batch_and_layer_norm_gradchecks(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    c = shape[1]
    g, b = rng.normal(size=c), rng.normal(size=c)

    def bn(z, gamma, beta):
        return F.batch_norm(z, None, None, gamma, beta, training=True)

    def ln(z, gamma, beta):
        return F.layer_norm(z, shape[-1:], gamma, beta)
    lg, lb = rng.normal(size=shape[-1]), rng.normal(size=shape[-1])
    assert gradcheck(bn, [leaf(x), leaf(g), leaf(b)])
    assert gradgradcheck(bn, [leaf(x), leaf(g), leaf(b)], atol=1e-4)
    assert gradcheck(ln, [leaf(x), leaf(lg), leaf(lb)])
    assert gradgradcheck(ln, [leaf(x), leaf(lg), leaf(lb)], atol=1e-4)


def test_batch_norm_normalizes_each_channel(rng):
    x = rng.normal(3.0, 2.0, size=(8, 3, 4, 4))
    y = F.batch_norm(Tensor(x), training=True, eps=0.0).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-12)
    z = F.layer_norm(Tensor(x), (4, 4), eps=0.0).data
    np.testing.assert_allclose(z.mean(axis=(2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=(2, 3)), 1, rtol=1e-12)


def test_batch_norm_draws_as_the_lecture_graph():
    x = leaf(np.arange(6.0).reshape(3, 2))
    y = F.batch_norm(x, None, None, leaf([1.0, 2.0]), leaf([0.0, 1.0]), training=True)
    ops = [n.op for n in topological_order(y) if not n.is_leaf and n.op != "reshape"]  # gamma, beta
    assert ops == ["mean", "sub", "pow", "mean", "add", "pow", "div", "mul", "add"]
    assert [n.params.get("exponent") for n in topological_order(y) if n.op == "pow"] == [2, 0.5]


def test_running_statistics_momentum_and_eval(rng):
    bn = nn.BatchNorm2d(3, momentum=0.25, dtype=np.float64)
    x = rng.normal(2.0, 3.0, size=(4, 3, 2, 2))
    bn(Tensor(x))
    n = 4 * 2 * 2
    np.testing.assert_allclose(bn.running_mean, 0.25 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.75 + 0.25 * x.var(axis=(0, 2, 3)) * n / (n - 1),
                               rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    want = (x - bn.running_mean.reshape(1, 3, 1, 1)) / np.sqrt(bn.running_var.reshape(1, 3, 1, 1) + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).data, want, rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1                 # eval leaves the statistics alone
    cumulative = nn.BatchNorm1d(2, momentum=None, dtype=np.float64)
    a, b = rng.normal(size=(5, 2)), rng.normal(size=(5, 2))
    cumulative(Tensor(a))
    cumulative(Tensor(b))
    np.testing.assert_allclose(cumulative.running_mean, (a.mean(0) + b.mean(0)) / 2, rtol=1e-12)


def test_buffers_survive_npz_saving(rng, tmp_path):
    bn = nn.BatchNorm2d(2)
    bn(Tensor(rng.normal(size=(3, 2, 2, 2)).astype(np.float32)))
    bn.save(tmp_path / "bn.npz")
    other = nn.BatchNorm2d(2).load(tmp_path / "bn.npz")
    np.testing.assert_array_equal(other.running_mean, bn.running_mean)
    assert other.num_batches_tracked.dtype == np.int64 and int(other.num_batches_tracked) == 1
    other.to(np.float64)
    assert other.running_var.dtype == np.float64


def test_buffers_are_in_the_state_dict_and_load_back(rng):
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    model(Tensor(rng.normal(size=(6, 3)).astype(np.float32)))
    sd = model.state_dict()
    assert {"1.running_mean", "1.running_var", "1.num_batches_tracked"} <= set(sd)
    other = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    other.load_state_dict(sd)
    np.testing.assert_array_equal(other.state_dict()["1.running_var"], sd["1.running_var"])
    assert sd["1.running_var"].std() > 0                      # not the initial ones


def test_normalization_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input \(N, C, H, W\) with C=3, got"):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 4, 1, 1))))
    with pytest.raises(ValueError, match=r"batch_norm: training needs more than one value per channel"):
        nn.BatchNorm1d(3)(Tensor(np.zeros((1, 3))))
    with pytest.raises(ValueError, match=r"batch_norm: weight must have shape \(3,\), got \(2,\)"):
        F.batch_norm(Tensor(np.zeros((2, 3))), weight=np.ones(2), training=True)
    with pytest.raises(ValueError, match=r"layer_norm: input \(2, 3\) must end with normalized_shape \(4,\)"):
        F.layer_norm(Tensor(np.zeros((2, 3))), 4)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\] or None, got 2"):
        nn.BatchNorm1d(3, momentum=2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_normalization_layers_match_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    tol = 1e-9 if dtype == np.float64 else 2e-5
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    cases = [(nn.BatchNorm2d(3, momentum=0.3, dtype=dtype), torch.nn.BatchNorm2d(3, momentum=0.3, dtype=tdt),
              (4, 3, 5, 5)),
             (nn.BatchNorm1d(3, dtype=dtype), torch.nn.BatchNorm1d(3, dtype=tdt), (4, 3, 6)),
             (nn.LayerNorm((3, 4), dtype=dtype), torch.nn.LayerNorm((3, 4), dtype=tdt), (2, 3, 4))]
    for ours, theirs, shape in cases:
        with torch.no_grad():
            for p in theirs.parameters():
                p.copy_(torch.tensor(rng.normal(size=p.shape)))
        ours.load_state_dict(theirs.state_dict())
        for mode in ("train", "train", "eval"):
            ours.train(mode == "train")
            theirs.train(mode == "train")
            x = rng.normal(1.0, 2.0, size=shape).astype(dtype)
            up = rng.normal(size=shape).astype(dtype)
            a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            y, z = ours(a), theirs(b)
            y.backward(up)
            z.backward(torch.tensor(up))
            np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=tol, atol=tol)
            np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=tol, atol=10 * tol)
            for name, p in ours.named_parameters():
                np.testing.assert_allclose(np.asarray(p.grad), dict(theirs.named_parameters())[name].grad,
                                           rtol=tol, atol=10 * tol)
                p.grad = None
            theirs.zero_grad()
            for name, buf in theirs.named_buffers():
                np.testing.assert_allclose(getattr(ours, name), buf.numpy(), rtol=tol, atol=tol)
