"""The rules of sub, div and mul (its joint rule) for a broadcast input (a mean subtracted, a
per-channel divisor or scale)
sum over the broadcast axes before the full-size work ends (kernels/broadcast.py: sum_like,
mul_sum_like): on raw arrays the result already has the input's shape, on nodes and numbers
it is the lecture's plain expression. Checked against the plain expression, against
central differences (first and second order) and against the create_graph path, on shapes
that take the einsum kernel and on small ones that do not."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck
from autograd.kernels import broadcast as kb
from autograd.kernels import reduce as kr
from autograd.ops.arithmetic import DIV
from autograd.ops.shape import sum_to_shape


@pytest.fixture
def small_arrays_too(monkeypatch):
    monkeypatch.setattr(kr, "_MIN_SIZE", 0)


@st.composite
def full_and_broadcast(draw):
    """(full shape, a shape that broadcasts to it: some axes 1, maybe fewer leading axes)."""
    full = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ones = [draw(st.booleans()) for _ in full]
    small = tuple(1 if one else d for one, d in zip(ones, full))
    drop = draw(st.integers(0, len(full) - 1))
    while drop and small[0] == 1:        # leading axes may be missing altogether
        small, drop = small[1:], drop - 1
    return full, small


@settings(max_examples=100, deadline=None)
@given(full_and_broadcast(), st.sampled_from([np.float32, np.float64]), st.integers(0, 2**16),
       st.booleans())
def test_helpers_equal_the_plain_expression_summed(shapes, dtype, seed, kernel):
    full, small = shapes
    rng = np.random.default_rng(seed)
    g, x = (rng.normal(size=full).astype(dtype) for _ in range(2))
    like = rng.normal(size=small).astype(dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    with pytest.MonkeyPatch.context() as mp:
        if kernel:
            mp.setattr(kr, "_MIN_SIZE", 0)
        got = kb.mul_sum_like(g, x, like)
        summed = kb.sum_like(g, like)
    assert got.shape == summed.shape == like.shape and got.dtype == summed.dtype == dtype
    np.testing.assert_allclose(got, sum_to_shape(g * x, small), rtol=rtol, atol=1e-5)
    np.testing.assert_allclose(summed, sum_to_shape(g, small), rtol=rtol, atol=1e-5)


def test_helpers_leave_numbers_and_nodes_to_the_driver():
    """Floats (Value) and nodes (create_graph) get the plain expression, unsummed: a drawn
    backward still shows mul (and div) at full size, then the driver's sum_to."""
    assert kb.mul_sum_like(2.0, 3.0, 5.0) == 6.0 and kb.sum_like(2.0, 5.0) == 2.0
    g = Tensor(np.ones((2, 3)), requires_grad=True)
    x = Tensor(np.full((2, 3), 4.0))
    like = Tensor(np.ones(3), requires_grad=True)
    node = kb.mul_sum_like(g, x, like)
    assert node.op == "mul" and node.shape == (2, 3)
    assert kb.sum_like(g, like) is g
    # an upstream of 1 (a step's local gradient) keeps the full-size local: -a / b^2
    a, b = np.arange(1.0, 7.0).reshape(2, 3), np.array([1.0, 2.0, 4.0])
    (local,) = DIV.derived_local(a / b, a, b)[1:]
    np.testing.assert_allclose(local, -a / b ** 2)


def _leaves(rng, full, small):
    x = Tensor(rng.normal(size=full), requires_grad=True)
    b = Tensor(rng.uniform(0.5, 2.0, size=small) * rng.choice([-1.0, 1.0], size=small),
               requires_grad=True)
    return x, b


@pytest.mark.parametrize("full, small", [((4, 3, 5, 6), (1, 3, 1, 1)), ((4, 3, 5, 6), (3, 1, 1)),
                                         ((5, 6), (6,)), ((2, 3), (2, 1))])
