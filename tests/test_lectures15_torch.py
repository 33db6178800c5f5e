"""The new lecture layers against PyTorch (skipped without torch): the invariant conv, FFT
correlation and the TDNN, forward and gradients."""

import numpy as np
import pytest

from autograd import Tensor
from demos import fft_correlation as fc
from demos import neocognitron as neo
from nn.invariant import InvariantConv2d

torch = pytest.importorskip("torch")
tF = torch.nn.functional


def grads(out, upstream, tensors):
    out.backward(upstream)
    return [np.asarray(t.grad.data if isinstance(t, Tensor) else t.grad.numpy()) for t in tensors]


@pytest.mark.parametrize("kind", ["rot90", "dihedral"])
def test_invariant_conv_matches_a_torch_composition(kind):
    rng = np.random.default_rng(0)
    layer = InvariantConv2d(2, 3, 3, padding=1, transforms=kind, dtype=np.float64, rng=rng)
    x = rng.standard_normal((2, 2, 6, 6))
    up = rng.standard_normal((2, 3, 6, 6))
    xt = Tensor(x, requires_grad=True)
    ours = layer(xt)
    mine = grads(ours, up, [xt, layer.weight, layer.bias])

    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(layer.weight.data.copy(), requires_grad=True)
    tb = torch.tensor(layer.bias.data.copy(), requires_grad=True)
    flips = (False, True) if kind == "dihedral" else (False,)
    copies = [torch.rot90(torch.flip(tw, (3,)) if f else tw, k, (2, 3)) for f in flips for k in range(4)]
    bank = torch.cat(copies)
    z = tF.conv2d(tx, bank, padding=1).reshape(2, len(bank) // 3, 3, 6, 6)
    theirs = z.amax(dim=1) + tb.reshape(1, -1, 1, 1)
    ref = grads(theirs, torch.tensor(up), [tx, tw, tb])
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    for a, b in zip(mine, ref):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_fft_conv2d_matches_torch():
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 9, 7)), rng.standard_normal((4, 3, 4, 3)), rng.standard_normal(4)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    ours = fc.fft_conv2d(xt, wt, bt, padding=2)
    up = rng.standard_normal(ours.shape)
    mine = grads(ours, up, [xt, wt, bt])
    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    theirs = tF.conv2d(tx, tw, tb, padding=2)
    ref = grads(theirs, torch.tensor(up), [tx, tw, tb])
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-11)
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, atol=1e-10)


def test_tdnn_matches_torch_conv1d():
    rng = np.random.default_rng(2)
    model = neo.TDNN(3, hidden=4, classes=2, dtype=np.float64, rng=rng)
    x = rng.standard_normal((5, 3, 20))
    xt = Tensor(x, requires_grad=True)
    ours = model(xt)
    up = rng.standard_normal(ours.shape)
    mine = grads(ours, up, [xt, model.w1, model.w2])
    tx = torch.tensor(x, requires_grad=True)
    tw1, tb1, tw2, tb2 = (torch.tensor(p.data.copy(), requires_grad=True)
                          for p in (model.w1, model.b1, model.w2, model.b2))
    theirs = tF.conv1d(torch.relu(tF.conv1d(tx, tw1, tb1)), tw2, tb2).amax(dim=2)
    ref = grads(theirs, torch.tensor(up), [tx, tw1, tw2])
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), atol=1e-12)
    for a, r in zip(mine, ref):
        np.testing.assert_allclose(a, r, atol=1e-10)
