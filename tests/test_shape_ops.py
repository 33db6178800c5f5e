"""Shape ops (shape_ops.py and Tensor's methods): gradcheck first and second order over
hypothesis shapes, torch in float64 and float32 where installed, one-line errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
from autograd import Tensor, gradcheck, gradgradcheck, where

shapes = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3)


def leaf(shape, seed=0, dtype=np.float64):
    data = np.random.default_rng(seed).normal(size=shape).astype(dtype)
    return Tensor(data, requires_grad=True)


def both_orders(fn, x):
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


# each case: draw -> (ours(t), torch(t)) for an input of the drawn shape
def _flip(data, shape):
    dims = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    return lambda t: t.flip(tuple(dims)), lambda t: t.flip(tuple(dims))


def _squeeze(data, shape):
    d = data.draw(st.integers(-len(shape), len(shape) - 1))
    return lambda t: t.squeeze(d), lambda t: t.squeeze(d)


def _unsqueeze(data, shape):
    d = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return lambda t: t.unsqueeze(d), lambda t: t.unsqueeze(d)


def _permute(data, shape):
    dims = tuple(data.draw(st.permutations(range(len(shape)))))
    return lambda t: t.permute(*dims), lambda t: t.permute(*dims)


def _flatten(data, shape):
    a = data.draw(st.integers(0, len(shape) - 1))
    b = data.draw(st.integers(a, len(shape) - 1))
    return lambda t: t.flatten(a, b), lambda t: t.flatten(a, b)


def _expand(data, shape):
    lead = data.draw(st.lists(st.integers(1, 3), max_size=2))
    sizes = [*lead] + [data.draw(st.sampled_from([-1, 2])) if n == 1 else -1 for n in shape]
    return lambda t: t.expand(*sizes), lambda t: t.expand(*sizes)


def _repeat(data, shape):
    reps = data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1))
    return lambda t: t.repeat(*reps), lambda t: t.repeat(*reps)


def _tile(data, shape):
    reps = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=len(shape)))
    return lambda t: t.tile(reps), lambda t: t.tile(reps)


def _split(data, shape):
    size, d = data.draw(st.integers(1, 3)), data.draw(st.integers(0, len(shape) - 1))
    k = data.draw(st.integers(0, -(-shape[d] // size) - 1))
    return lambda t: t.split(size, d)[k], lambda t: t.split(size, d)[k]


def _chunk(data, shape):
    n, d = data.draw(st.integers(1, 3)), data.draw(st.integers(0, len(shape) - 1))
    return (lambda t: autograd.concat(t.chunk(n, d), axis=d) * 2.0,
            lambda t: torchmod().cat(t.chunk(n, d), dim=d) * 2.0)


def _where(data, shape):
    mask = np.random.default_rng(data.draw(st.integers(0, 99))).random(shape) > 0.5
    return (lambda t: where(mask, t * t, t.exp()),
            lambda t: torchmod().where(torchmod().tensor(mask), t * t, t.exp()))


def _masked_fill(data, shape):
    mask = np.random.default_rng(data.draw(st.integers(0, 99))).random(shape) > 0.5
    return (lambda t: t.masked_fill(mask, 2.5) * t,
            lambda t: t.masked_fill(torchmod().tensor(mask), 2.5) * t)


def _clip(data, shape):
    lo = data.draw(st.sampled_from([None, -0.5]))
    hi = data.draw(st.sampled_from([0.7] if lo is None else [None, 0.7]))
    return lambda t: t.clip(lo, hi) * t, lambda t: t.clamp(lo, hi) * t


CASES = {f.__name__[1:]: f for f in (_flip, _squeeze, _unsqueeze, _permute, _flatten, _expand,
                                     _repeat, _tile, _split, _chunk, _where, _masked_fill, _clip)}


def torchmod():
    import torch
    return torch


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=12)
@given(shape=shapes, data=st.data())
def test_gradcheck_first_and_second_order(name, shape, data):
    ours, _ = CASES[name](data, shape)
    both_orders(ours, leaf(shape))


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@settings(max_examples=12)
@given(shape=shapes, data=st.data())
def test_matches_torch(name, dtype, shape, data):
    torch = pytest.importorskip("torch")
    ours, theirs = CASES[name](data, shape)
    x = leaf(shape, dtype=dtype)
    tx = torch.tensor(x.data.copy(), requires_grad=True)
    y, ty = ours(x), theirs(tx)
    tol = 1e-12 if dtype == np.float64 else 1e-5   # float32: sums in another order than torch
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=tol, atol=tol)
    assert y.dtype == dtype
    up = np.random.default_rng(3).normal(size=y.shape).astype(dtype)
    y.backward(up)
    ty.backward(torch.tensor(up))
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=tol, atol=tol)


def test_flip_is_the_lectures_flipped_filter():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    np.testing.assert_array_equal(w.flip((0, 1)).data, [[4.0, 3.0], [2.0, 1.0]])
    node = w.flip((-2, -1))
    assert node.op == "flip" and node.pattern == "reshape" and node.params == {"axes": (0, 1)}


def test_patterns():
    x = leaf((2, 1))
    assert x.repeat(2, 2).pattern == "adder"
    assert x.expand(3, 2, 4).pattern == "adder"
    assert x.clip(0, 1).pattern == "router" and where(x.data > 0, x, 0.0).pattern == "router"
    assert x.squeeze().op == "squeeze" and x.unsqueeze(0).op == "unsqueeze"
    assert x.split(1)[0].op == "getitem" and x.permute(1, 0).op == "permute"


def test_split_and_chunk_pieces():
    x = Tensor(np.arange(10.0), requires_grad=True)
    assert [p.shape for p in x.split(4)] == [(4,), (4,), (2,)]
    assert [p.shape for p in x.split([3, 7])] == [(3,), (7,)]
    assert [p.shape for p in x.chunk(3)] == [(4,), (4,), (2,)]
    (x.chunk(3)[1] * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0, 0, 2, 2, 2, 2, 0, 0])


def test_expand_and_repeat_sum_the_copies():
    x = Tensor([[1.0], [2.0]], requires_grad=True)
    x.expand(3, -1, 4).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[12.0], [12.0]])
    x.grad = None
    x.repeat(2, 3).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[6.0], [6.0]])


@pytest.mark.parametrize("call, message", [
    (lambda t: t.permute(0, 0), r"permute: \(0, 0\) is not a permutation"),
    (lambda t: t.flatten(1, 0), "flatten: start_dim 1 comes after end_dim 0"),
    (lambda t: t.expand(3, 4), r"expand: cannot expand shape \(2, 3\)"),
    (lambda t: t.expand(-1, 2, 3), "expand: -1 is not allowed"),
    (lambda t: t.repeat(2), "repeat: 1 counts for a 2-d tensor"),
    (lambda t: t.split([1, 2]), r"split: sizes \[1, 2\] add up to 3"),
    (lambda t: t.split(0), "split: split_size must be positive"),
    (lambda t: t.chunk(0), "chunk: chunks must be a positive int"),
    (lambda t: t.clip(), "clip: give min, max or both"),
    (lambda t: t.flip((0, 0)), "flip: repeated axis"),
    (lambda t: where(np.ones((4,), bool), t, 0.0), r"where: condition \(4,\)"),
])
def test_errors_are_one_line(call, message):
    with pytest.raises(ValueError, match=message) as info:
        call(Tensor(np.ones((2, 3))))
    assert "\n" not in str(info.value)


def test_type_errors():
    t = Tensor(np.ones(3))
    with pytest.raises(TypeError, match="where: condition must be boolean"):
        where(np.ones(3), t, t)
    with pytest.raises(TypeError, match="clip: min must be a number"):
        t.clip("0")
