"""Tensor basics: dtype policy, the .grad contract, numpy semantics of every op, errors."""

import re

import numpy as np
import pytest

import autograd
from autograd import Tensor, no_grad
from autograd import functional as F

# ---------------------------------------------------------------- construction and dtype policy


def test_float64_by_default_and_float32_kept():
    assert Tensor([1, 2]).dtype == np.int64          # plain data keeps numpy's type
    assert Tensor([1.0, 2.0]).dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).dtype == np.float32
    assert Tensor([1.0], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, np.float16)).dtype == np.float64


@pytest.mark.parametrize("data", [[1, 2], [True, False], np.arange(3, dtype=np.int32)])
def test_integer_and_bool_data_that_requires_grad_becomes_float64(data):
    t = Tensor(data, requires_grad=True)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_array_facts_and_conversions():
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(a, requires_grad=True)
    assert (t.shape, t.ndim, t.dtype, t.size, len(t)) == ((2, 3), 2, np.float64, 6, 2)
    assert t.numpy() is a                      # no copy
    assert np.asarray(t) is a
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert Tensor([[2.5]]).item() == 2.5
    with pytest.raises(ValueError, match=r"item: tensor of shape \(2, 3\) has 6 elements"):
        t.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    assert bool(Tensor(1.0))


def test_bad_data_is_refused():
    with pytest.raises(TypeError, match="unsupported dtype"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="Tensor"):
        Tensor([[1.0], [1.0, 2.0]])


def test_repr_is_readable():
    r = repr(Tensor([[1.0, -0.0]], requires_grad=True))
    assert r.startswith("Tensor([[1., 0.]]") and "requires_grad=True" in r
    assert "dtype=float32" in repr(Tensor(np.zeros(2, np.float32)))
    assert "op=mul" in repr(Tensor([1.0], requires_grad=True) * 2)


def test_detach_cuts_the_graph_and_shares_data():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).detach()
    assert not y.requires_grad and y.op == "" and y.parents == ()
    assert y.dtype == np.float64


# ---------------------------------------------------------------- the .grad contract

def test_grad_is_none_until_backward_and_accumulates():
    x = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    assert x.grad is None
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [2.0, -4.0, 6.0])
    assert isinstance(x.grad, Tensor) and x.grad.shape == x.shape
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [4.0, -8.0, 12.0])


@pytest.mark.parametrize("shape", [(2, 3), (100, 100)])
def test_grad_arrays_are_writable_even_after_a_broadcast_backward(shape):
    x = Tensor(np.zeros(shape), requires_grad=True)
    x.sum().backward()                      # sum's backward broadcasts the seed (a view if large)
    g = np.asarray(x.grad)
    g[0, 0] = 5.0
    assert g.sum() == x.size + 4.0


def test_grad_does_not_alias_the_callers_gradient_array():
    x = Tensor([1.0, 2.0], requires_grad=True)
    seed = np.array([3.0, 4.0])
    (x + 0.0).backward(seed)                    # add passes the upstream array on unchanged
    seed[:] = 0.0
    np.testing.assert_array_equal(np.asarray(x.grad), [3.0, 4.0])


def test_constants_do_not_get_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    (x * c).sum().backward()
    assert c.grad is None
    np.testing.assert_array_equal(np.asarray(x.grad), [3.0, 4.0])


def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        y = x * 2 + 1
    assert not y.requires_grad and y.parents == ()


