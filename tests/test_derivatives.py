"""vjp, jvp (double-vjp) and hessian against explicit Jacobians, closed forms and torch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor
from autograd import functional as F


def fn(x):
    return (x * x).tanh() @ np.arange(1.0, 1.0 + 3 * 2).reshape(3, 2)


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_vjp_and_jvp_agree_with_the_explicit_jacobian(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3))
    J = autograd.jacobian(fn, Tensor(x, requires_grad=True))         # (n*2, n*3)
    u, v = rng.normal(size=(n, 2)), rng.normal(size=(n, 3))
    out, g = F.vjp(fn, Tensor(x), u)
    np.testing.assert_allclose(out.data, fn(Tensor(x)).data)
    np.testing.assert_allclose(g.data.reshape(-1), u.reshape(-1) @ J, rtol=1e-10, atol=1e-12)
    _, jv = F.jvp(fn, x, v)
    np.testing.assert_allclose(jv.data.reshape(-1), J @ v.reshape(-1), rtol=1e-10, atol=1e-12)


def test_several_inputs_and_a_plain_array():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    out, (ga, gb) = F.vjp(lambda x, y: (x * y).sum(), (a, b))
    assert out.item() == pytest.approx(1.0) and not out.requires_grad
    np.testing.assert_allclose(ga.data, b)
    np.testing.assert_allclose(gb.data, a)
    _, jv = F.jvp(lambda x, y: x * y, (a, b), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(jv.data, b)
    # an output that does not depend on the input: zeros, not an error
    _, z = F.jvp(lambda x: Tensor(np.ones(3)), a, np.ones(2))
    np.testing.assert_array_equal(z.data, 0)


def test_hessian_of_closed_forms():
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    x = np.array([0.5, -1.0])
    np.testing.assert_allclose(F.hessian(lambda z: 0.5 * (z * (z @ A)).sum(), x), A, rtol=1e-12)
    # sum(x^3): diag(6x)
    np.testing.assert_allclose(F.hessian(lambda z: (z ** 3).sum(), x), np.diag(6 * x), rtol=1e-12)
    # linear: the Hessian is 0 (the gradient is a constant)
    np.testing.assert_array_equal(F.hessian(lambda z: (z * 2.0).sum(), x), 0)
    assert F.hessian(lambda z: (z ** 2).sum(), np.ones((2, 3))).shape == (2, 3, 2, 3)


def test_create_graph_vjp_differentiates_again():
    x = Tensor([1.0, 2.0])
    _, g = F.vjp(lambda z: (z ** 3).sum(), x, create_graph=True)
    assert g.requires_grad                      # 3 z^2, a graph of its own leaves


def test_derivative_errors():
    with pytest.raises(ValueError, match=r"vjp: the output has shape \(2,\); pass v of that shape"):
        F.vjp(lambda z: z * 2.0, np.ones(2))
    with pytest.raises(ValueError, match=r"jvp: v has shape \(3,\) but the input has shape \(2,\)"):
        F.jvp(lambda z: z * 2.0, np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match=r"hessian: the function must return one number"):
        F.hessian(lambda z: z * z, np.ones(2))
    with pytest.raises(MemoryError, match=r"jacobian: output \(2000,\) by input \(2000,\)"):
        F.hessian(lambda z: (z * z).sum(), np.ones(2000), max_bytes=2**20)
    with pytest.raises(TypeError, match=r"vjp: the function must return a Tensor, got float"):
        F.vjp(lambda z: 1.0, np.ones(2))


def test_matches_torch_autograd_functional(rng):
    torch = pytest.importorskip("torch")
    taf = torch.autograd.functional
    x, u, v = rng.normal(size=(2, 3)), rng.normal(size=(2, 2)), rng.normal(size=(2, 3))
    W = rng.normal(size=(3, 2))

    def ours(z):
        return (z * z).tanh() @ W

    def theirs(z):
        return (z * z).tanh() @ torch.tensor(W)
    tx, tu, tv = torch.tensor(x), torch.tensor(u), torch.tensor(v)
    np.testing.assert_allclose(F.vjp(ours, x, u)[1].data, taf.vjp(theirs, tx, tu)[1].numpy(),
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(F.jvp(ours, x, v)[1].data, taf.jvp(theirs, tx, tv)[1].numpy(),
                               rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(F.hessian(lambda z: ours(z).sum(), x),
                               taf.hessian(lambda z: theirs(z).sum(), torch.tensor(x)).numpy(),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("call", [lambda: F.jvp(lambda z: z * 2.0, np.ones(2), "a"),
                                  lambda: F.vjp(lambda z: z * 2.0, np.ones(2), ["x", "y"]),
                                  lambda: F.jvp(lambda z: z * 2.0, np.ones(2), [None, 1.0])])
def test_a_v_that_is_not_numbers_is_one_type_error_naming_the_function(call):
    with pytest.raises(TypeError, match=r"^(jvp|vjp): v must be numbers, got \w+"):
        call()
