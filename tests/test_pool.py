"""max_pool2d (router through a differentiable window scatter) and avg_pool2d (distributor):
the lecture's numbers, finite differences of both orders, the loops, torch, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from autograd import functional as F
from autograd.ops.pool import MAX_POOL2D, WINDOW_GATHER2D, WINDOW_SCATTER2D
from autograd.teaching.expand import scalar_backward
from demos import naive_loops as NL

# (N, C, H, W), kernel, stride, padding, dilation
CASES = [
    ((1, 1, 4, 4), 2, None, 0, 1),
    ((2, 2, 5, 6), 2, None, 0, 1),                     # windows do not tile: last row/col unused
    ((1, 2, 5, 5), 3, 1, 0, 1),                        # overlapping windows
    ((1, 2, 7, 6), 3, 2, 1, 1),                        # overlap + padding
    ((1, 1, 6, 7), (3, 2), (2, 1), (1, 0), 1),         # non-square everything
    ((1, 2, 4, 5), (2, 3), 3, (1, 1), 1),              # stride > kernel: gaps
    ((1, 1, 4, 4), 2, 3, 1, 1),                        # gaps, though stride divides the padded size
    ((2, 1, 7, 7), 3, 2, 1, 2),                        # dilation (max only)
    ((1, 1, 3, 3), 3, None, 0, 1),                     # one window
]


def leaf(rng, shape, dtype=np.float64):
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def ops_in(*roots):
    return {node.op for r in roots for node in topological_order(r) if node.op}


# ---------------------------------------------------------------- the lecture's example

LECTURE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=float)


def test_lecture_max_pool_and_where_the_gradient_goes():
    x = Tensor(LECTURE[None, None], requires_grad=True)
    y = F.max_pool2d(x, 2)
    np.testing.assert_array_equal(y.data[0, 0], [[6, 8], [3, 4]])
    y.backward(np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 0, 0, 0],
                                                      [0, 1, 0, 2],
                                                      [3, 0, 0, 0],
                                                      [0, 0, 0, 4]])


def test_lecture_mean_pool_sends_a_quarter_everywhere():
    x = Tensor(LECTURE[None, None], requires_grad=True)
    y = F.avg_pool2d(x, 2)
    np.testing.assert_array_equal(y.data[0, 0], [[13 / 4, 21 / 4], [8 / 4, 8 / 4]])
    y.backward(np.array([[[[4.0, 8.0], [-4.0, 12.0]]]]))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 1, 2, 2],
                                                      [1, 1, 2, 2],
                                                      [-1, -1, 3, 3],
                                                      [-1, -1, 3, 3]])


def test_overlapping_windows_add_up_at_a_shared_maximum():
    x = Tensor(np.array([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]], dtype=float), requires_grad=True)
    F.max_pool2d(x, 2, stride=1).sum().backward()    # 9 wins all four windows
    assert x.grad.data[0, 0, 1, 1] == 4 and x.grad.data.sum() == 4


def test_ties_route_to_the_first_maximum_like_torch():
    x = Tensor(np.zeros((1, 1, 4, 4)), requires_grad=True)   # e.g. after a relu
    F.max_pool2d(x, 2).sum().backward()
    expected = np.zeros((4, 4))
    expected[::2, ::2] = 1
    np.testing.assert_array_equal(x.grad.data[0, 0], expected)


# ---------------------------------------------------------------- finite differences

def distinct(rng, shape):
    """Values far apart so no window has a near-tie (finite differences stay inside one
    linear piece of the max)."""
    n = int(np.prod(shape))
    return Tensor(rng.permutation(n).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape),
                  requires_grad=True)


@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_max_pool_gradcheck_first_and_second_order(rng, shape, k, s, p, d):
    x = distinct(rng, shape)
    f = lambda x: F.max_pool2d(x, k, s, p, d)
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])
    g = lambda x: F.max_pool2d(x, k, s, p, d) ** 2           # the router's second order
    assert gradgradcheck(g, [x])


@pytest.mark.parametrize("shape, k, s, p, d", [c for c in CASES if c[4] == 1])
def test_avg_pool_gradcheck_first_and_second_order(rng, shape, k, s, p, d):
    x = leaf(rng, shape)
    f = lambda x: F.avg_pool2d(x, k, s, p)
    assert gradcheck(f, [x])
    assert gradgradcheck(lambda x: f(x) ** 2, [x])


def test_window_scatter_and_gather_are_differentiable_adjoints(rng):
    x = distinct(rng, (2, 2, 7, 6))
    params = {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 1)}
    _, index = MAX_POOL2D.forward(x.data, record=True, **params)      # the router's switches
    g = leaf(rng, index.shape)
    big = leaf(rng, x.shape)
    scatter = lambda g: WINDOW_SCATTER2D(g, index=index, size=(7, 6), **params)
    gather = lambda t: WINDOW_GATHER2D(t, index=index, **params)
    assert gradcheck(scatter, [g]) and gradgradcheck(lambda g: scatter(g) ** 2, [g])
    assert gradcheck(gather, [big]) and gradgradcheck(lambda t: gather(t) ** 2, [big])
    lhs = float(np.sum(scatter(g).data * big.data))
    assert np.isclose(lhs, float(np.sum(g.data * gather(big).data)))


# ---------------------------------------------------------------- the derived backward graph

def test_backward_graphs_are_made_of_primitives(rng):
    x = distinct(rng, (1, 2, 6, 6))
    y = F.max_pool2d(x, 3, 2, 1)
    gx, = autograd.grad((y * y).sum(), [x], create_graph=True)
    assert gx.op == "window_scatter2d" and gx.params["kernel_size"] == (3, 3)
    ggx, = autograd.grad((gx * gx).sum(), [x])
    assert ggx.shape == x.shape
    y = F.avg_pool2d(x, 3, 2, 1)
    gx, = autograd.grad((y * y).sum(), [x], create_graph=True)
    assert gx.op == "conv_transpose2d" and gx.params["groups"] == 2   # channel-wise, uniform
    filt = gx.parents[1].data
    np.testing.assert_array_equal(filt, np.full((2, 1, 3, 3), 1 / 9))


def test_double_backward_through_the_router_uses_gather(rng):
    x = distinct(rng, (1, 1, 4, 4))
    y = F.max_pool2d(x, 2)
    gx, = autograd.grad((y ** 3).sum(), [x], create_graph=True)      # 3 y^2 scattered
    hx, = autograd.grad(gx.sum(), [x], create_graph=True)            # 6 y at the winners
    kx, = autograd.grad((gx * gx).sum(), [x], create_graph=True)     # upstream depends on x
    assert "window_gather2d" in ops_in(kx)
    expected = np.zeros((4, 4))
    wins = np.argwhere(x.data[0, 0] == np.repeat(np.repeat(y.data[0, 0], 2, 0), 2, 1))
    for r, c in wins:
        expected[r, c] = 6 * x.data[0, 0, r, c]
    np.testing.assert_allclose(hx.data[0, 0], expected)


# ---------------------------------------------------------------- the lectures' loops

@pytest.mark.parametrize("shape, k, s, p, d", [c for c in CASES if c[4] == 1])
def test_pooling_matches_naive_loops(rng, shape, k, s, p, d):
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    y = F.max_pool2d(x, k, s, p)
    up = rng.standard_normal(y.shape)
    y.backward(up)
    ref, where = NL.max_pool2d_forward(x.data, k, s, p)
    np.testing.assert_array_equal(y.data, ref)
    np.testing.assert_allclose(x.grad.data, NL.max_pool2d_backward(up, shape, where), atol=1e-12)
    x.zero_grad()
    y = F.avg_pool2d(x, k, s, p)
    y.backward(up)
    np.testing.assert_allclose(y.data, NL.avg_pool2d_forward(x.data, k, s, p), atol=1e-12)
    np.testing.assert_allclose(x.grad.data, NL.avg_pool2d_backward(up, shape, k, s, p), atol=1e-12)


@given(st.integers(2, 7), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 1), st.integers(0, 3), st.integers(0, 10_000))
def test_max_pool_property_matches_loops(h, w, kh, kw, s, p, levels, seed):
    """Random geometry and coarse values (many ties): the router agrees with the loops."""
    if p > kh // 2 or p > kw // 2 or h + 2 * p < kh or w + 2 * p < kw:
        return
    r = np.random.default_rng(seed)
    x = Tensor(r.integers(0, levels + 1, (1, 2, h, w)).astype(float), requires_grad=True)
    y = F.max_pool2d(x, (kh, kw), s, p)
    up = r.standard_normal(y.shape)
    y.backward(up)
    ref, where = NL.max_pool2d_forward(x.data, (kh, kw), s, p)
    np.testing.assert_array_equal(y.data, ref)
    np.testing.assert_allclose(x.grad.data, NL.max_pool2d_backward(up, x.shape, where), atol=1e-12)


def test_scalar_expansion_of_tiny_pools_gives_the_same_gradients(rng):
    x = rng.standard_normal((1, 2, 5, 4))
    up = rng.standard_normal((1, 2, 3, 2))
    for ours, loops in [
        (lambda t: F.max_pool2d(t, 3, 2, 1), lambda v: NL.max_pool2d_forward(v, 3, 2, 1)[0]),
        (lambda t: F.avg_pool2d(t, 3, 2, 1), lambda v: NL.avg_pool2d_forward(v, 3, 2, 1)),
    ]:
        out, (gx,), _ = scalar_backward(loops, [x], upstream=up)
        t = Tensor(x, requires_grad=True)
        y = ours(t)
        y.backward(up)
        np.testing.assert_allclose(y.data, out, atol=1e-12)
        np.testing.assert_allclose(t.grad.data, gx, atol=1e-12)


def test_windows_of_more_than_255_offsets(rng):
    """The arg-max index widens past uint8 for 16x16 windows."""
    x = Tensor(rng.standard_normal((1, 1, 17, 18)), requires_grad=True)
    y = F.max_pool2d(x, 16, stride=1)
    up = rng.standard_normal(y.shape)
    y.backward(up)
    ref, where = NL.max_pool2d_forward(x.data, 16, 1)
    np.testing.assert_array_equal(y.data, ref)
    np.testing.assert_allclose(x.grad.data, NL.max_pool2d_backward(up, x.shape, where), atol=1e-12)


# ---------------------------------------------------------------- dtype and layout

def test_float32_stays_float32(rng):
    x = leaf(rng, (2, 3, 6, 6), np.float32)
    (F.max_pool2d(x, 2) * F.avg_pool2d(x, 2)).sum().backward()
    assert F.max_pool2d(x, 3, 1).dtype == F.avg_pool2d(x, 3, 1).dtype == np.float32
    assert x.grad.dtype == np.float32


def test_batch_last_memory_gives_the_same_numbers(rng):
    base = rng.standard_normal((3, 6, 5, 2))
    x = base.transpose(3, 0, 1, 2)
    for f in (lambda t: F.max_pool2d(t, 3, 2, 1), lambda t: F.avg_pool2d(t, 2, 1)):
        a, b = Tensor(x, requires_grad=True), Tensor(np.ascontiguousarray(x), requires_grad=True)
        ya, yb = f(a), f(b)
        up = rng.standard_normal(ya.shape)
        ya.backward(up)
        yb.backward(up)
        np.testing.assert_allclose(ya.data, yb.data)
        np.testing.assert_allclose(a.grad.data, b.grad.data)


# ---------------------------------------------------------------- torch

@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape, k, s, p, d", CASES)
def test_pooling_matches_torch(rng, shape, k, s, p, d, dtype, tol):
    torch = pytest.importorskip("torch")
    x = Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
    tx = torch.tensor(x.data, requires_grad=True)
    pools = [(F.max_pool2d(x, k, s, p, d), torch.nn.functional.max_pool2d(tx, k, s, p, d))]
    if d == 1:
        pools.append((F.avg_pool2d(x, k, s, p), torch.nn.functional.avg_pool2d(tx, k, s, p)))
    assert_pools_match_torch(rng, x, tx, pools, dtype, tol)


def assert_pools_match_torch(rng, x, tx, pools, dtype, tol):
    """Each (ours, torch's) output pair of x / tx: same dtype and values, and the same
    gradient for one random upstream."""
    import torch
    for y, ty in pools:
        up = rng.standard_normal(y.shape).astype(dtype)
        x.zero_grad()
        tx.grad = None
        y.backward(up)
        ty.backward(torch.tensor(up))
        assert y.data.dtype == dtype
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=tol, atol=tol)


def test_max_pool_ties_match_torch(rng):
    torch = pytest.importorskip("torch")
    x = rng.integers(0, 2, (2, 3, 7, 7)).astype(np.float32)
    t = Tensor(x, requires_grad=True)
    tx = torch.tensor(x, requires_grad=True)
    F.max_pool2d(t, 3, 2, 1).sum().backward()
    torch.nn.functional.max_pool2d(tx, 3, 2, 1).sum().backward()
    np.testing.assert_array_equal(t.grad.data, tx.grad.numpy())


# ---------------------------------------------------------------- errors

BAD = [
    (F.max_pool2d, (np.zeros((4, 4)), 2), {}, r"max_pool2d: input must be 4-d"),
    (F.max_pool2d, (np.zeros((1, 1, 2, 2)), 3), {}, r"kernel span 3 along H is larger than the padded input"),
    (F.avg_pool2d, (np.zeros((1, 1, 4, 4)), 2), {"padding": 2},
     r"avg_pool2d: padding 2 along H must be at most half the kernel span 2"),
    (F.max_pool2d, (np.zeros((1, 1, 4, 4)), 2), {"stride": 0}, r"stride must be positive, got 0"),
    (F.max_pool2d, (np.zeros((1, 1, 4, 4)), 0), {}, r"kernel_size must be positive"),
    (F.avg_pool2d, (np.zeros((1, 1, 4, 4)), (2, 2, 2)), {}, r"kernel_size must be an int or a pair"),
]


@pytest.mark.parametrize("fn, args, kw, match", BAD)
def test_impossible_configurations_raise_clear_errors(fn, args, kw, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kw)
