"""Regression tests for issue 23's eight differences from PyTorch (F-M), found by running
other projects' test suites against chainrule. Each expected value is worked by hand in the
test (and, where torch is installed, checked against torch as well)."""

import math
import warnings

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import functional as F

INF, NAN = math.inf, math.nan


def _grad(fn, data, upstream=None):
    """d(sum(upstream * fn(x)))/dx for x = data (float64)."""
    x = Tensor(np.asarray(data, dtype=np.float64), requires_grad=True)
    y = fn(x)
    y.backward(np.ones(y.shape) if upstream is None else upstream)
    return np.asarray(x.grad.data)


# ---------------------------------------------------------------- F: probability targets get a gradient

def test_f_cross_entropy_probability_targets_get_their_gradient():
    """loss = -sum_c q_c log softmax(x)_c / N, so d loss / d q = -log_softmax(x) / N."""
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    q = Tensor([[0.2, 0.3, 0.5]], requires_grad=True)
    F.cross_entropy(x, q).backward()
    log_z = math.log(math.exp(1) + math.exp(2) + math.exp(3))
    expect = [log_z - 1, log_z - 2, log_z - 3]            # [[2.408, 1.408, 0.408]] (the issue's)
    np.testing.assert_allclose(q.grad.data, [expect], rtol=1e-12)
    np.testing.assert_allclose(q.grad.data, [[2.408, 1.408, 0.408]], atol=5e-4)
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(x.grad.data, [p - [0.2, 0.3, 0.5]], rtol=1e-12)   # unchanged


def test_f_weighted_smoothed_mean_over_positions_differentiates_the_targets():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(2, 3, 4)), requires_grad=True)
    q = Tensor(np.ascontiguousarray(rng.dirichlet(np.ones(3), size=(2, 4)).transpose(0, 2, 1)),
               requires_grad=True)
    w = np.array([0.5, 1.0, 2.0])
    fn = lambda x, q: F.cross_entropy(x, q, weight=w, label_smoothing=0.1)
    assert autograd.gradcheck(fn, [x, q])
    fn(x, q).backward()
    logp = x.data - np.log(np.exp(x.data).sum(axis=1, keepdims=True))
    # d/dq of -(1/8) sum w_c ((1 - s) q_c + s/C) logp_c = -(1 - s) w_c logp_c / 8
    np.testing.assert_allclose(q.grad.data, -(0.9 / 8) * w[None, :, None] * logp, rtol=1e-12)


# ---------------------------------------------------------------- G: an infinite upstream into max-pool

def _pool_grad(x, upstream, **kw):
    t = Tensor(x, requires_grad=True)
    y = F.max_pool2d(t, 2, **kw)
    y.backward(np.broadcast_to(upstream, y.shape).copy())
    return t.grad.data


@pytest.mark.parametrize("kw", [{}, {"stride": 1}, {"padding": 1}, {"dilation": 2}],
                         ids=["tiled", "overlapping", "padded", "dilated"])
@pytest.mark.parametrize("upstream", [INF, -INF, NAN])
def test_g_max_pool_backward_keeps_zeros_off_the_winner(upstream, kw):
    """The upstream goes to each window's arg-max; every other input gets exactly 0, also when
    the upstream is inf or nan (inf x 0 is nan: a mask multiply is not a router)."""
    x = np.random.default_rng(1).permutation(36).astype(float).reshape(1, 1, 6, 6)
    finite = _pool_grad(x, 1.0, **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no "invalid value" either
        got = _pool_grad(x, upstream, **kw)
    winners = finite != 0
    assert (got[~winners] == 0).all(), got
    np.testing.assert_array_equal(got[winners], finite[winners] * upstream)


def test_g_max_pool_double_backward_gathers_only_the_winners():
    """max-pool's gradient is a scatter of the upstream; its own backward gathers at the
    winners, so an inf anywhere else in a window stays out."""
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 0, 1] = INF
    t = Tensor(x, requires_grad=True)
    seed = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    (g,) = autograd.grad(F.max_pool2d(t, 2), [t], grad_output=seed, create_graph=True)
    winners = np.zeros((4, 4))
    winners[[0, 1, 3, 3], [1, 3, 1, 3]] = 1.0
    np.testing.assert_array_equal(g.data[0, 0], winners)
    probe = np.where(winners == 1, 2.0, INF)[None, None]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (gg,) = autograd.grad(g, [seed], grad_output=Tensor(probe))
    np.testing.assert_array_equal(gg.data, np.full((1, 1, 2, 2), 2.0))


