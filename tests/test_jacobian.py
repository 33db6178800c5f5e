"""The explicit Jacobian (teaching only) and why engines never form it."""

import numpy as np
import pytest

from autograd import Tensor, jacobian


def test_relu_jacobian_is_the_sparse_diagonal():
    J = jacobian(lambda x: x.relu(), np.array([1.0, -2.0, 3.0, -1.0]))
    np.testing.assert_array_equal(J, np.diag([1.0, 0.0, 1.0, 0.0]))
    # backprop multiplies by it without forming it: upstream @ J
    up = np.array([4.0, -1.0, 5.0, 9.0])
    np.testing.assert_array_equal(up @ J, [4.0, 0.0, 5.0, 0.0])


def test_matmul_jacobian_is_a_kronecker_product(rng):
    w = rng.normal(size=(3, 4))
    x = rng.normal(size=(2, 3))
    J = jacobian(lambda t: t @ w, x)                 # d vec(xW) / d vec(x), row-major
    assert J.shape == (8, 6)
    np.testing.assert_allclose(J, np.kron(np.eye(2), w.T))
    # and the vector-Jacobian product equals the engine's dX = up W^T
    up = rng.normal(size=(2, 4))
    np.testing.assert_allclose((up.reshape(-1) @ J).reshape(2, 3), up @ w.T)


def test_jacobian_of_softmax_is_diag_minus_outer(rng):
    from autograd import functional as F
    a = rng.normal(size=4)
    s = np.exp(a) / np.exp(a).sum()
    J = jacobian(lambda t: F.softmax(t), a)
    np.testing.assert_allclose(J, np.diag(s) - np.outer(s, s), atol=1e-12)


def test_refuses_the_lecture_matmul_naming_the_memory():
    # y = x W with x: 64 x 4096 and W: 4096 x 4096: dy/dx has (64*4096)^2 entries
    w = np.zeros((4096, 4096), dtype=np.float32)
    x = Tensor(np.zeros((64, 4096), dtype=np.float32), requires_grad=True)
    with pytest.raises(MemoryError) as info:
        jacobian(lambda t: t @ w, x)
    message = str(info.value)
    assert "(64, 4096)" in message and "68,719,476,736 entries" in message
    assert "256.0 GiB as float32" in message
