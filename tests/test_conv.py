"""conv2d, conv_transpose2d, conv2d_weight, conv1d: finite differences (first and second
order), the lectures' loops, torch, the derived backward graph, errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, topological_order
from autograd import functional as F
from demos import naive_loops as NL

# N, C, H, W, O, kH, kW, stride, padding, dilation, groups
CONV_CASES = [
    (1, 1, 4, 4, 1, 2, 2, 1, 0, 1, 1),
    (2, 2, 5, 4, 3, 3, 2, 1, 1, 1, 1),                  # non-square input and kernel
    (1, 2, 6, 5, 2, 3, 3, 2, 0, 1, 1),                  # stride 2, windows do not tile
    (1, 2, 7, 6, 2, 2, 3, (2, 3), (1, 0), 1, 1),        # pairs
    (1, 2, 7, 7, 2, 3, 2, 1, 2, 2, 1),                  # dilation
    (1, 4, 5, 5, 4, 3, 3, 1, 1, 1, 2),                  # groups
    (1, 3, 5, 4, 3, 2, 2, 1, 0, 1, 3),                  # depthwise
    (1, 2, 5, 6, 4, 3, 3, 2, 1, (1, 2), 2),             # all at once
    (2, 3, 4, 4, 6, 1, 1, 1, 0, 1, 3),                  # 1x1, depthwise multiplier 2
    (1, 1, 3, 3, 1, 3, 3, 1, 0, 1, 1),                  # kernel covers the input
    (1, 2, 6, 6, 2, 2, 2, 3, 1, 1, 1),                  # stride > kernel: gaps
]

# N, C_in, H, W, C_out, kH, kW, stride, padding, output_padding, dilation, groups
TRANSPOSE_CASES = [
    (1, 1, 3, 3, 1, 2, 2, 1, 0, 0, 1, 1),
    (2, 2, 3, 4, 3, 3, 2, 2, 1, 1, 1, 1),
    (1, 2, 4, 3, 2, 3, 3, (2, 3), (1, 0), (1, 2), 1, 1),
    (1, 2, 3, 3, 2, 2, 2, 1, 0, 1, 2, 1),               # output_padding >= stride, < dilation
    (1, 4, 3, 3, 2, 3, 3, 2, 1, 0, 1, 2),
    (1, 3, 3, 2, 3, 2, 3, 1, 0, 0, 1, 3),
    (1, 2, 3, 3, 4, 3, 3, 2, 2, 1, 2, 2),
]


def leaf(rng, *shape, dtype=np.float64):
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def conv_inputs(rng, case):
    n, c, h, w, o, kh, kw, s, p, d, g = case
    x, wt, b = leaf(rng, n, c, h, w), leaf(rng, o, c // g, kh, kw), leaf(rng, o)
    return (x, wt, b), {"stride": s, "padding": p, "dilation": d, "groups": g}


def transpose_inputs(rng, case):
    n, c, h, w, o, kh, kw, s, p, op, d, g = case
    x, wt, b = leaf(rng, n, c, h, w), leaf(rng, c, o // g, kh, kw), leaf(rng, o)
    return (x, wt, b), {"stride": s, "padding": p, "output_padding": op, "dilation": d, "groups": g}


def ops_in(*roots):
    return {node.op for r in roots for node in topological_order(r) if node.op}


# ---------------------------------------------------------------- finite differences

@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_gradcheck_first_and_second_order(rng, case):
    inputs, kw = conv_inputs(rng, case)
    f = lambda x, w, b: F.conv2d(x, w, b, **kw)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_gradcheck_first_and_second_order(rng, case):
    inputs, kw = transpose_inputs(rng, case)
    f = lambda x, w, b: F.conv_transpose2d(x, w, b, **kw)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("case", CONV_CASES[1:8])
def test_conv2d_weight_primitive_gradcheck(rng, case):
    (x, w, _), kw = conv_inputs(rng, case)
    g = leaf(rng, *F.conv2d(x, w, **kw).shape)
    f = lambda x, g: F.conv2d_weight(x, g, w.shape[2:], **kw)
    assert gradcheck(f, [x, g])
    assert gradgradcheck(f, [x, g])


@pytest.mark.parametrize("s, p, d, g", [(1, 0, 1, 1), (2, 1, 1, 2), (3, 2, 2, 1)])
def test_conv1d_gradcheck_and_transposed(rng, s, p, d, g):
    x, w, b = leaf(rng, 2, 4, 9), leaf(rng, 2, 4 // g, 3), leaf(rng, 2)
    f = lambda x, w, b: F.conv1d(x, w, b, stride=s, padding=p, dilation=d, groups=g)
    assert gradcheck(f, [x, w, b]) and gradgradcheck(f, [x, w, b])
    wt = leaf(rng, 4, 3 // 1, 3)
    f = lambda x, w: F.conv_transpose1d(x, w, stride=s, padding=p, dilation=d)
    assert gradcheck(f, [x, wt]) and gradgradcheck(f, [x, wt])


def test_conv1d_is_conv2d_on_one_row(rng):
    x, w = rng.standard_normal((2, 3, 11)), rng.standard_normal((4, 3, 3))
    y = F.conv1d(x, w, stride=2, padding=1, dilation=2)
    ref = NL.conv2d_forward(x[:, :, None], w[:, :, None], stride=(1, 2), padding=(0, 1),
                            dilation=(1, 2))[:, :, 0]
    np.testing.assert_allclose(y.data, ref, atol=1e-12)


# ---------------------------------------------------------------- the lectures' loops

@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_naive_loops(rng, case):
    (x, w, b), kw = conv_inputs(rng, case)
    y = F.conv2d(x, w, b, **kw)
    up = rng.standard_normal(y.shape)
    y.backward(up)
    np.testing.assert_allclose(y.data, NL.conv2d_forward(x.data, w.data, b.data, **kw), atol=1e-12)
    dx, dw, db = NL.conv2d_backward(x.data, w.data, up, **kw)
    np.testing.assert_allclose(x.grad.data, dx, atol=1e-12)
    np.testing.assert_allclose(w.grad.data, dw, atol=1e-12)
    np.testing.assert_allclose(b.grad.data, db, atol=1e-12)


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_naive_stamping(rng, case):
    (x, w, b), kw = transpose_inputs(rng, case)
    ref = NL.conv_transpose2d_forward(x.data, w.data, b.data, **kw)
    np.testing.assert_allclose(F.conv_transpose2d(x, w, b, **kw).data, ref, atol=1e-12)


def test_conv_transpose_is_upsample_then_full_convolution(rng):
    """The lecture's reading: zero-insert by the stride, pad by k-1, correlate with the
    flipped filter (one channel, no padding)."""
    x, f = rng.standard_normal((3, 4)), rng.standard_normal((2, 3))
    ref = NL.full_convolve2d(NL.upsample(x, 2), f)
    y = F.conv_transpose2d(x[None, None], f[None, None], stride=2)
    np.testing.assert_allclose(y.data[0, 0], ref, atol=1e-12)


@given(st.integers(1, 2), st.integers(1, 3), st.integers(3, 7), st.integers(3, 7),
       st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(0, 10_000))
def test_conv2d_property_matches_loops_and_is_adjoint(n, c, h, w, kh, kw, s, p, d, seed):
    """For random geometry: the fast forward equals the loops, and
    <conv2d(x, W), y> == <x, conv_transpose2d(y, W)> (the input gradient is the adjoint)."""
    if h + 2 * p < d * (kh - 1) + 1 or w + 2 * p < d * (kw - 1) + 1:
        return
    r = np.random.default_rng(seed)
    x, wt = r.standard_normal((n, c, h, w)), r.standard_normal((2, c, kh, kw))
    out = F.conv2d(x, wt, stride=s, padding=p, dilation=d)
    np.testing.assert_allclose(out.data, NL.conv2d_forward(x, wt, None, s, p, d), atol=1e-10)
    y = r.standard_normal(out.shape)
    back = F.conv2d_weight(x, y, (kh, kw), stride=s, padding=p, dilation=d)
    lhs = float(np.sum(out.data * y))
    extra = tuple((a + 2 * p - d * (k - 1) - 1) % s for a, k in zip((h, w), (kh, kw)))
    adj = F.conv_transpose2d(y, wt, stride=s, padding=p, dilation=d, output_padding=extra)
    assert adj.shape == x.shape
    assert np.isclose(lhs, float(np.sum(x * adj.data)))
    assert np.isclose(lhs, float(np.sum(wt * back.data)))


# ---------------------------------------------------------------- the derived backward graph

def test_backward_graph_is_made_of_conv_primitives(rng):
    (x, w, b), kw = conv_inputs(rng, CONV_CASES[1])
    y = F.conv2d(x, w, b, **kw)
    gx, gw, gb = autograd.grad((y * y).sum(), [x, w, b], create_graph=True)
    assert gx.op == "conv_transpose2d" and gw.op == "conv2d_weight"
    assert "sum_to" in ops_in(gb)                 # the bias add is a distributor: a sum back
    assert {"conv2d", "conv_transpose2d", "conv2d_weight"} <= ops_in(gx, gw)
    # the next order closes the loop: conv2d_weight's rules are convolutions again
    gw, = autograd.grad(F.conv2d(x, w, b, **kw).sum(), [w], create_graph=True)
    ggx, = autograd.grad((gw * gw).sum(), [x], create_graph=True)
    assert gw.op == "conv2d_weight" and ggx.op == "conv_transpose2d"


def test_strided_input_gradient_is_upsample_then_stride_one_rule(rng):
    x, w = leaf(rng, 1, 2, 7, 6), leaf(rng, 3, 2, 3, 2)
    y = F.conv2d(x, w, stride=2, padding=1)
    gx, = autograd.grad((y * y).sum(), [x], create_graph=True)
    assert gx.op == "conv_transpose2d" and gx.params["stride"] == (1, 1)
    assert gx.parents[0].op == "upsample2d" and gx.parents[0].params["factor"] == (2, 2)
    plain, = autograd.grad((y * y).sum(), [x])
    np.testing.assert_allclose(gx.data, plain.data, atol=1e-12)


def test_strided_conv_is_conv_then_downsample(rng):
    x, w = leaf(rng, 2, 2, 7, 8), leaf(rng, 3, 2, 3, 2)
    up = rng.standard_normal((2, 3, 3, 5))
    strided = F.conv2d(x, w, stride=(2, 2), padding=(0, 1))
    composed = F.downsample2d(F.conv2d(x, w, padding=(0, 1)), 2)
    np.testing.assert_allclose(strided.data, composed.data, atol=1e-12)
    a = autograd.grad(strided, [x, w], grad_output=up)
    b = autograd.grad(composed, [x, w], grad_output=up)
    for p, q in zip(a, b):
        np.testing.assert_allclose(p.data, q.data, atol=1e-12)


def test_conv_transpose_weight_grad_with_output_padding_beyond_stride(rng):
    (x, w, _), kw = transpose_inputs(rng, TRANSPOSE_CASES[3])
    gw, = autograd.grad(F.conv_transpose2d(x, w, **kw).sum(), [w], create_graph=True)
    assert gw.op == "conv2d_weight"


# ---------------------------------------------------------------- dtype, layout, aliasing

def test_float32_stays_float32(rng):
    x, w, b = leaf(rng, 2, 3, 6, 6, dtype=np.float32), leaf(rng, 4, 3, 3, 3, dtype=np.float32), \
        leaf(rng, 4, dtype=np.float32)
    y = F.conv2d(x, w, b, padding=1)
    t = F.conv_transpose2d(y, w, stride=2)
    t.sum().backward()
    assert y.dtype == t.dtype == np.float32
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


def test_results_never_alias_reused_buffers(rng):
    x, w = rng.standard_normal((1, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    first = F.conv2d(x, w, padding=1).data.copy()
    kept = F.conv2d(x, w, padding=1)
    F.conv2d(x * 10, w, padding=1)
    F.conv_transpose2d(kept, w)
    np.testing.assert_array_equal(kept.data, first)


def test_any_memory_layout_in_gives_the_same_numbers(rng):
    base = rng.standard_normal((3, 4, 6, 2))                       # (C, H, W, N) in memory
    x = base.transpose(3, 0, 1, 2)                                  # an (N, C, H, W) view
    w = rng.standard_normal((5, 3, 2, 2))
    np.testing.assert_allclose(F.conv2d(x, w).data, F.conv2d(np.ascontiguousarray(x), w).data)


def test_raw_arrays_in_give_a_tensor_out(rng):
    y = F.conv2d(rng.standard_normal((1, 1, 3, 3)), rng.standard_normal((1, 1, 2, 2)))
    assert isinstance(y, Tensor) and not y.requires_grad


# ---------------------------------------------------------------- torch

def assert_matches_torch(ours, theirs, inputs, kw, dtype, tol, rng):
    """Forward, input, weight and bias gradients of ours(x, w, b, **kw) against torch's."""
    torch = pytest.importorskip("torch")
    x, w, b = (Tensor(t.data.astype(dtype), requires_grad=True) for t in inputs)
    y = ours(x, w, b, **kw)
    tx, tw, tb = (torch.tensor(t.data, requires_grad=True) for t in (x, w, b))
    ty = theirs(tx, tw, tb, **kw)
    assert y.shape == tuple(ty.shape)
    up = rng.standard_normal(y.shape).astype(dtype)
    y.backward(up)
    ty.backward(torch.tensor(up))
    for mine, ref in [(y, ty), (x.grad, tx.grad), (w.grad, tw.grad), (b.grad, tb.grad)]:
        np.testing.assert_allclose(mine.data, ref.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch(rng, case, dtype, tol):
    torch = pytest.importorskip("torch")
    inputs, kw = conv_inputs(rng, case)
    assert_matches_torch(F.conv2d, torch.nn.functional.conv2d, inputs, kw, dtype, tol, rng)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(rng, case, dtype, tol):
    torch = pytest.importorskip("torch")
    inputs, kw = transpose_inputs(rng, case)
    assert_matches_torch(F.conv_transpose2d, torch.nn.functional.conv_transpose2d, inputs, kw,
                         dtype, tol, rng)


def test_conv1d_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x, w, b = rng.standard_normal((2, 4, 10)), rng.standard_normal((6, 2, 3)), rng.standard_normal(6)
    y = F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2)
    ref = torch.nn.functional.conv1d(*map(torch.tensor, (x, w, b)), stride=2, padding=1,
                                     dilation=2, groups=2)
    np.testing.assert_allclose(y.data, ref.numpy(), atol=1e-12)
    wt = rng.standard_normal((4, 3, 3))
    y = F.conv_transpose1d(x, wt, stride=3, padding=1, output_padding=2)
    ref = torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(wt), stride=3,
                                               padding=1, output_padding=2)
    np.testing.assert_allclose(y.data, ref.numpy(), atol=1e-12)


