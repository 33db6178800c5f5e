"""einsum, outer and tensordot (issue 12): the backward of einsum is einsum again (the swap
multiplier); gradchecks of first and second order over hypothesis sizes; torch; errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, einsum, outer, tensordot

SPECS = [
    "ij,jk->ik",        # matmul
    "bij,bjk->bik",     # batched matmul
    "i,j->ij",          # outer
    "ij,ij->",          # full contraction
    "ij,jk",            # implicit output (ik)
    "ij,k->jk",         # i summed in the first operand only: its gradient broadcasts
    "ij,jk,kl->li",     # three operands
    "ij->ji",           # one operand: a transpose
]


def _shapes(spec, sizes):
    ins = spec.split("->")[0].split(",")
    return [tuple(sizes[c] for c in sub) for sub in ins]


@pytest.mark.parametrize("spec", SPECS)
@given(sizes=st.fixed_dictionaries({c: st.integers(1, 3) for c in "bijkl"}), seed=st.integers(0, 99))
def test_einsum_gradients_first_and_second_order(spec, sizes, seed):
    rng = np.random.default_rng(seed)
    xs = [Tensor(rng.normal(size=s), requires_grad=True) for s in _shapes(spec, sizes)]
    out = einsum(spec, *xs)
    np.testing.assert_allclose(out.data, np.einsum(spec, *[x.data for x in xs]), atol=1e-12)
    assert autograd.gradcheck(lambda *a: einsum(spec, *a), xs)
    assert autograd.gradgradcheck(lambda *a: einsum(spec, *a), xs)


def test_einsum_backward_is_einsum_with_the_other_operand(rng):
    a = Tensor(rng.normal(size=(2, 3)), requires_grad=True)
    b = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    y = einsum("ij,jk->ik", a, b)
    assert y.op == "einsum" and y.pattern == "swap multiplier"
    g = Tensor(rng.normal(size=(2, 4)))
    da, db = autograd.grad(y, [a, b], grad_output=g, create_graph=True)
    assert da.op == "einsum" and db.op == "einsum"
    step = next(s for s in autograd.backprop_steps(y, g.data) if s.op == "einsum")
    assert step.local == ("the other operands (upstream einsum'd with them)",) * 2
    np.testing.assert_allclose(da.data, g.data @ b.data.T)   # dX = dY W^T, as matmul
    np.testing.assert_allclose(db.data, a.data.T @ g.data)


@given(n=st.integers(1, 4), m=st.integers(1, 4), seed=st.integers(0, 99))
def test_outer_and_tensordot_gradients(n, m, seed):
    rng = np.random.default_rng(seed)
    a = Tensor(rng.normal(size=n), requires_grad=True)
    b = Tensor(rng.normal(size=m), requires_grad=True)
    np.testing.assert_allclose(outer(a, b).data, np.outer(a.data, b.data))
    assert autograd.gradgradcheck(outer, [a, b])
    c = Tensor(rng.normal(size=(2, n, m)), requires_grad=True)
    d = Tensor(rng.normal(size=(n, m, 3)), requires_grad=True)
    for axes in (2, ([1, 2], [0, 1]), ([2], [1]) if n == m else 0):
        np.testing.assert_allclose(tensordot(c, d, axes).data, np.tensordot(c.data, d.data, axes),
                                   atol=1e-12)
        assert autograd.gradcheck(lambda x, y, ax=axes: tensordot(x, y, ax), [c, d])
        assert autograd.gradgradcheck(lambda x, y, ax=axes: tensordot(x, y, ax), [c, d])


@pytest.mark.parametrize("call, kind, text", [
    (lambda a, b: einsum("...i,i->", a, b), ValueError, "'...' is not supported"),
    (lambda a, b: einsum("ii,i->", a, b), ValueError, "repeated letter in 'ii'"),
    (lambda a, b: einsum("ij,jk->ik", a), ValueError, "names 2 operands, got 1"),
    (lambda a, b: einsum("ij,kj->ik", a, b), ValueError, "letter 'j' has sizes 3 and 5"),
    (lambda a, b: einsum("ij,kl->iz", a, b), ValueError, "output 'iz' must use"),
    (lambda a, b: einsum("i,jk->ijk", a, b), ValueError, "operand 'i' has 1 letters"),
    (lambda a, b: einsum(3, a), TypeError, "subscripts must be a string"),
    (lambda a, b: einsum("ij"), ValueError, "needs at least one operand"),
    (lambda a, b: outer(a, b), ValueError, "outer: needs two 1-d tensors"),
    (lambda a, b: tensordot(a, b, 1), ValueError, "tensordot: axis 1 of a"),
    (lambda a, b: tensordot(a, b, ([0], [5])), IndexError, "tensordot: axis 5 is out of range"),
    (lambda a, b: tensordot(a, b, "x"), ValueError, "axes must be an int or a pair"),
])
def test_bad_arguments_give_one_line_errors(call, kind, text, rng):
    a, b = Tensor(rng.normal(size=(2, 3))), Tensor(rng.normal(size=(4, 5)))
    with pytest.raises(kind, match=text) as info:
        call(a, b)
    assert "\n" not in str(info.value)


TORCH = [
    ("einsum", lambda a, b: einsum("bij,bjk->bik", a, b),
     lambda t, a, b: t.einsum("bij,bjk->bik", a, b), (2, 3, 4), (2, 4, 5)),
    ("einsum_sum_only", lambda a, b: einsum("ij,k->jk", a, b),
     lambda t, a, b: t.einsum("ij,k->jk", a, b), (3, 4), (2,)),
    ("outer", outer, lambda t, a, b: t.outer(a, b), (3,), (4,)),
    ("tensordot", lambda a, b: tensordot(a, b, ([0, 2], [2, 0])),
     lambda t, a, b: t.tensordot(a, b, ([0, 2], [2, 0])), (2, 3, 4), (4, 5, 2)),
]


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-4)])
@pytest.mark.parametrize("name, ours, theirs, sa, sb", TORCH, ids=[c[0] for c in TORCH])
def test_match_torch(name, ours, theirs, sa, sb, dtype, tol, rng):
    torch = pytest.importorskip("torch")
    xa, xb = rng.normal(size=sa).astype(dtype), rng.normal(size=sb).astype(dtype)
    a, b = Tensor(xa, requires_grad=True), Tensor(xb, requires_grad=True)
    ta, tb = torch.tensor(xa, requires_grad=True), torch.tensor(xb, requires_grad=True)
    y, ty = ours(a, b), theirs(torch, ta, tb)
    up = rng.normal(size=y.shape).astype(dtype)
    ga, gb = autograd.grad(y, [a, b], grad_output=Tensor(up), create_graph=True)
    tga, tgb = torch.autograd.grad(ty, (ta, tb), torch.tensor(up), create_graph=True)
    gga, ggb = autograd.grad((ga * ga).sum() + (gb * gb).sum(), [a, b])
    tgga, tggb = torch.autograd.grad((tga * tga).sum() + (tgb * tgb).sum(), (ta, tb))
    for x, t in ((y, ty), (ga, tga), (gb, tgb), (gga, tgga), (ggb, tggb)):
        assert x.dtype == dtype
        np.testing.assert_allclose(x.data, t.detach().numpy(), rtol=tol, atol=tol)
