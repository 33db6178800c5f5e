"""PyTorch's own reference inputs (the shapes and keyword arguments of the OpInfo
``sample_inputs`` in torch/testing/_internal/common_methods_invocations.py) for the ops of
issue 12: forward, gradient and double gradient against torch in float64. Skipped without torch.

Not covered because chainrule knowingly differs (docs/parity.md, "Knowingly different from PyTorch"):
einsum's '...' and repeated letters ('iji->j'), and tensordot pairing a size-1 axis with a
longer one (torch broadcasts it)."""

import numpy as np
import pytest

import autograd
from autograd import Tensor, einsum, outer, tensordot
from autograd import functional as F

torch = pytest.importorskip("torch")

S, M, L = 5, 10, 20
UNARY_SHAPES = [(L,), (S, S), (), (1, 0, 3)]        # torch's elementwise-unary samples


def _unary(name, ours, theirs, low=-9.0, high=9.0, kwargs_list=({},), shapes=UNARY_SHAPES):
    return [(f"{name}-{shape}-{kw}", lambda x, kw=kw: ours(x, **kw),
             lambda x, kw=kw: theirs(x, **kw), [shape], low, high, None)
            for shape in shapes for kw in kwargs_list]


def _method(name):
    return lambda x, **kw: getattr(x, name)(**kw)


CASES = []
for name, lo, hi in [("sqrt", 0.1, 9), ("abs", -9, 9), ("sin", -9, 9), ("cos", -9, 9),
                     ("log1p", -0.9, 9), ("expm1", -9, 3), ("square", -9, 9), ("erf", -3, 3)]:
    CASES += _unary(name, _method(name), _method(name), lo, hi)
CASES += _unary("leaky_relu", F.leaky_relu, torch.nn.functional.leaky_relu,
                kwargs_list=({}, {"negative_slope": 0.5}))
CASES += _unary("elu", F.elu, torch.nn.functional.elu, kwargs_list=({}, {"alpha": 0.8}))
CASES += _unary("silu", F.silu, torch.nn.functional.silu)
CASES += _unary("gelu", F.gelu, torch.nn.functional.gelu, -3, 3, shapes=[(10, 10)],
                kwargs_list=({"approximate": "none"}, {"approximate": "tanh"}))
CASES += _unary("softplus", F.softplus, torch.nn.functional.softplus, shapes=[(S,)],
                kwargs_list=({}, {"beta": 3.0}))
CASES += _unary("softplus-low1", F.softplus, torch.nn.functional.softplus, 1.0, 9.0,
                shapes=[(S,)], kwargs_list=({"threshold": 1.0},))
CASES += _unary("hardtanh", F.hardtanh, torch.nn.functional.hardtanh, shapes=[(S, S)],
                kwargs_list=({}, {"min_val": -0.5, "max_val": 0.5}, {"min_val": 0.0, "max_val": 0.0}))


def _zero_at(*index):
    def fix(arrays):
        arrays[0][index] = 0.0
        return arrays
    return fix


def _reduction(name, shape, ours, theirs, low=-1.0, high=1.0, fix=None):
    CASES.append((f"{name}-{shape}", ours, theirs, [shape], low, high, fix))


for dim in (0, 1):
    _reduction(f"prod-dim{dim}", (S, S, S), lambda x, d=dim: x.prod(d), lambda x, d=dim: x.prod(d))
    _reduction(f"cumsum-dim{dim}", (S, S, S), lambda x, d=dim: x.cumsum(d), lambda x, d=dim: x.cumsum(d))
    _reduction(f"prod-keep-dim{dim}", (S, S, S), lambda x, d=dim: x.prod(d, keepdims=True),
               lambda x, d=dim: x.prod(d, keepdim=True))
_reduction("prod-0d", (), lambda x: x.prod(0), lambda x: x.prod(0))
_reduction("cumsum-0d", (), lambda x: x.cumsum(0), lambda x: x.cumsum(0))
_reduction("prod-all", (S, S, S), lambda x: x.prod(), lambda x: x.prod())
_reduction("prod-one-zero", (S, S), lambda x: x.prod(), lambda x: x.prod(), fix=_zero_at(0, 1))
_reduction("prod-dim1", (3, 3, 3), lambda x: x.prod(1), lambda x: x.prod(1))
_reduction("prod-empty", (3, 0), lambda x: x.prod(1), lambda x: x.prod(1))
_reduction("prod-empty-keep", (3, 0), lambda x: x.prod(1, keepdims=True), lambda x: x.prod(1, keepdim=True))
_reduction("prod-two-zeros", (4,), lambda x: x.prod(), lambda x: x.prod(),
           fix=lambda a: [np.array([2.0, 3.0, 0.0, 0.0])])