def test_g_max_unpool_backward_and_forward_keep_zeros():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    _, idx = F.max_pool2d(Tensor(x), 2, return_indices=True)
    v = Tensor(np.array([[[[INF, 1.0], [2.0, -INF]]]]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = F.max_unpool2d(v, idx, 2)
        expect = np.zeros((4, 4))
        expect[1::2, 1::2] = [[INF, 1.0], [2.0, -INF]]
        np.testing.assert_array_equal(z.data[0, 0], expect)
        z.backward(np.full(z.shape, INF))
    np.testing.assert_array_equal(v.grad.data, np.full((1, 1, 2, 2), INF))


# ---------------------------------------------------------------- H: a crop that empties an axis

@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("pad", [(0, 0, 0, -5), (0, 0, -5, 0), (0, 0, -3, -2), (-5, 0, 0, 0)])
def test_h_pad_crop_to_nothing_gives_an_empty_tensor(mode, pad):
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    y = F.pad(x, pad, mode=mode)
    empty_axis = 2 if pad[0] == 0 else 3
    assert y.shape == tuple(0 if a == empty_axis else n for a, n in enumerate((1, 1, 5, 5)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((1, 1, 5, 5)))


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
def test_h_pad_crop_and_grow_on_one_axis_reads_the_original_input(mode):
    """(-5, 1) on 5 rows: one row, the one past the end: reflect reads row 3, replicate row 4."""
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5))
    row = {"reflect": 3, "replicate": 4}[mode]
    np.testing.assert_array_equal(F.pad(x, (0, 0, -5, 1), mode=mode).data[0, 0], x.data[0, 0, [row]])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_h_pad_crop_past_the_axis_is_refused(mode):
    with pytest.raises(ValueError, match=r"^pad: .*axis 2"):
        F.pad(Tensor(np.ones((1, 1, 5, 5))), (0, 0, -2, -4), mode=mode)


# ---------------------------------------------------------------- I and J: gradients at inf and nan

def test_i_elu_gradient_at_plus_infinity_is_one():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_grad(F.elu, [INF, 2.0]), [1.0, 1.0])
    # below zero the slope is alpha exp(x): 0 at -inf
    np.testing.assert_array_equal(_grad(lambda x: F.elu(x, alpha=0.5), [-INF]), [0.0])


@pytest.mark.parametrize("fn, expect", [
    (lambda x: x.abs(), 0.0),                 # torch: sgn(nan) counts as 0 here
    (F.hardtanh, 1.0),                        # torch: "not outside the bounds" passes nan on
    (F.elu, 1.0),                             # torch: "not x <= 0" takes the linear side
    (F.relu, 1.0),                            # (already so: nan wins the router)
    (F.leaky_relu, 0.01),                     # torch: "x > 0" is false: the slope
], ids=["abs", "hardtanh", "elu", "relu", "leaky_relu"])
def test_j_gradients_at_nan_inputs_match_torch(fn, expect):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_grad(fn, [NAN]), [expect])


@pytest.mark.parametrize("method, expect", [("abs", 0.0), ("hardtanh", 1.0), ("elu", 1.0)])
def test_j_values_take_the_same_gradient_at_nan_as_tensors(method, expect):
    v = autograd.Value(NAN)
    getattr(v, method)().backward()
    assert v.grad == expect


def test_i_j_double_backward_of_elu_still_matches_its_second_derivative():
    x = Tensor([-1.5, -0.2, 0.7, 3.0], requires_grad=True)
    assert autograd.gradgradcheck(lambda t: F.elu(t, alpha=0.7).sum(), [x])
    (g,) = autograd.grad(F.elu(x, alpha=0.7).sum(), [x], create_graph=True)
    (gg,) = autograd.grad(g.sum(), [x])
    expect = np.where(x.data > 0, 0.0, 0.7 * np.exp(x.data))
    np.testing.assert_allclose(gg.data, expect, rtol=1e-12)