def test_grad_function_returns_tensors_and_leaves_grad_alone():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 5.0], requires_grad=True)
    gx, gw = autograd.grad((x * w).sum(), [x, w])
    np.testing.assert_array_equal(gx.data, [3.0, 5.0])
    np.testing.assert_array_equal(gw.data, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_unreachable_input_gets_zeros():
    x = Tensor([1.0, 2.0], requires_grad=True)
    z = Tensor([1.0], requires_grad=True)
    (gz,) = autograd.grad((x * 2).sum(), [z])
    np.testing.assert_array_equal(gz.data, [0.0])


# ---------------------------------------------------------------- dtype through the graph

def test_float32_stays_float32_end_to_end(rng):
    x = Tensor(rng.normal(size=(4, 3)).astype(np.float32))
    w = Tensor(rng.normal(size=(3, 5)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(5, np.float32), requires_grad=True)
    h = ((x @ w + b) * 0.5 - 1).relu() / 2.0 + 1e-3
    y = (h ** 2).tanh().sigmoid().exp().log()
    loss = F.cross_entropy(y, np.array([0, 1, 2, 3])) + F.mse_loss(h, np.zeros((4, 5), np.float32))
    assert loss.dtype == np.float32
    loss.backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    assert h.grad.dtype == np.float32


def test_python_numbers_take_the_tensor_dtype():
    x = Tensor(np.ones(3, np.float32), requires_grad=True)
    for y in (x + 1, 1 - x, x * 2.5, 2.5 / x, x ** 2, x * np.float64(2.0), 2 ** x,
              x * np.array([1, 2, 3])):
        assert y.dtype == np.float32


# ---------------------------------------------------------------- forward semantics equal numpy

def test_arithmetic_and_broadcasting_match_numpy(rng):
    a, b = rng.normal(size=(2, 1, 3)), rng.normal(size=(4, 1))
    ta, tb = Tensor(a), Tensor(b)
    for got, want in [(ta + tb, a + b), (ta - tb, a - b), (ta * tb, a * b), (ta / tb, a / b),
                      (-ta, -a), (ta ** 3, a ** 3), (2.0 - ta, 2.0 - a), (b * ta, b * a),
                      (ta.maximum(tb), np.maximum(a, b)), (ta.minimum(0.0), np.minimum(a, 0.0))]:
        np.testing.assert_allclose(got.data, want)


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                   ((5, 2, 3), (3, 4)), ((2, 1, 2, 3), (3, 3, 2))])
def test_matmul_matches_numpy(sa, sb, rng):
    a, b = rng.normal(size=sa), rng.normal(size=sb)
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b)
    np.testing.assert_allclose((a @ Tensor(b)).data, a @ b)


def test_reductions_match_numpy(rng):
    a = rng.normal(size=(2, 3, 4))
    t = Tensor(a)
    for axis in (None, 0, -1, (0, 2), (2, 0)):
        for keepdims in (False, True):
            for name in ("sum", "mean", "max"):
                got = getattr(t, name)(axis=axis, keepdims=keepdims).data
                np.testing.assert_allclose(got, getattr(a, name)(axis=axis, keepdims=keepdims))


def test_shape_ops_and_indexing_match_numpy(rng):
    a = rng.normal(size=(2, 3, 4))
    t = Tensor(a)
    np.testing.assert_array_equal(t.reshape(4, -1).data, a.reshape(4, -1))
    np.testing.assert_array_equal(t.reshape((6, 4)).data, a.reshape(6, 4))
    np.testing.assert_array_equal(t.T.data, a.T)
    np.testing.assert_array_equal(t.transpose(1, 0, 2).data, a.transpose(1, 0, 2))
    np.testing.assert_array_equal(t.flatten().data, a.flatten())
    for index in (1, (slice(None), 2), (0, [0, 0, 2], slice(1, 3)), np.array([1, 1, 0]), a > 0):
        np.testing.assert_array_equal(t[index].data, a[index])
    # an int and an index array with a slice between: torch's reading (the int selects
    # first), where numpy would move the array's axis to the front (issue 23, L)
    np.testing.assert_array_equal(t[0, 1:3, [0, 0, 3]].data, a[0][1:3][:, [0, 0, 3]])
    np.testing.assert_array_equal(autograd.concat([t, t], axis=2).data, np.concatenate([a, a], 2))
    np.testing.assert_array_equal(autograd.stack([t, t], axis=-1).data, np.stack([a, a], -1))


def test_variadic_ops_record_every_input_in_order():
    a, b, c = (Tensor(np.full((2,), v), requires_grad=True) for v in (1.0, 2.0, 3.0))
    joined = autograd.concat([a, b, c, a])
    assert joined.parents == (a, b, c, a)
    (joined * Tensor(np.arange(8.0))).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0 + 6, 1 + 7])
    np.testing.assert_array_equal(c.grad.data, [4, 5])


def test_comparisons_return_plain_arrays():
    t = Tensor([1.0, 2.0, 3.0])
    assert isinstance(t > 1.5, np.ndarray)
    np.testing.assert_array_equal(t >= Tensor([1.0, 3.0, 3.0]), [True, False, True])


# ---------------------------------------------------------------- gradient semantics

def test_repeated_indices_accumulate():
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 2, 2])].sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 0.0, 3.0])