# ---------------------------------------------------------------- errors

def _x(*shape):
    return np.zeros(shape)


BAD = [
    (F.conv2d, (_x(5, 5), _x(2, 3, 3, 3)), {}, r"conv2d: input must be 4-d .*got shape \(5, 5\)"),
    (F.conv2d, (_x(1, 3, 5, 5), _x(2, 3, 3)), {}, r"conv2d: weight must be 4-d"),
    (F.conv2d, (_x(1, 3, 5, 5), _x(2, 1, 3, 3)), {"groups": 2},
     r"input has 3 channels, not divisible by groups=2"),
    (F.conv2d, (_x(1, 4, 5, 5), _x(3, 2, 3, 3)), {"groups": 2},
     r"3 output channels are not divisible by groups=2"),
    (F.conv2d, (_x(1, 4, 5, 5), _x(2, 3, 3, 3)), {},
     r"weight \(2, 3, 3, 3\) expects 3 x groups=1 = 3 input channels, but the input has 4"),
    (F.conv2d, (_x(1, 1, 3, 3), _x(1, 1, 5, 5)), {},
     r"kernel span 5 along H is larger than the padded input \(3 \+ 2\*0 = 3\)"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"dilation": 3},
     r"kernel span 7 along H"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"stride": 0}, r"stride must be positive, got 0"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"stride": (1, -2)}, r"stride must be positive"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"padding": -1}, r"padding must be non-negative"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"stride": (1, 2, 3)}, r"stride must be an int or a pair"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(1, 1, 3, 3)), {"groups": 0}, r"groups must be a positive int"),
    (F.conv2d, (_x(1, 1, 5, 5), _x(2, 1, 3, 3), _x(3)), {}, r"bias must have shape \(2,\), got \(3,\)"),
    (F.conv_transpose2d, (_x(1, 2, 3, 3), _x(2, 1, 3, 3)), {"stride": 2, "output_padding": 2},
     r"output_padding 2 along H must be smaller than stride 2 or dilation 1"),
    (F.conv_transpose2d, (_x(1, 2, 3, 3), _x(3, 1, 3, 3)), {},
     r"weight \(3, 1, 3, 3\) expects 3 input channels, but the input has 2"),
    (F.conv_transpose2d, (_x(1, 3, 3, 3), _x(3, 1, 3, 3)), {"groups": 2},
     r"input has 3 channels, not divisible by groups=2"),
    (F.conv_transpose2d, (_x(1, 1, 1, 1), _x(1, 1, 1, 1)), {"padding": 1},
     r"output size \(-1, -1\) is not positive"),
    (F.conv2d_weight, (_x(1, 1, 5, 5), _x(1, 2, 4, 3), 3), {},
     r"upstream \(1, 2, 4, 3\) does not match input \(1, 1, 5, 5\): expected \(1, 2, 3, 3\)"),
    (F.conv1d, (_x(1, 5, 5), _x(1, 5, 3, 3)), {}, r"conv1d: weight must be 3-d"),
    (F.conv1d, (_x(1, 5, 5), _x(1, 5, 3)), {"stride": (1, 2)}, r"conv1d: stride must be an int"),
]