@pytest.mark.parametrize("kernel", [True, False], ids=["einsum", "numpy"])
def test_sub_div_and_mul_gradients(full, small, kernel, monkeypatch):
    if kernel:
        monkeypatch.setattr(kr, "_MIN_SIZE", 0)
    rng = np.random.default_rng(3)
    x, b = _leaves(rng, full, small)
    up = rng.normal(size=full)
    for fn, dx, db in [
        (lambda s, t: s - t, lambda: up, lambda: -up),
        (lambda s, t: s / t, lambda: up / b.data, lambda: -up * x.data / b.data ** 2),
        (lambda s, t: s * t, lambda: up * b.data, lambda: up * x.data),     # mul's joint rule
        (lambda s, t: t * s, lambda: up * b.data, lambda: up * x.data),     # the other way round
    ]:
        x.grad = b.grad = None
        fn(x, b).backward(up)
        np.testing.assert_allclose(x.grad.data, dx(), rtol=1e-12)
        np.testing.assert_allclose(b.grad.data, sum_to_shape(db(), small), rtol=1e-10)
        # the create_graph path (rules on nodes, summed by the driver) agrees
        gx, gb = autograd.grad(fn(x, b), [x, b], grad_output=Tensor(up), create_graph=True)
        np.testing.assert_allclose(gb.data, b.grad.data, rtol=1e-10)
        np.testing.assert_allclose(gx.data, x.grad.data, rtol=1e-12)
        small_x, small_b = (Tensor(t.data[(slice(0, 2),) * t.ndim].copy(), requires_grad=True)
                            for t in (x, b))
        assert gradcheck(fn, [small_x, small_b]) and gradgradcheck(fn, [small_x, small_b])