# ---------------------------------------------------------------- K: batch norm of an empty batch

def test_k_batch_norm_of_an_empty_batch_is_empty_and_leaves_the_statistics():
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    w, b = Tensor(np.ones(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    mean, var = np.zeros(3), np.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                    # no "mean of empty slice"
        y = F.batch_norm(x, mean, var, w, b, training=True)
        assert y.shape == (0, 3)
        y.sum().backward()
    np.testing.assert_array_equal(mean, np.zeros(3))
    np.testing.assert_array_equal(var, np.ones(3))
    np.testing.assert_array_equal(w.grad.data, np.zeros(3))
    assert x.grad.shape == (0, 3)
    assert F.batch_norm(np.ones((0, 3, 4, 4)), None, None, training=True).shape == (0, 3, 4, 4)
    assert F.batch_norm(np.ones((2, 3, 0)), None, None, training=True).shape == (2, 3, 0)


def test_k_batch_norm_still_refuses_exactly_one_value_per_channel():
    with pytest.raises(ValueError, match=r"^batch_norm: training needs more than one value per "
                                         r"channel, got input \(1, 3\)$"):
        F.batch_norm(np.ones((1, 3)), None, None, training=True)


# ---------------------------------------------------------------- L: int and index array apart

@pytest.mark.parametrize("index, shape", [
    ((1, slice(None), [0, 2]), (3, 2, 5)),                 # the issue's: numpy gives (2, 3, 5)
    ((slice(None), 1, slice(None), [0, 2]), (2, 4, 2)),    # numpy: (2, 2, 4)
    ((0, Ellipsis, [1, 1, 2]), (3, 4, 3)),                 # numpy: (3, 3, 4)
    ((1, None, [0, 2]), (1, 2, 4, 5)),                      # numpy: (2, 1, 4, 5)
    (([0, 1], slice(None), 1), (2, 3, 5)),                  # arrays first either way
    ((1, [0, 2]), (2, 4, 5)),                               # adjacent: numpy agrees
    (([1, 0], slice(None), [0, 2]), (2, 3, 5)),             # two arrays apart: first, both
    ((1, slice(None), [[0, 2], [1, 1]]), (3, 2, 2, 5)),     # numpy: (2, 2, 3, 5)
    ((1, slice(None), [True, False, False, True]), (3, 2, 5)),   # a mask: numpy (2, 3, 5)
])
def test_l_an_int_selects_before_the_index_arrays(index, shape):
    """torch reads an int as a selection made first; the index arrays then index what is
    left, staying in place when they are adjacent (numpy counts the int as one more array,
    and moves the arrays to the front when a slice separates them)."""
    data = np.arange(120.0).reshape(2, 3, 4, 5)
    x = Tensor(data, requires_grad=True)
    y = x[index]
    assert y.shape == shape
    # the same elements, worked out in torch's order: the ints (and slices) first, then the arrays
    rest = tuple(np.asarray(i) if isinstance(i, list) else (Ellipsis if i is Ellipsis else slice(None))
                 for i in index if not isinstance(i, int))
    basic = tuple(q for i in index for q in ((slice(None),) if isinstance(i, list) else (i,)))
    np.testing.assert_array_equal(y.data, data[basic][rest])
    up = np.random.default_rng(2).normal(size=shape)
    y.backward(up)
    expect = np.zeros_like(data)
    np.add.at(expect.reshape(-1), np.arange(data.size).reshape(data.shape)[basic][rest], up)
    np.testing.assert_allclose(x.grad.data, expect)


def test_l_double_backward_through_the_torch_order_index():
    x = Tensor(np.random.default_rng(3).normal(size=(2, 3, 4)), requires_grad=True)
    assert autograd.gradgradcheck(lambda t: (t[1, :, [0, 2, 2]] ** 2).sum(), [x])


# ---------------------------------------------------------------- M: every target ignored

@pytest.mark.parametrize("loss", [
    lambda x, t: F.cross_entropy(x, t),
    lambda x, t: F.cross_entropy(x, t, label_smoothing=0.1),
    lambda x, t: F.cross_entropy(x, t, weight=np.array([1.0, 2.0, 3.0])),
    lambda x, t: F.nll_loss(x, t),
    lambda x, t: F.nll_loss(x, t, weight=np.array([1.0, 2.0, 3.0])),
], ids=["ce", "ce-smoothed", "ce-weighted", "nll", "nll-weighted"])
def test_m_mean_over_no_targets_is_nan_with_a_zero_gradient(loss):
    """The mean divides by the number (or weight) of counted targets: 0/0 is nan, like torch,
    but an ignored target sends no gradient at all, so the gradient is 0, not nan."""
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = loss(x, np.array([-100, -100]))
        assert math.isnan(out.item())
        out.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))


