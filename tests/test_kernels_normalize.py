"""Batch norm's and layer norm's normalizing gates backpropagated as one group
(autograd/kernels/normalize.py): the group's rule gives each gate and the input the
lesson's gradients, over random shapes and axes; the group is found only in the graph
compose.normalization records; and a plain backward through it leaves the same .grad on
every node as the lesson: with gradient reaching a gate from outside the group, two groups
sharing gates, a gate's gradient asked for, a second backward, zero variance, a broadcast
upstream, a gate no longer needing a gradient, or an input changed after the forward (the
backward raises, and leaves .grad where the lesson leaves it)."""

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from autograd import functional as F
from autograd.compose import normalization
from autograd.kernels import driver, normalize
from autograd.ops.arithmetic import DIV


@contextmanager
def lesson_only():
    """The lesson alone for this block (nothing to do under CHAINRULE_KERNELS=off)."""
    on = autograd.kernels.attached()
    if on:
        autograd.kernels.detach()
    try:
        yield
    finally:
        if on:
            autograd.kernels.attach()


def graph_nodes(root):
    """Every node of root's graph, in a fixed order (inputs depth first)."""
    seen, order, stack = set(), [], [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            order.append(node)
            stack.extend(reversed(node.inputs))
    return order


def scale_of(arrays):
    return max(float(np.abs(a).max()) for a in arrays if a.size) or 1.0


@st.composite
def shapes_and_axes(draw):
    """(shape, normalized axes) as batch norm ((0, 2, ...)) or layer norm (the last k) uses them."""
    shape = tuple(draw(st.lists(st.integers(1, 5), min_size=2, max_size=4)))
    if draw(st.booleans()):
        axes = (0, *range(2, len(shape)))
    else:
        k = draw(st.integers(1, len(shape)))
        axes = tuple(range(len(shape) - k, len(shape)))
    if np.prod([shape[a] for a in axes]) < 2:       # one value: var 0, a gradient of 0/0 size
        shape = tuple(d + 1 if i in axes else d for i, d in enumerate(shape))
    return shape, axes


@settings(max_examples=60, deadline=None)
@given(shapes_and_axes(), st.sampled_from([np.float64, np.float32]), st.integers(0, 2**16))
def test_the_group_rule_gives_each_member_the_lessons_gradient(shape_axes, dtype, seed):
    shape, axes = shape_axes
    r = np.random.default_rng(seed)
    x = Tensor(r.normal(size=shape).astype(dtype), requires_grad=True)
    g = r.normal(size=shape).astype(dtype)
    with lesson_only():
        xhat, _, _ = normalization._normalize(x, axes, 1e-5)
        xhat.backward(g)
    group = normalize.members(xhat)
    assert group is not None and group[0] is x
    member_grads, part = normalize.gradients(g, xhat, group)
    assert {id(m) for m, _ in member_grads} == {id(m) for m in group[1:]}
    rtol = 1e-9 if dtype == np.float64 else 2e-4
    scale = scale_of([x.grad.data] + [m.grad.data for m in group[1:]])
    for member, got in member_grads:
        assert got.shape == member.shape and got.dtype == dtype, member.op
        np.testing.assert_allclose(got, member.grad.data, rtol=rtol, atol=rtol * scale,
                                   err_msg=member.op)
    assert part.shape == shape and part.dtype == dtype
    np.testing.assert_allclose(part, x.grad.data, rtol=rtol, atol=rtol * scale)


def normalized(x, exponent=0.5, eps=1e-5, var_axes=(0, 2, 3)):
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(axis=var_axes, keepdims=True)
    return xc / (var + eps) ** exponent


def test_only_the_lessons_normalization_is_a_group(rng):
    def leaf():
        return Tensor(rng.normal(size=(3, 2, 4, 4)), requires_grad=True)
    assert normalize.members(normalized(leaf())) is not None
    assert normalize.members(normalized(leaf(), exponent=0.4)) is None
    assert normalize.members(normalized(leaf(), eps=Tensor(1e-5, requires_grad=True))) is None
    assert normalize.members(normalized(leaf(), var_axes=(0, 2))) is None
    assert normalize.members(leaf() / Tensor(rng.random((1, 2, 1, 1)) + 1, requires_grad=True)) is None
    xhat = normalized(leaf())
    xhat.inputs[0].requires_grad = False        # xc: the lesson sends it nothing
    assert normalize.members(xhat) is None


# ------------------------------------------------ through the attached driver

@pytest.fixture
def group_calls(monkeypatch):
    """How many times a backward used the group rule (until lesson_only attaches the
    kernels again)."""
    calls = []
    members, gradients = driver.GROUPS[DIV]

    def counted(*args):
        calls.append(1)
        return gradients(*args)
    monkeypatch.setitem(driver.GROUPS, DIV, (members, counted))
    return calls


def batch_norm_graph(seed, dtype=np.float64, shape=(4, 3, 5, 6)):
    """(x, y, upstream) for nn.BatchNorm2d in training, weight and bias not 1 and 0."""
    r = np.random.default_rng(seed)
    layer = nn.BatchNorm2d(shape[1])
    layer.weight.data[:] = r.normal(size=shape[1])
    layer.bias.data[:] = r.normal(size=shape[1])
    x = Tensor(r.normal(size=shape).astype(dtype), requires_grad=True)
    return x, layer(x), r.normal(size=shape).astype(dtype)


def all_grads(y):
    return [(node.op, None if node.grad is None else np.array(node.grad.data))
            for node in graph_nodes(y)]


def assert_same_grads(fast, lesson, rtol=1e-9):
    assert [op for op, _ in fast] == [op for op, _ in lesson]
    scale = scale_of([g for _, g in lesson if g is not None])
    for (op, got), (_, want) in zip(fast, lesson):
        assert (got is None) == (want is None), op
        if want is not None:
            np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * scale, err_msg=op)