def test_batch_norm_graph_in_float32_keeps_its_gradients(small_arrays_too):
    """The layer these rules serve, in float32 with the kernel on, against float64."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(6, 3, 4, 5)).astype(np.float32)
    up = rng.normal(size=x.shape).astype(np.float32)
    grads = []
    for dtype in (np.float32, np.float64):
        t = Tensor(x.astype(dtype), requires_grad=True)
        gamma = Tensor(np.linspace(0.5, 2.0, 3).astype(dtype), requires_grad=True)
        beta = Tensor(np.zeros(3, dtype), requires_grad=True)
        autograd.functional.batch_norm(t, weight=gamma, bias=beta, training=True).backward(up.astype(dtype))
        assert t.grad.dtype == gamma.grad.dtype == dtype
        grads.append((t.grad.data, gamma.grad.data, beta.grad.data))
    for lo, hi in zip(*grads):
        np.testing.assert_allclose(lo, hi, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, 1.5, 0, 1])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("upstream", ["broadcast", "full"])
def test_pow_rule_on_raw_arrays_is_the_power_rule(exponent, dtype, upstream):
    """pow's rule multiplies p into the upstream first (at the size of a broadcast
    upstream's own array): the same gradient g * p a^(p-1), in the input's float type."""
    rng = np.random.default_rng(5)
    a = rng.uniform(0.5, 2.0, size=(4, 3, 5, 6)).astype(dtype)
    small = rng.normal(size=(1, 3, 1, 1)).astype(dtype)
    g = np.broadcast_to(small, a.shape) if upstream == "broadcast" else rng.normal(size=a.shape).astype(dtype)
    got = kb.pow_joint([True], g, a ** exponent, a, exponent=exponent)[0]
    want = np.asarray(g, np.float64) * exponent * np.asarray(a, np.float64) ** (exponent - 1)
    assert np.shape(got) == a.shape and np.asarray(got).dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-5 if dtype == np.float32 else 1e-12)


def test_pow_gradient_under_a_mean_first_and_second_order():
    rng = np.random.default_rng(6)
    x = Tensor(rng.normal(size=(6, 3, 4, 5)), requires_grad=True)
    ((x ** 2).mean(axis=(0, 2, 3)) * Tensor([1.0, -2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data * np.array([1.0, -2.0, 3.0]).reshape(1, 3, 1, 1)
                               / (6 * 4 * 5), rtol=1e-12)
    small = Tensor(rng.uniform(0.5, 2.0, size=(2, 3, 2)), requires_grad=True)
    for p in (2, 0.5, 3):
        assert gradcheck(lambda t, p=p: (t ** p).mean(axis=(0, 2)), [small])
        assert gradgradcheck(lambda t, p=p: (t ** p).mean(axis=(0, 2)), [small])


def test_mul_joint_rule_gives_only_the_needed_gradients_in_the_inputs_shapes():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(4, 3, 5, 6)), rng.normal(size=(1, 3, 1, 1))
    g = rng.normal(size=a.shape)
    ga, gb = kb.mul_joint([True, True], g, a * b, a, b)
    np.testing.assert_allclose(ga, g * b, rtol=1e-12)
    np.testing.assert_allclose(gb, sum_to_shape(g * a, b.shape), rtol=1e-12)
    assert kb.mul_joint([False, True], g, a * b, a, b)[0] is None
    assert kb.mul_joint([True, False], g, a * b, a, b)[1] is None
    assert kb.mul_joint([True, True], 2.0, 6.0, 3.0, 2.0) == (4.0, 6.0)    # floats: plain rules


def test_div_joint_rule_equals_its_two_rules():
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(4, 3, 5, 6)), rng.uniform(0.5, 2.0, size=(1, 3, 1, 1))
    g = rng.normal(size=a.shape)
    ga, gb = kb.div_joint([True, True], g, a / b, a, b)
    np.testing.assert_allclose(ga, g / b, rtol=1e-12)
    np.testing.assert_allclose(gb, sum_to_shape(-g * a / b ** 2, b.shape), rtol=1e-10)
    assert kb.div_joint([False, True], g, a / b, a, b)[0] is None
    assert kb.div_joint([True, True], 3.0, 1.5, 3.0, 2.0) == (1.5, -2.25)   # floats: plain rules


def _grad_through_nodes(fn, leaves, up):
    """The create_graph path: rules on nodes, in the plain order, summed by the driver."""
    return [g.data for g in autograd.grad(fn(*leaves), leaves, grad_output=Tensor(up),
                                          create_graph=True)]


def test_divisor_sum_first_falls_back_to_the_plain_order_where_the_sum_overflows():
    """g * out summed before / -b can overflow where the gradient does not (a float16
    batch, or float32 near 3e38): the rule then takes the plain order, like create_graph."""
    rng = np.random.default_rng(9)
    a = Tensor(rng.uniform(50, 150, size=(16, 2, 32, 32)).astype(np.float16))
    b = Tensor(np.full((1, 2, 1, 1), 10.0, np.float16), requires_grad=True)
    up = np.ones(a.shape, np.float16)
    (a / b).backward(up)
    want = (-a.data.astype(np.float64) / 100.0).sum(axis=(0, 2, 3)).reshape(1, 2, 1, 1)
    assert np.isfinite(b.grad.data).all()
    np.testing.assert_allclose(b.grad.data, want, rtol=2e-2)
    big = Tensor(np.full((10, 1), 3e38, np.float32))
    c = Tensor(np.array([100.0], np.float32), requires_grad=True)
    up32 = np.full((10, 1), 30.0, np.float32)
    with np.errstate(over="raise"):         # the fallback does not leak a warning either
        (big / c).backward(up32)
    np.testing.assert_allclose(c.grad.data, [-9e36], rtol=1e-5)
    np.testing.assert_allclose(c.grad.data, _grad_through_nodes(lambda t: big / t, [c], up32)[0],
                               rtol=1e-6)


def test_pow_scales_a_broadcast_upstream_only_where_that_stays_finite():
    """sum's backward hands x ** 2 a stride-0 upstream of 3e38: scaled by 2 first it would
    overflow float32, while the gradient 3e38 * 2x (x <= 1e-3) does not."""
    x = Tensor(np.linspace(0.0, 1e-3, 5000, dtype=np.float32).reshape(1, 5000), requires_grad=True)
    up = np.array([3e38], np.float32)
    with np.errstate(over="raise"):
        (x ** 2).sum(axis=1).backward(up)
    np.testing.assert_allclose(x.grad.data, 3e38 * 2 * x.data.astype(np.float64), rtol=1e-5)