VAR_KWARGS = [  # (ours, torch's) keyword arguments; unbiased=True is correction=1
    ({}, {}), ({"axis": 1}, {"dim": 1}),
    ({"axis": 1, "correction": 1, "keepdims": True}, {"dim": 1, "unbiased": True, "keepdim": True}),
    ({"axis": (1,), "correction": 1.3}, {"dim": (1,), "correction": 1.3}),
    ({"axis": (1,), "correction": S // 2}, {"dim": (1,), "correction": S // 2}),
    ({"axis": None, "correction": 0, "keepdims": True}, {"dim": None, "correction": 0, "keepdim": True}),
]
for fn in ("var", "std"):
    for ours_kw, torch_kw in VAR_KWARGS:
        _reduction(f"{fn}-{torch_kw}", (S, S, S), lambda x, f=fn, k=ours_kw: getattr(x, f)(**k),
                   lambda x, f=fn, k=torch_kw: getattr(x, f)(**k), -9, 9)
    _reduction(f"{fn}-1d-unbiased", (S,), lambda x, f=fn: getattr(x, f)(0, keepdims=True),
               lambda x, f=fn: getattr(x, f)(0, unbiased=True, keepdim=True), -9, 9)
    _reduction(f"{fn}-1d-biased", (S,), lambda x, f=fn: getattr(x, f)(0, correction=0),
               lambda x, f=fn: getattr(x, f)(0, unbiased=False), -9, 9)

for low in (-9.0, 1e3, 1e6):                           # large inputs: stability
    high = 9.0 if low < 0 else 2 * low
    for shape, dim, keep in (((), (0,), True), ((S, S), (1,), True), ((S, S), (1,), False),
                             ((S, S), (-2,), False), ((S, S), (0, 1), False)):
        _reduction(f"logsumexp-{dim}-{keep}-{low}", shape,
                   lambda x, d=dim, k=keep: x.logsumexp(d, keepdims=k),
                   lambda x, d=dim, k=keep: x.logsumexp(d, keepdim=k), low, high)

EINSUM = [("i->", [(3,)]), ("i,j->ij", [(3,), (4,)]), ("ij->i", [(2, 3)]),
          ("ij,kj->ik", [(2, 3), (1, 3)]), ("ij,Ab->ijAb", [(2, 3), (4, 4)]),
          ("aij,ajk->aik", [(1, 2, 3), (1, 3, 4)]), ("aij,jk->aik", [(1, 3, 4), (4, 4)]),
          ("ijk,ik->j", [(1, 2, 3), (1, 3)])]
for spec, shapes in EINSUM:
    CASES.append((f"einsum-{spec}", lambda *xs, s=spec: einsum(s, *xs),
                  lambda *xs, s=spec: torch.einsum(s, *xs), shapes, -9, 9, None))
CASES.append(("outer", outer, torch.outer, [(S,), (M,)], -9, 9, None))
for sa, sb, dims in (((2, 2, 2), (2, 2, 2), 2), ((2, 2, 1), (2, 1, 2), ([0, 1], [2, 0]))):
    CASES.append((f"tensordot-{dims}", lambda a, b, d=dims: tensordot(a, b, d),
                  lambda a, b, d=dims: torch.tensordot(a, b, dims=d), [sa, sb], -1, 2, None))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_forward_gradient_and_double_gradient_match_torch(case, rng):
    _, ours, theirs, shapes, low, high, fix = case
    arrays = [rng.uniform(low, high, size=s) for s in shapes]
    arrays = fix(arrays) if fix else arrays
    xs = [Tensor(a, requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = ours(*xs), theirs(*ts)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-10)
    up = rng.normal(size=y.shape)
    gs = autograd.grad(y, xs, grad_output=Tensor(up), create_graph=True)
    tgs = torch.autograd.grad(ty, ts, torch.tensor(up), create_graph=True, allow_unused=True)
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(g.data, 0 if tg is None else tg.detach().numpy(),
                                   rtol=1e-9, atol=1e-9)
    # double gradient: d/dx of sum(g * g * x) (x enters directly, so it always has a path)
    total = sum((g * g * x).sum() for g, x in zip(gs, xs))
    ttotal = sum((tg * tg * t).sum() for tg, t in zip(tgs, ts) if tg is not None)
    ggs = autograd.grad(total, xs)
    tggs = torch.autograd.grad(ttotal, ts, allow_unused=True)
    for gg, tgg in zip(ggs, tggs):
        np.testing.assert_allclose(gg.data, 0 if tgg is None else tgg.numpy(), rtol=1e-8, atol=1e-8)


def test_argmax_and_argmin_match_torch(rng):
    x = rng.uniform(-9, 9, size=(S, S, S))
    t = torch.tensor(x)
    for dim in (None, 1, -1):
        np.testing.assert_array_equal(Tensor(x).argmax(dim), t.argmax(dim).numpy())
        np.testing.assert_array_equal(Tensor(x).argmin(dim), t.argmin(dim).numpy())
    np.testing.assert_array_equal(Tensor(x).argmax(1, keepdims=True), t.argmax(1, keepdim=True).numpy())
