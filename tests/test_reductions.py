"""prod, logsumexp, var/std, cumsum, argmax/argmin (issue 12): gradchecks of first and second
order over hypothesis shapes and axes, zeros in prod, stability, worked numbers, torch."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor


@st.composite
def array_and_axis(draw, zeros=False):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    x = draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2, width=64)))
    x = np.where(np.abs(x) < 0.2, 0.5, x)              # prod: no accidental near-zeros
    if zeros and draw(st.booleans()):
        x.flat[draw(st.integers(0, x.size - 1))] = 0.0
        if draw(st.booleans()):
            x.flat[draw(st.integers(0, x.size - 1))] = 0.0
    axis = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    return x, axis, draw(st.booleans())


REDUCTIONS = {
    "prod": lambda t, axis, keep: t.prod(axis=axis, keepdims=keep),
    "logsumexp": lambda t, axis, keep: t.logsumexp(axis=axis, keepdims=keep),
    "var": lambda t, axis, keep: t.var(axis=axis, keepdims=keep, correction=0),
    "std": lambda t, axis, keep: t.std(axis=axis, keepdims=keep, correction=0),
    "cumsum": lambda t, axis, keep: t.cumsum(0 if axis is None else axis),
}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@given(case=array_and_axis(zeros=True))
def test_first_and_second_order_gradients(name, case):
    x, axis, keep = case
    if name != "prod":
        x = np.where(x == 0, 0.7, x)
    if name == "std" and x.size > 1:
        # never a zero deviation: x lies in [-2, 2], so steps of 5 keep every element distinct
        x = x + np.arange(x.size).reshape(x.shape) * 5.0
    t = Tensor(x, requires_grad=True)
    fn = REDUCTIONS[name]
    assert autograd.gradcheck(lambda a: fn(a, axis, keep), [t])
    assert autograd.gradgradcheck(lambda a: fn(a, axis, keep), [t])


def test_prod_gradient_with_zeros_is_the_product_of_the_others():
    x = Tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.prod(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 6, 0], [0, 0, 0], [8, 4, 2]])
    y = Tensor([2.0, 0.0, 3.0], requires_grad=True)
    (g,) = autograd.grad(y.prod(), [y], create_graph=True)
    (h,) = autograd.grad(g[1], [y])                     # d/dx (x0 x2) = (x2, 0, x0)
    np.testing.assert_array_equal(h.data, [3.0, 0.0, 2.0])


def test_var_and_std_worked_numbers():
    x = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    assert x.var().item() == pytest.approx(5 / 3)            # unbiased by default (torch)
    assert x.var(correction=0).item() == pytest.approx(1.25)
    assert x.std(correction=0).item() == pytest.approx(math.sqrt(1.25))
    x.var().backward()
    np.testing.assert_allclose(x.grad.data, 2 * (x.data - 2.5) / 3)
    with np.errstate(all="ignore"):
        assert np.isnan(Tensor([5.0]).var().item())          # n - correction = 0: nan, like torch


def test_std_sends_no_gradient_where_it_is_zero():
    x = Tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], requires_grad=True)
    x.std(axis=1).sum().backward()                         # torch: 0, not nan, on the flat row
    np.testing.assert_array_equal(x.grad.data[1], [0.0, 0.0, 0.0])
    assert np.all(np.isfinite(x.grad.data)) and np.abs(x.grad.data[0]).sum() > 0


def test_logsumexp_is_stable_and_its_gradient_is_softmax(rng):
    x = Tensor([[1000.0, 1000.0], [-1000.0, 0.0]], requires_grad=True)
    y = x.logsumexp(axis=1)
    np.testing.assert_allclose(y.data, [1000.0 + math.log(2.0), math.log1p(math.exp(-1000.0))])
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, 0.5], [0.0, 1.0]])
    assert Tensor([-np.inf, -np.inf]).logsumexp().item() == -np.inf


def test_cumsum_gradient_is_the_suffix_sum():
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    y = x.cumsum(1)
    np.testing.assert_array_equal(y.data, [[1, 3, 6]])
    y.backward(np.array([[1.0, 10.0, 100.0]]))
    np.testing.assert_array_equal(x.grad.data, [[111, 110, 100]])


def test_argmax_and_argmin_are_plain_arrays():
    x = Tensor([[1.0, 5.0, 5.0], [2.0, -1.0, 0.0]], requires_grad=True)
    assert isinstance(x.argmax(), np.ndarray) and x.argmax() == 1        # first of ties, flat
    np.testing.assert_array_equal(x.argmax(axis=1), [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=-1, keepdims=True), [[0], [1]])


@pytest.mark.parametrize("call, kind, text", [
    (lambda t: t.cumsum(None), TypeError, "cumsum: axis must be an int"),
    (lambda t: t.cumsum(3), IndexError, "cumsum: axis 3 is out of range"),
    (lambda t: t.prod(axis=5), IndexError, "prod: axis 5 is out of range"),
    (lambda t: t.var(correction="1"), TypeError, "var: correction must be a number"),
    (lambda t: t.logsumexp(axis=(0, 0)), ValueError, "repeated axis"),
    (lambda t: Tensor(np.ones(0)).argmax(), ValueError, "argmax: empty tensor"),
    (lambda t: t.argmin(axis=2), IndexError, "argmin: axis 2 is out of range"),
])
def test_bad_arguments_give_one_line_errors(call, kind, text):
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises((kind, ValueError), match=text) as info:
        call(t)
    assert "\n" not in str(info.value)


TORCH = [
    ("prod", lambda t: t.prod(axis=1), lambda t: t.prod(dim=1)),
    ("prod_all", lambda t: t.prod(), lambda t: t.prod()),
    ("logsumexp", lambda t: t.logsumexp(axis=0), lambda t: t.logsumexp(dim=0)),
    ("var", lambda t: t.var(axis=1, correction=2), lambda t: t.var(dim=1, correction=2)),
    ("std", lambda t: t.std(axis=0, keepdims=True), lambda t: t.std(dim=0, keepdim=True)),
    ("cumsum", lambda t: t.cumsum(-1), lambda t: t.cumsum(dim=-1)),
]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-4)])
@pytest.mark.parametrize("name, ours, theirs", TORCH, ids=[c[0] for c in TORCH])
def test_match_torch_forward_gradient_and_double_gradient(name, ours, theirs, dtype, tol, rng):
    torch = pytest.importorskip("torch")
    x = rng.uniform(0.5, 2.0, size=(4, 5)) * rng.choice([-1, 1], size=(4, 5))
    x[1, 2] = 0.0 if name.startswith("prod") else x[1, 2]
    x = x.astype(dtype)
    ox = Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    y, ty = ours(ox), theirs(tx)
    up = rng.normal(size=y.shape).astype(dtype)
    (g,) = autograd.grad(y, [ox], grad_output=Tensor(up), create_graph=True)
    (tg,) = torch.autograd.grad(ty, tx, torch.tensor(up), create_graph=True)
    (gg,) = autograd.grad((g * g * ox).sum(), [ox])
    (tgg,) = torch.autograd.grad((tg * tg * tx).sum(), tx)
    for a, b in ((y, ty), (g, tg), (gg, tgg)):
        assert a.dtype == dtype
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_array_equal(ox.argmax(axis=1), tx.argmax(dim=1).numpy())