@pytest.mark.with_kernels
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_plain_backward_through_batch_norm_keeps_every_nodes_lesson_grad(group_calls, dtype):
    _, y, up = batch_norm_graph(0, dtype)
    y.backward(up)
    fast = all_grads(y)
    assert group_calls == [1]
    with lesson_only():
        _, y, up = batch_norm_graph(0, dtype)
        y.backward(up)
    assert len(fast) == 15          # the nine gates, two reshapes, x, gamma, beta, eps
    assert_same_grads(fast, all_grads(y), 1e-9 if dtype == np.float64 else 1e-4)


def with_outside_use(seed):
    """Batch norm's output plus a second use of the centred x inside it."""
    x, y, up = batch_norm_graph(seed)
    xhat = next(node for node in graph_nodes(y) if node.gate is DIV)
    xc = xhat.inputs[0]
    return x, xc, (y * Tensor(up)).sum() + (xc * xc).sum() * 0.3


@pytest.mark.with_kernels
def test_gradient_reaching_a_member_from_outside_the_group_still_arrives(group_calls):
    _, _, loss = with_outside_use(1)
    loss.backward()
    fast = all_grads(loss)
    assert group_calls == [1]
    with lesson_only():
        _, _, loss = with_outside_use(1)
        loss.backward()
    assert_same_grads(fast, all_grads(loss))


@pytest.mark.with_kernels
def test_asking_for_a_members_gradient_gives_the_lessons(group_calls):
    x, xc, loss = with_outside_use(2)
    fast = autograd.grad(loss, [xc, x])
    assert group_calls == []        # a wanted member: the members' own rules run
    x, _, loss = with_outside_use(2)
    fast_x = autograd.grad(loss, [x])[0]
    assert group_calls == [1]
    with lesson_only():
        x, xc, loss = with_outside_use(2)
        want = autograd.grad(loss, [xc, x])
    for got, w in zip(fast, want):
        np.testing.assert_allclose(got.data, w.data, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fast_x.data, want[1].data, rtol=1e-9, atol=1e-9)


