"""Regression tests for issue 12's six bugs (A-F), the transpose decision, NaN routing in
the routers and the axis error type. Expected values are torch's (worked by hand here)."""

import math

import numpy as np
import pytest

import autograd
from autograd import Tensor, Value
from autograd import functional as F

NAN = float("nan")


def test_d_tuple_index_with_repeats_accumulates():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x[:, (0, 0)].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 0, 0], [2, 0, 0]])
    y = Tensor(np.arange(4.0), requires_grad=True)
    (y[(1, 1, 3),] * Tensor([1.0, 2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [0, 3, 0, 5])


def test_a_power_zero_has_zero_gradient_at_zero():
    x = Tensor([0.0, 2.0], requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    v = Value(0.0)
    (v ** 0).backward()
    assert v.grad == 0.0
    assert autograd.gradgradcheck(lambda t: (t ** 0 * t).sum(), [Tensor([0.0, 1.5], requires_grad=True)])


def test_b_zero_d_tensors_take_axis_minus_one():
    t = Tensor(2.0, requires_grad=True)
    assert t.sum(-1).item() == 2.0 and t.sum(0).item() == 2.0
    s = F.softmax(t)
    assert s.shape == () and s.item() == 1.0
    assert F.log_softmax(t, 0).item() == 0.0
    assert t.swapaxes(0, -1).item() == 2.0
    (F.softmax(t) * 3 + t.swapaxes(0, -1)).backward()
    assert t.grad.item() == 1.0          # softmax of one element is constant


def test_c_mean_over_an_empty_axis_is_nan_with_an_empty_gradient():
    x = Tensor(np.ones((2, 0, 3)), requires_grad=True)
    m = x.mean(axis=1)
    assert m.shape == (2, 3) and np.isnan(m.data).all()
    m.sum().backward()
    assert x.grad.shape == (2, 0, 3)


@pytest.mark.parametrize("loss", [
    lambda x: F.cross_entropy(x, np.zeros(0, dtype=np.int64)),
    lambda x: F.mse_loss(x, np.zeros((0, 3))),
    lambda x: x.mean(),
    lambda x: x.mean(axis=0).sum(),
])
def test_empty_batch_mean_is_nan_like_torch(loss):
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    out = loss(x)
    out.backward()
    assert x.grad.shape == (0, 3)
    if out.shape == ():
        assert math.isnan(out.item()) or out.item() == 0.0


def test_e_softmax_over_an_empty_axis_keeps_the_shape():
    for fn in (F.softmax, F.log_softmax):
        x = Tensor(np.ones((5, 0, 0)), requires_grad=True)
        y = fn(x, -1)
        assert y.shape == (5, 0, 0)
        y.sum().backward()
        assert x.grad.shape == (5, 0, 0)
    assert F.softmax(Tensor(np.ones((0, 4))), 1).shape == (0, 4)


def test_f_jacobian_of_a_tensor_that_does_not_require_grad():
    J = autograd.jacobian(lambda t: t.relu(), Tensor(np.array([1.0, -2.0])))
    np.testing.assert_array_equal(J, [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(autograd.jacobian(lambda t: Tensor([1.0, 2.0]), [3.0]), [[0.0], [0.0]])


def test_transpose_with_two_axes_on_2d_is_refused_where_numpy_and_torch_disagree():
    t = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(ValueError, match=r"transpose\(0, 1\) on a 2-d tensor is ambiguous.*\.T"):
        t.transpose(0, 1)
    with pytest.raises(ValueError, match="swapaxes"):
        Tensor(np.ones((2, 3, 4))).transpose(0, 1)
    assert t.transpose(1, 0).shape == (3, 2)          # both meanings agree: a swap
    assert t.transpose((0, 1)).shape == (2, 3)        # a tuple is numpy's permutation
    assert t.T.shape == t.swapaxes(0, 1).shape == t.permute(1, 0).shape == (3, 2)


def test_nan_wins_and_receives_the_gradient_in_relu_max_min():
    x = Tensor([NAN, -1.0, 2.0], requires_grad=True)
    y = x.relu()
    assert np.isnan(y.data[0])
    y.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 1.0])
    for method in ("maximum", "minimum"):
        a = Tensor([NAN, 1.0, 3.0], requires_grad=True)
        b = Tensor([1.0, NAN, 3.0], requires_grad=True)
        out = getattr(a, method)(b)
        assert np.isnan(out.data[:2]).all()
        out.backward(np.ones(3))
        # torch: each input gets the upstream unless it lost; a tie splits it in halves
        np.testing.assert_array_equal(a.grad.data, [1.0, 1.0, 0.5])
        np.testing.assert_array_equal(b.grad.data, [1.0, 1.0, 0.5])


def test_value_relu_and_max_propagate_nan():
    v = Value(NAN)
    r = v.relu()
    assert math.isnan(r.data)
    r.backward()
    assert v.grad == 1.0
    assert math.isnan(Value(1.0).max(NAN).data) and math.isnan(Value(NAN).max(1.0).data)
    assert math.isnan(Value(1.0).min(NAN).data)
    assert Value(-2.0).relu().data == 0.0 and Value(3.0).max(1.0).data == 3.0


def test_axis_out_of_range_is_an_index_error_and_a_value_error():
    t = Tensor(np.ones((2, 3)))
    calls = [lambda: t.sum(2), lambda: t.mean(-3), lambda: t.swapaxes(0, 5), lambda: F.softmax(t, 2),
             lambda: t.flip(3), lambda: t.unsqueeze(4), lambda: autograd.stack([t, t], axis=4)]
    for call in calls:
        with pytest.raises(IndexError, match="out of range") as info:
            call()
        assert isinstance(info.value, ValueError)
        assert isinstance(info.value, np.exceptions.AxisError)
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 5\)"):
        t + Tensor(np.ones((4, 5)))


def test_bug_repros_match_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[NAN, -1.0, 0.0], [2.0, 0.0, -3.0]])
    other = np.array([[1.0, NAN, 0.0], [2.0, 1.0, -4.0]])
    cases = [
        (lambda t, o: t.relu(), lambda t, o: t.relu()),
        (lambda t, o: t.maximum(o), lambda t, o: torch.maximum(t, o)),
        (lambda t, o: t.minimum(o), lambda t, o: torch.minimum(t, o)),
        (lambda t, o: t.clip(-1.0, 0.0), lambda t, o: t.clamp(-1.0, 0.0)),
        (lambda t, o: t ** 0, lambda t, o: t ** 0),
        (lambda t, o: t[:, (0, 0, 2)] * 2.0, lambda t, o: t[:, (0, 0, 2)] * 2.0),
        (lambda t, o: F.softmax(t[:, :0], -1), lambda t, o: torch.softmax(t[:, :0], -1)),
        (lambda t, o: t[:, :0].mean(axis=1), lambda t, o: t[:, :0].mean(dim=1)),
    ]
    for ours, theirs in cases:
        x, o = Tensor(data.copy(), requires_grad=True), Tensor(other.copy(), requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        to = torch.tensor(other, requires_grad=True)
        y, ty = ours(x, o), theirs(tx, to)
        np.testing.assert_array_equal(y.data, ty.detach().numpy())
        up = np.arange(1.0, y.data.size + 1).reshape(y.shape)
        y.backward(up)
        ty.backward(torch.tensor(up))
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
        if o.grad is not None:
            np.testing.assert_array_equal(o.grad.data, to.grad.numpy())