def test_m_some_targets_ignored_keep_the_mean_over_the_others():
    x = Tensor(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]]), requires_grad=True)
    F.cross_entropy(x, np.array([2, -100])).backward()
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(x.grad.data, [p - [0, 0, 1], [0, 0, 0]], rtol=1e-12)


# ---------------------------------------------------------------- the same, against torch

@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_against_torch_f_to_m(torch):
    tf = torch.nn.functional
    t64 = lambda a, grad=True: torch.tensor(np.asarray(a, float), requires_grad=grad)
    # F
    x, q = t64([[1.0, 2.0, 3.0]]), t64([[0.2, 0.3, 0.5]])
    tf.cross_entropy(x, q).backward()
    ours = Tensor([[0.2, 0.3, 0.5]], requires_grad=True)
    F.cross_entropy(Tensor([[1.0, 2.0, 3.0]]), ours).backward()
    np.testing.assert_allclose(ours.grad.data, q.grad.numpy(), rtol=1e-12)
    # G
    data = np.random.default_rng(4).permutation(36).astype(float).reshape(1, 1, 6, 6)
    for kw in ({}, {"stride": 1}, {"padding": 1}):
        tx = t64(data)
        ty = tf.max_pool2d(tx, 2, **kw)
        ty.backward(torch.full(ty.shape, INF, dtype=torch.float64))
        np.testing.assert_array_equal(_pool_grad(data, INF, **kw), tx.grad.numpy())
    # H
    for mode in ("reflect", "replicate"):
        for pad in ((0, 0, 0, -5), (0, 0, -5, 1), (0, 0, 2, -3)):
            a = np.arange(25.0).reshape(1, 1, 5, 5)
            np.testing.assert_array_equal(F.pad(Tensor(a), pad, mode=mode).data,
                                          tf.pad(torch.tensor(a), pad, mode=mode).numpy())
    # I, J
    for fn, tfn in ((lambda x: x.abs(), torch.abs), (F.hardtanh, tf.hardtanh), (F.elu, tf.elu)):
        for v in (NAN, INF, -INF):
            tx = t64([v])
            tfn(tx).sum().backward()
            np.testing.assert_array_equal(_grad(fn, [v]), tx.grad.numpy())
    # K
    assert F.batch_norm(np.ones((0, 3)), None, None, training=True).shape == \
        tuple(tf.batch_norm(torch.ones(0, 3), None, None, training=True).shape)
    # L
    a = np.arange(120.0).reshape(2, 3, 4, 5)
    for index in ((1, slice(None), [0, 2]), (slice(None), 1, slice(None), [0, 2]), (0, Ellipsis, [1, 2]),
                  (1, None, [0, 2]), ([0, 1], slice(None), 1)):
        np.testing.assert_array_equal(Tensor(a)[index].data, torch.tensor(a)[index].numpy())
    # M
    for loss, tloss in ((F.cross_entropy, tf.cross_entropy), (F.nll_loss, tf.nll_loss)):
        x, tx = Tensor(np.ones((2, 3)), requires_grad=True), t64(np.ones((2, 3)))
        loss(x, np.array([-100, -100])).backward()
        tloss(tx, torch.tensor([-100, -100])).backward()
        np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())