@pytest.mark.parametrize("fn, args, kw, match", BAD)
def test_impossible_configurations_raise_clear_errors(fn, args, kw, match):
    with pytest.raises(ValueError, match=match):
        fn(*args, **kw)


def test_conv_transpose1d_takes_an_unbatched_input_like_conv1d(rng):
    x, w, b = rng.normal(size=(2, 5)), rng.normal(size=(2, 3, 2)), rng.normal(size=3)
    y = F.conv_transpose1d(Tensor(x), Tensor(w), Tensor(b), stride=2, output_padding=1)
    batched = F.conv_transpose1d(Tensor(x[None]), Tensor(w), Tensor(b), stride=2, output_padding=1)
    assert y.shape == (3, 11)                  # (5 - 1) * 2 + 2 + 1
    np.testing.assert_array_equal(y.data, batched.data[0])
    f = lambda x, w: F.conv_transpose1d(x, w, stride=2, output_padding=1)
    xt, wt = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    assert gradcheck(f, [xt, wt]) and gradgradcheck(f, [xt, wt])
    torch = pytest.importorskip("torch")
    ref = torch.nn.functional.conv_transpose1d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                               stride=2, output_padding=1)
    np.testing.assert_allclose(y.data, ref.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv1d(Tensor(np.ones((1, 3, 5))), Tensor(np.ones((2, 2, 2)))),
     r"^conv1d: weight \(2, 2, 2\) expects 2 x groups=1 = 2 input channels, but the input has 3$"),
    (lambda: F.conv_transpose1d(Tensor(np.ones((1, 3, 5))), Tensor(np.ones((2, 2, 2)))),
     r"^conv_transpose1d: weight \(2, 2, 2\) expects 2 input channels, but the input has 3$"),
    (lambda: F.conv_transpose1d(Tensor(np.ones((3, 5))), Tensor(np.ones((2, 2, 2)))),
     r"^conv_transpose1d: weight \(2, 2, 2\) expects 2 input channels, but the input has 3$"),
])
def test_1d_errors_name_the_shapes_the_user_passed(call, message):
    with pytest.raises(ValueError, match=message):
        call()
