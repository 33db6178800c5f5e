"""autograd.losses: nll, cross entropy options, BCE, BCE with logits, mse reductions.

Checked by definition (numpy written here), gradcheck/gradgradcheck in float64 over
hypothesis shapes, and torch (float64 and float32) where installed.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, gradcheck, gradgradcheck
from autograd import functional as F


def leaf(a):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


def np_log_softmax(x, axis):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


shapes = st.sampled_from([(3, 4), (2, 3, 2), (1, 2), (2, 3, 2, 2)])


@settings(max_examples=15, deadline=None)
@given(shape=shapes, seed=st.integers(0, 2**16), reduction=st.sampled_from(["mean", "sum", "none"]),
       smoothing=st.sampled_from([0.0, 0.3]), weighted=st.booleans(), ignore=st.booleans())
def test_cross_entropy_options_gradcheck(shape, seed, reduction, smoothing, weighted, ignore):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    t = rng.integers(0, shape[1], size=(shape[0], *shape[2:]))
    if ignore:
        t.reshape(-1)[0] = -100
        t.reshape(-1)[-1] = 1           # at least one target counts
    w = rng.uniform(0.5, 2, size=shape[1]) if weighted else None

    def fn(z):
        return F.cross_entropy(z, t, weight=w, reduction=reduction, label_smoothing=smoothing)
    assert gradcheck(fn, [leaf(x)])
    assert gradgradcheck(fn, [leaf(x)])


def test_cross_entropy_matches_definition_with_every_option(rng):
    x = rng.normal(size=(5, 4))
    t = np.array([0, 3, -100, 1, 2])
    w = np.array([1.0, 2.0, 0.5, 3.0])
    s = 0.2
    logp = np_log_softmax(x, 1)
    keep = t != -100
    tk = t[keep]
    nll = -(w[tk] * logp[keep, tk]).sum() / w[tk].sum()
    smooth = -(logp[keep] * w).sum() / w[tk].sum()
    want = (1 - s) * nll + s / 4 * smooth
    got = F.cross_entropy(Tensor(x), t, weight=w, label_smoothing=s).item()
    assert got == pytest.approx(want, rel=1e-12)


def test_cross_entropy_probability_targets(rng):
    x = rng.normal(size=(3, 4))
    q = rng.dirichlet(np.ones(4), size=3)
    want = -(q * np_log_softmax(x, 1)).sum(axis=1).mean()
    assert F.cross_entropy(Tensor(x), q).item() == pytest.approx(want, rel=1e-12)
    assert gradcheck(lambda z: F.cross_entropy(z, q, label_smoothing=0.1), [leaf(x)])
    assert gradgradcheck(lambda z: F.cross_entropy(z, q, weight=np.arange(1.0, 5)), [leaf(x)])
    # one-hot probabilities give the index loss
    np.testing.assert_allclose(F.cross_entropy(Tensor(x), np.eye(4)[[0, 2, 1]]).item(),
                               F.cross_entropy(Tensor(x), [0, 2, 1]).item(), rtol=1e-12)


def test_unbatched_cross_entropy_and_nll(rng):
    x = rng.normal(size=4)
    assert F.cross_entropy(Tensor(x), 2).item() == pytest.approx(-np_log_softmax(x, 0)[2])
    assert F.nll_loss(Tensor(x), 1, reduction="none").shape == ()
    assert gradcheck(lambda z: F.cross_entropy(z, 3), [leaf(x)])


def test_nll_loss_is_minus_the_picked_log_probability(rng):
    logp = np_log_softmax(rng.normal(size=(4, 3, 2)), 1)
    t = rng.integers(0, 3, size=(4, 2))
    got = F.nll_loss(Tensor(logp), t, reduction="none").data
    want = -np.take_along_axis(logp, t[:, None], axis=1)[:, 0]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert gradgradcheck(lambda z: F.nll_loss(z, t, weight=[1.0, 2.0, 3.0]), [leaf(logp)])


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(3,), (2, 3), (2, 2, 2)]), seed=st.integers(0, 2**16),
       reduction=st.sampled_from(["mean", "sum", "none"]), weighted=st.booleans())
def test_bce_family_gradchecks(shape, seed, reduction, weighted):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.05, 0.95, size=shape)
    t = rng.uniform(0, 1, size=shape)
    w = rng.uniform(0.5, 2, size=shape[-1:]) if weighted else None
    x = rng.normal(scale=3, size=shape)
    for fn, a in ((lambda z: F.binary_cross_entropy(z, t, weight=w, reduction=reduction), p),
                  (lambda z: F.binary_cross_entropy_with_logits(z, t, weight=w, reduction=reduction,
                                                                pos_weight=w), x)):
        assert gradcheck(fn, [leaf(a)])
        assert gradgradcheck(fn, [leaf(a)])


def test_bce_with_logits_equals_bce_of_sigmoid_and_is_stable(rng):
    x = rng.normal(size=(3, 2))
    t = rng.uniform(size=(3, 2))
    s = 1 / (1 + np.exp(-x))
    want = -(t * np.log(s) + (1 - t) * np.log(1 - s)).mean()
    assert F.binary_cross_entropy_with_logits(Tensor(x), t).item() == pytest.approx(want, rel=1e-12)
    assert F.binary_cross_entropy(Tensor(s), t).item() == pytest.approx(want, rel=1e-12)
    # logits of +-1000 stay finite; the gradient is sigmoid(x) - t, also at x = 0
    z = leaf([1000.0, -1000.0, 0.0])
    loss = F.binary_cross_entropy_with_logits(z, [0.0, 1.0, 1.0], reduction="sum")
    assert loss.item() == pytest.approx(2000.0 + np.log(2))
    loss.backward()
    np.testing.assert_allclose(np.asarray(z.grad), [1.0, -1.0, -0.5], atol=1e-12)


def test_bce_clamps_log_at_minus_100_with_finite_gradient():
    p = leaf([0.0, 1.0, 0.5])
    loss = F.binary_cross_entropy(p, [1.0, 0.0, 1.0], reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)], rtol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(np.asarray(p.grad)))
    q = Tensor(np.array([0.0, 1.0], np.float32), requires_grad=True)
    np.testing.assert_array_equal(F.binary_cross_entropy(q, [1.0, 0.0], reduction="none").data, 100.0)


def test_mse_reductions(rng):
    p, t = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    np.testing.assert_allclose(F.mse_loss(Tensor(p), t, reduction="none").data, (p - t) ** 2)
    assert F.mse_loss(Tensor(p), t, reduction="sum").item() == pytest.approx(((p - t) ** 2).sum())
    assert gradgradcheck(lambda z: F.mse_loss(z, t, reduction="sum"), [leaf(p)])


def test_loss_modules_pass_their_options(rng):
    x = rng.normal(size=(4, 3))
    t = np.array([0, 2, 1, 2])
    w = np.array([1.0, 2.0, 3.0])
    assert nn.CrossEntropyLoss(weight=w, label_smoothing=0.1, reduction="sum")(Tensor(x), t).item() == \
        pytest.approx(F.cross_entropy(Tensor(x), t, weight=w, label_smoothing=0.1, reduction="sum").item())
    logp = F.log_softmax(Tensor(x))
    assert nn.NLLLoss(ignore_index=2)(logp, t).item() == \
        pytest.approx(F.nll_loss(logp, t, ignore_index=2).item())
    p = rng.uniform(0.1, 0.9, size=(4, 3))
    assert nn.BCELoss(reduction="sum")(Tensor(p), p).item() == \
        pytest.approx(F.binary_cross_entropy(Tensor(p), p, reduction="sum").item())
    assert nn.BCEWithLogitsLoss(pos_weight=w)(Tensor(x), p).item() == \
        pytest.approx(F.binary_cross_entropy_with_logits(Tensor(x), p, pos_weight=w).item())
    assert nn.MSELoss(reduction="none")(Tensor(x), p).shape == (4, 3)
    assert "reduction='sum'" in repr(nn.MSELoss(reduction="sum"))


def test_loss_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy: reduction must be one of"):
        F.cross_entropy(x, [0, 1], reduction="avg")
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have shape \(3,\), got \(2,\)"):
        F.cross_entropy(x, [0, 1], weight=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\], got 1.5"):
        F.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match=r"nll_loss: targets must have shape \(2,\), got \(3,\)"):
        F.nll_loss(x, [0, 1, 2])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 3\), got values from -1 to 1"):
        F.nll_loss(x, [-1, 1])
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must be probabilities in \[0, 1\]"):
        F.binary_cross_entropy(Tensor([1.5, 0.5]), [1.0, 0.0])
    with pytest.raises(ValueError, match=r"with_logits: input \(2,\) and target \(3,\) differ in shape"):
        F.binary_cross_entropy_with_logits(Tensor([1.5, 0.5]), [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"mse_loss: reduction must be one of"):
        F.mse_loss(x, np.zeros((2, 3)), reduction=None)


# ---------------------------------------------------------------- torch, where installed

@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_losses_match_torch(dtype, rng):
    torch = pytest.importorskip("torch")
    tf = torch.nn.functional
    tol = 1e-10 if dtype == np.float64 else 1e-5
    x = rng.normal(size=(4, 3, 2)).astype(dtype)
    t = rng.integers(0, 3, size=(4, 2))
    t[0, 0] = -100
    w = rng.uniform(0.5, 2, size=3).astype(dtype)
    q = rng.dirichlet(np.ones(3), size=(4, 2)).transpose(0, 2, 1).astype(dtype)
    p = rng.uniform(0.05, 0.95, size=(4, 3)).astype(dtype)
    y = rng.uniform(size=(4, 3)).astype(dtype)
    cases = [
        (lambda f, a, r=r: f.cross_entropy(a, t, weight=w, label_smoothing=0.2, reduction=r), x)
        for r in ("mean", "sum", "none")
    ] + [
        (lambda f, a: f.cross_entropy(a, q, weight=w, label_smoothing=0.1), x),
        (lambda f, a: f.nll_loss(a, t, weight=w), x),
        (lambda f, a: f.binary_cross_entropy(a, y, weight=w), p),
        (lambda f, a: f.binary_cross_entropy_with_logits(a, y, pos_weight=w, reduction="sum"), p * 8 - 4),
        (lambda f, a: f.mse_loss(a, y, reduction="sum"), p),
    ]

    def to_torch(v):
        return torch.tensor(v) if isinstance(v, np.ndarray) else v

    for fn, a in cases:
        ours = leaf(a) if dtype == np.float64 else Tensor(a, requires_grad=True)
        out = fn(F, ours)
        out.backward(np.ones(out.shape, dtype))
        theirs = torch.tensor(a, requires_grad=True)

        class TF:
            def __getattr__(self, name):
                g = getattr(tf, name)
                return lambda *args, **kw: g(*[to_torch(v) for v in args],
                                             **{k: to_torch(v) for k, v in kw.items()})
        ref = fn(TF(), theirs)
        ref.backward(torch.ones_like(ref))
        assert out.dtype == dtype
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(np.asarray(ours.grad), theirs.grad.numpy(), rtol=tol, atol=tol)
