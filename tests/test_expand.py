"""Scalar expansion: the tensor backward equals the scalar-gate backward, number for number."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograd.teaching.expand import ValueArray, compare, gate_counts, scalar_backward, to_values


def test_matmul_2x3_by_3x2_is_mul_and_add_gates(rng):
    x, w = rng.normal(size=(2, 3)), rng.normal(size=(3, 2))
    up = rng.normal(size=(2, 2))
    r = compare(lambda a, b: a @ b, [x, w], upstream=up, names=["x", "W"])
    assert r.gates == {"mul": 12, "add": 8}          # 4 outputs x (3 muls + 2 adds)
    np.testing.assert_allclose(r.scalar_output, x @ w, rtol=1e-14)
    # the scalar graph reproduces dX = up W^T and dW = X^T up, element by element
    np.testing.assert_allclose(r.scalar_grads[0], up @ w.T, rtol=1e-12)
    np.testing.assert_allclose(r.scalar_grads[1], x.T @ up, rtol=1e-12)
    for t, s in zip(r.tensor_grads, r.scalar_grads):
        np.testing.assert_allclose(t, s, rtol=1e-12, atol=1e-15)


def test_lecture_numbers_agree_exactly():
    x = np.array([[2.0, 1, -3], [-3, 4, 2]])
    w = np.array([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]])
    up = np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]])
    r = compare(lambda a, b: a @ b, [x, w], upstream=up)
    assert r.max_difference() == 0.0                  # integers: exact both ways
    np.testing.assert_array_equal(r.scalar_grads[0], [[0, 16, -9], [-24, 9, -30]])


FUNCTIONS = {
    "broadcast add": (lambda a, b: a + b, [(2, 3), (3,)]),
    "broadcast mul": (lambda a, b: (a * b).sum(), [(2, 1), (1, 3)]),
    "relu of affine": (lambda x, w, b: (x @ w + b).relu(), [(2, 3), (3, 2), (2,)]),
    "tanh mean": (lambda x: (x * x).tanh().mean(), [(2, 2)]),
    "sigmoid exp": (lambda x, y: (x.exp() / y.sigmoid()), [(3,), (3,)]),
    "transpose": (lambda x: x.T @ x, [(2, 3)]),
    "slice": (lambda x: x[0] * x[1], [(2, 3)]),
    "power": (lambda x: (x ** 2 - x * 3).sum(axis=0), [(2, 3)]),
}


@pytest.mark.parametrize("name", FUNCTIONS)
@given(data=st.data())
def test_tensor_backward_equals_scalar_backward(name, data):
    fn, shapes = FUNCTIONS[name]
    arrays = [data.draw(hnp.arrays(np.float64, s, elements=st.floats(-2, 2))) for s in shapes]
    r = compare(fn, arrays)
    assert r.max_difference() <= 1e-12 * (1 + max(np.max(np.abs(g), initial=0) for g in r.tensor_grads))


def test_value_arrays_have_elementwise_methods_and_labels():
    v = to_values(np.array([[1.0, -2.0]]), "x")
    assert isinstance(v, ValueArray)
    assert v[0, 1].label == "x[0,1]"
    r = v.relu()
    assert [e.data for e in r.reshape(-1)] == [1.0, 0.0]
    assert gate_counts(r) == {"relu": 2}


def test_scalar_backward_root_has_upstream_as_output_gradient():
    out, grads, root = scalar_backward(lambda x: x * 2.0, [np.array([1.0, 2.0])],
                                       upstream=np.array([3.0, -1.0]))
    np.testing.assert_array_equal(out, [2.0, 4.0])
    np.testing.assert_array_equal(grads[0], [6.0, -2.0])
    assert root.data == 2.0


def test_errors():
    with pytest.raises(ValueError, match=r"upstream \(3,\) does not match output \(2,\)"):
        scalar_backward(lambda x: x, [np.zeros(2)], upstream=np.zeros(3))
    with pytest.raises(ValueError, match="scalar expansion is for tiny inputs"):
        compare(lambda x: x, [np.zeros((100, 100))])