def test_boolean_mask_index_routes_gradient():
    x = Tensor([1.0, -1.0, 2.0], requires_grad=True)
    (x[x.data > 0] * Tensor([5.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [5.0, 0.0, 7.0])


def test_max_tie_policy_is_pytorchs():
    # torch.max(dim): one winner per row (the first); torch.max(): split evenly among ties.
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [[0, 1, 0], [1, 0, 0]])
    x.grad = None
    x.max().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [[0, 0.5, 0.5], [0, 0, 0]])


def test_broadcast_gradient_is_summed_over_broadcast_axes():
    b = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = Tensor(np.ones((4, 3)))
    (x * b).sum().backward()
    np.testing.assert_array_equal(np.asarray(b.grad), [4.0, 4.0, 4.0])
    k = Tensor(2.0, requires_grad=True)
    (x * k).sum().backward()
    assert k.grad.shape == () and k.grad.item() == 12.0


def test_matmul_lecture_example():
    x = Tensor([[2.0, 1, -3], [-3, 4, 2]], requires_grad=True)
    w = Tensor([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]], requires_grad=True)
    up = np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]])
    (x @ w).backward(up)
    np.testing.assert_array_equal(np.asarray(x.grad), [[0, 16, -9], [-24, 9, -30]])
    np.testing.assert_array_equal(np.asarray(w.grad),
                                  [[28, 3, -18, 0], [-30, 7, 13, 33], [-22, -7, 17, -15]])


def test_relu_lecture_example():
    x = Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True)
    x.relu().backward(np.array([4.0, -1.0, 5.0, 9.0]))
    np.testing.assert_array_equal(np.asarray(x.grad), [4.0, 0.0, 5.0, 0.0])


def test_backward_accepts_a_tensor_gradient_and_create_graph():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.backward(Tensor([1.0, 1.0]), create_graph=True)
    assert x.grad.requires_grad                     # d(dy/dx)/dx is reachable
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    x.grad.sum().backward()           # adds d(sum 2x)/dx = 2 to the 2x already there (as torch)
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])


# ---------------------------------------------------------------- errors name op and shapes

def test_matmul_inner_dimension_error():
    with pytest.raises(ValueError, match=r"^matmul: \(2, 3\) @ \(4, 5\): inner dimensions 3 and 4 differ$"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"batch dimensions \(2,\) and \(3,\)"):
        Tensor(np.ones((2, 2, 3))) @ np.ones((3, 3, 2))
    with pytest.raises(ValueError, match="at least one dimension"):
        Tensor(2.0) @ Tensor([1.0])


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "max"])
def test_broadcast_error_names_both_shapes(op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    fn = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b,
          "div": lambda: a / b, "max": lambda: a.maximum(b)}[op]
    with pytest.raises(ValueError, match=rf"^{op}: cannot broadcast shapes \(2, 3\) and \(4, 5\)"):
        fn()


def test_backward_on_non_scalar_needs_a_gradient():
    y = Tensor([1.0, 2.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*grad_output="):
        y.backward()


def test_backward_refuses_a_gradient_of_the_wrong_shape():
    y = Tensor(np.ones((2, 3)), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"grad has shape \(3, 2\) but the output has shape \(2, 3\)"):
        y.backward(np.ones((3, 2)))


def test_backward_without_a_graph_says_so():
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).sum().backward()


def test_other_errors_are_one_clear_line():
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape \(2, 3\) \(6 elements\) into \(4, 2\)"):
        t.reshape(4, 2)
    with pytest.raises(ValueError, match=r"sum: axis 2 is out of range for a 2-d tensor"):
        t.sum(axis=2)
    for shape in [(3,), (100, 100)]:
        message = f"broadcast_to: cannot broadcast shape (2, 3) to {shape}"
        with pytest.raises(ValueError, match=re.escape(message)):
            t.broadcast_to(shape)
    with pytest.raises(ValueError, match="transpose: axes"):
        t.transpose(0, 0)
    with pytest.raises(IndexError, match="getitem"):
        t[5]
    with pytest.raises(ValueError, match=r"stack: all shapes must match"):
        autograd.stack([t, t[0]])
    with pytest.raises(ValueError, match=r"concat: shapes \(2, 3\), \(3, 2\)"):
        autograd.concat([t, np.ones((3, 2))], axis=0)
    with pytest.raises(TypeError, match="pow: exponent must be a number"):
        t ** "2"
    with pytest.raises(ValueError, match="positive number"):
        (-2.0) ** t
    with pytest.raises(TypeError, match="add: cannot combine a Tensor with a Value"):
        t + autograd.Value(1.0)
