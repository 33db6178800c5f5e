"""softmax, log_softmax, cross_entropy, mse_loss: naive references, stability, gradchecks."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd import Tensor, gradcheck, gradgradcheck
from autograd import functional as F


def naive_softmax(row):
    e = [np.exp(v) for v in row]
    return [v / sum(e) for v in e]


def leaf(a):
    return Tensor(np.array(a, dtype=np.float64), requires_grad=True)


@given(a=hnp.arrays(np.float64, st.sampled_from([(3,), (2, 3), (2, 1, 4)]),
                    elements=st.floats(-3, 3)), data=st.data())
def test_softmax_family_gradchecks_every_axis(a, data):
    axis = data.draw(st.integers(-a.ndim, a.ndim - 1))
    for fn in (F.softmax, F.log_softmax):
        assert gradcheck(lambda x, fn=fn: fn(x, axis=axis), [leaf(a)])
        assert gradgradcheck(lambda x, fn=fn: fn(x, axis=axis), [leaf(a)])


def test_softmax_matches_the_definition(rng):
    a = rng.normal(size=(4, 5))
    s = F.softmax(Tensor(a), axis=1).data
    np.testing.assert_allclose(s, [naive_softmax(row) for row in a], rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(Tensor(a)).data, np.log(s), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(Tensor(a), axis=0).data.sum(axis=0), 1.0)


def test_softmax_family_is_stable_for_huge_logits():
    x = Tensor([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], requires_grad=True)
    s = F.softmax(x).data
    ls = F.log_softmax(x).data
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(ls))
    np.testing.assert_allclose(s[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(ls[0], [0.0, -2000.0, -1000.0])
    np.testing.assert_allclose(s[1], [1 / 3] * 3)


def test_cross_entropy_matches_the_definition(rng):
    logits = rng.normal(size=(6, 4))
    t = np.array([0, 3, 1, 1, 2, 0])
    want = np.mean([-np.log(naive_softmax(row)[k]) for row, k in zip(logits, t)])
    assert F.cross_entropy(Tensor(logits), t).item() == pytest.approx(want, rel=1e-12)
    # its gradient is (softmax - onehot) / N, the lecture's formula
    x = leaf(logits)
    F.cross_entropy(x, t).backward()
    onehot = np.eye(4)[t]
    want_grad = (np.array([naive_softmax(r) for r in logits]) - onehot) / len(t)
    np.testing.assert_allclose(np.asarray(x.grad), want_grad, atol=1e-12)


@given(logits=hnp.arrays(np.float64, (3, 4), elements=st.floats(-4, 4)),
       t=st.lists(st.integers(0, 3), min_size=3, max_size=3))
def test_cross_entropy_gradchecks(logits, t):
    assert gradcheck(lambda x: F.cross_entropy(x, t), [leaf(logits)])
    assert gradgradcheck(lambda x: F.cross_entropy(x, t), [leaf(logits)])


def test_cross_entropy_is_finite_for_logits_of_1000():
    x = Tensor([[1000.0, -1000.0], [-1000.0, 1000.0], [1000.0, 1000.0]], requires_grad=True)
    loss = F.cross_entropy(x, [1, 1, 0])
    assert loss.item() == pytest.approx((2000.0 + 0.0 + np.log(2)) / 3)
    loss.backward()
    g = np.asarray(x.grad)
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, [[1 / 3, -1 / 3], [0, 0], [-1 / 6, 1 / 6]], atol=1e-12)


def test_cross_entropy_accepts_tensor_and_float_integer_targets():
    x = Tensor(np.zeros((2, 3)))
    assert F.cross_entropy(x, Tensor([0, 2])).item() == pytest.approx(np.log(3))
    assert F.cross_entropy(x, np.array([0.0, 2.0])).item() == pytest.approx(np.log(3))


def test_cross_entropy_errors():
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"unbatched logits of shape \(3,\) takes one class index"):
        F.cross_entropy(Tensor(np.zeros(3)), [0])
    with pytest.raises(ValueError, match=r"targets must have shape \(2,\), got \(3,\)"):
        F.cross_entropy(x, [0, 1, 2])
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 3\), got values from 0 to 3"):
        F.cross_entropy(x, [0, 3])
    with pytest.raises(ValueError, match="integer class indices"):
        F.cross_entropy(x, [0.5, 1.0])


def test_mse_loss(rng):
    p, t = rng.normal(size=(3, 2)), rng.normal(size=(3, 2))
    assert F.mse_loss(Tensor(p), t).item() == pytest.approx(np.mean((p - t) ** 2))
    assert gradcheck(lambda x: F.mse_loss(x, t), [leaf(p)])
    assert gradgradcheck(lambda x: F.mse_loss(x, t), [leaf(p)])
    assert gradcheck(lambda x, y: F.mse_loss(x, y), [leaf(p), leaf(t)])
    with pytest.raises(ValueError, match=r"mse_loss: pred \(3, 2\) and target \(2, 3\) differ"):
        F.mse_loss(Tensor(p), t.T)


def test_softmax_axis_error():
    with pytest.raises(ValueError, match=r"softmax: axis 2 is out of range for shape \(2, 3\)"):
        F.softmax(Tensor(np.zeros((2, 3))), axis=2)


def test_float32_losses_stay_float32(rng):
    x = Tensor(rng.normal(size=(4, 3)).astype(np.float32), requires_grad=True)
    for loss in (F.cross_entropy(x, [0, 1, 2, 0]), F.mse_loss(x, np.zeros((4, 3), np.float32)),
                 F.softmax(x).sum(), F.log_softmax(x).sum()):
        assert loss.dtype == np.float32
        x.grad = None
        loss.backward()
        assert x.grad.dtype == np.float32