def changed_after_the_forward(seed):
    """A graph whose second term refuses its backward (an input changed after the forward),
    reached after the normalization's gates got their gradients from the first term."""
    r = np.random.default_rng(seed)
    x = Tensor(r.normal(size=(4, 3, 5)), requires_grad=True)
    xhat = normalization._normalize(x, (0, 2), 1e-5)[0]
    std = xhat.inputs[1]
    t = Tensor(r.normal(size=(1, 3, 1)))
    loss = (std * t).sum() + (xhat * Tensor(r.normal(size=(4, 3, 5)))).sum()
    t.data = t.data + 1
    return loss


@pytest.mark.with_kernels
def test_an_input_changed_after_the_forward_is_refused_as_in_the_lesson(group_calls):
    loss = changed_after_the_forward(3)
    with pytest.raises(RuntimeError, match=r"had its \.data changed after the forward"):
        loss.backward()
    fast = all_grads(loss)
    assert group_calls == []
    with lesson_only():
        loss = changed_after_the_forward(3)
        with pytest.raises(RuntimeError, match=r"had its \.data changed after the forward"):
            loss.backward()
    assert_same_grads(fast, all_grads(loss))


def shared_gates(seed):
    """Two normalizations sharing xc and var (eps 1e-5 and 1e-3), summed."""
    r = np.random.default_rng(seed)
    x = Tensor(r.normal(size=(5, 2, 3, 3)), requires_grad=True)
    mu = x.mean(axis=(0, 2, 3), keepdims=True)
    xc = x - mu
    var = (xc ** 2).mean(axis=(0, 2, 3), keepdims=True)
    a = xc / (var + 1e-5) ** 0.5
    b = xc / (var + 1e-3) ** 0.5
    return (a * Tensor(r.normal(size=a.shape))).sum() + (b * b).sum()


@pytest.mark.with_kernels
@pytest.mark.parametrize("make, groups", [
    (shared_gates, 2),
    (lambda seed: F.batch_norm(Tensor(np.full((4, 3, 2, 2), 7.0) + np.arange(3).reshape(1, 3, 1, 1),
                                      requires_grad=True), training=True).sum() * 1.0, 1),
    (lambda seed: (F.batch_norm(Tensor(np.random.default_rng(seed).normal(size=(6, 4)),
                                       requires_grad=True), training=True, eps=0.0) ** 2).sum(), 1),
    (lambda seed: F.layer_norm(Tensor(np.random.default_rng(seed).normal(size=(3, 4, 5)),
                                      requires_grad=True), (4, 5)).mean(), 1),
], ids=["two groups sharing gates", "zero variance, a broadcast upstream", "eps 0",
        "layer norm over two axes, a broadcast upstream"])
def test_unusual_graphs_keep_every_nodes_lesson_grad(group_calls, make, groups):
    loss = make(5)
    loss.backward()
    loss.backward()                 # a second backward adds to every .grad, as in the lesson
    fast = all_grads(loss)
    assert len(group_calls) == 2 * groups
    with lesson_only():
        loss = make(5)
        loss.backward()
        loss.backward()
    assert_same_grads(fast, all_grads(loss))


@pytest.mark.with_kernels
def test_a_gate_that_no_longer_needs_a_gradient_is_left_to_the_lesson(group_calls, rng):
    def make():
        a = Tensor(np.arange(60.0).reshape(4, 3, 5) % 7, requires_grad=True)
        x = a * 2.0
        y = F.batch_norm(x, training=True)
        x.requires_grad = False         # after the forward: the lesson sends x nothing
        return y
    y = make()
    y.backward(np.ones(y.shape))
    fast = all_grads(y)
    assert group_calls == []
    with lesson_only():
        y = make()
        y.backward(np.ones(y.shape))
    assert_same_grads(fast, all_grads(y))


@pytest.mark.with_kernels
def test_layer_norm_and_batch_norm_1d_take_the_group_too(group_calls, rng):
    x = Tensor(rng.normal(size=(4, 6, 8)), requires_grad=True)
    F.layer_norm(x, (8,)).backward(rng.normal(size=(4, 6, 8)))
    z = Tensor(rng.normal(size=(5, 3)), requires_grad=True)
    F.batch_norm(z, training=True).backward(rng.normal(size=(5, 3)))
    assert group_calls == [1, 1]
