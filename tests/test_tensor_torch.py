"""Optional: the same computations in PyTorch give the same values and gradients."""

import numpy as np
import pytest

import autograd
from autograd import Tensor
from autograd import functional as F

torch = pytest.importorskip("torch")
tF = torch.nn.functional


def both(fn_ours, fn_torch, *arrays, upstream_seed=0):
    """Forward, first and second derivatives of fn in both engines."""
    ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, ty = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
    up = np.random.default_rng(upstream_seed).normal(size=y.shape)
    gs = autograd.grad(y, ours, grad_output=up, create_graph=True)
    tgs = torch.autograd.grad(ty, theirs, grad_outputs=torch.tensor(up), create_graph=True,
                              allow_unused=True)
    for g, tg in zip(gs, tgs):
        want = np.zeros(g.shape) if tg is None else tg.detach().numpy()
        np.testing.assert_allclose(g.data, want, rtol=1e-10, atol=1e-12)
    # second order: d/dx of sum(grad * v)
    vs = [np.random.default_rng(7 + i).normal(size=a.shape) for i, a in enumerate(arrays)]
    total = sum(((g * v).sum() for g, v in zip(gs, vs) if g.requires_grad), Tensor(0.0))
    if not total.requires_grad:
        return
    ggs = autograd.grad(total, ours)
    ttotal = sum((tg * torch.tensor(v)).sum() for tg, v in zip(tgs, vs) if tg is not None
                 and tg.requires_grad)
    tggs = torch.autograd.grad(ttotal, theirs, allow_unused=True)
    for gg, tgg in zip(ggs, tggs):
        want = np.zeros(gg.shape) if tgg is None else tgg.numpy()
        np.testing.assert_allclose(gg.data, want, rtol=1e-9, atol=1e-11)


CASES = {
    "broadcast arithmetic": (lambda a, b: (a * b - a / (b * b + 1)) ** 3,
                             lambda a, b: (a * b - a / (b * b + 1)) ** 3, [(2, 1, 3), (4, 1)]),
    "batched matmul": (lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)]),
    "vector matmul": (lambda a, b: (a @ b).tanh(), lambda a, b: (a @ b).tanh(), [(3,), (2, 3, 4)]),
    "reductions": (lambda a: a.sum(axis=(0, 2), keepdims=True) * a.mean(axis=1, keepdims=True),
                   lambda a: a.sum(dim=(0, 2), keepdim=True) * a.mean(dim=1, keepdim=True),
                   [(2, 3, 4)]),
    "max along axis": (lambda a: a.max(axis=1) ** 2, lambda a: a.max(dim=1).values ** 2, [(3, 5)]),
    "full max": (lambda a: (a * a).max(), lambda a: (a * a).max(), [(3, 5)]),
    "shape ops": (lambda a: a.transpose(2, 0, 1).reshape(4, -1)[1:, ::2].exp(),
                  lambda a: a.permute(2, 0, 1).reshape(4, -1)[1:, ::2].exp(), [(2, 3, 4)]),
    "gather with repeats": (lambda a: a[np.array([0, 2, 2]), 1:] ** 2,
                            lambda a: a[torch.tensor([0, 2, 2]), 1:] ** 2, [(3, 4)]),
    "concat stack": (lambda a, b: autograd.stack([autograd.concat([a, b], 1),
                                                  autograd.concat([b, a], 1)], 0) ** 2,
                     lambda a, b: torch.stack([torch.cat([a, b], 1), torch.cat([b, a], 1)], 0) ** 2,
                     [(2, 3), (2, 3)]),
    "softmax": (lambda a: F.softmax(a, axis=0), lambda a: torch.softmax(a, 0), [(3, 4)]),
    "log_softmax": (lambda a: F.log_softmax(a) * 2, lambda a: torch.log_softmax(a, -1) * 2, [(3, 4)]),
    "cross_entropy": (lambda a: F.cross_entropy(a.tanh() * 3, [2, 0, 3]),
                      lambda a: tF.cross_entropy(a.tanh() * 3, torch.tensor([2, 0, 3])), [(3, 4)]),
    "mse": (lambda a, b: F.mse_loss(a.sigmoid(), b), lambda a, b: tF.mse_loss(a.sigmoid(), b),
            [(3, 4), (3, 4)]),
    "mlp": (lambda x, w, b: (x @ w + b).relu() @ w.T, lambda x, w, b: (x @ w + b).relu() @ w.T,
            [(4, 3), (3, 5), (5,)]),
}


@pytest.mark.parametrize("name", CASES)
def test_matches_torch(name, rng):
    ours, theirs, shapes = CASES[name]
    arrays = [rng.normal(size=s) for s in shapes]
    both(ours, theirs, *arrays)


def test_float32_mlp_step_matches_torch(rng):
    x = rng.normal(size=(16, 8)).astype(np.float32)
    t = rng.integers(0, 3, 16)
    w1, w2 = rng.normal(size=(8, 6)).astype(np.float32), rng.normal(size=(6, 3)).astype(np.float32)
    p = [Tensor(w1.copy(), requires_grad=True), Tensor(w2.copy(), requires_grad=True)]
    q = [torch.tensor(w1, requires_grad=True), torch.tensor(w2, requires_grad=True)]
    F.cross_entropy((Tensor(x) @ p[0]).relu() @ p[1], t).backward()
    tF.cross_entropy((torch.tensor(x) @ q[0]).relu() @ q[1], torch.tensor(t)).backward()
    for a, b in zip(p, q):
        assert a.grad.dtype == np.float32
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-4, atol=1e-6)
