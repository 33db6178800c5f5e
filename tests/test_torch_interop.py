"""Moving to PyTorch: a model trained here loads into the same torch.nn architecture (and
back) and gives the same outputs in float32. Skipped without torch."""

import numpy as np
import pytest

import nn
from autograd import Tensor
from autograd import functional as F

torch = pytest.importorskip("torch")


def ours_model():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding="same"), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 6, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(),
        nn.Linear(24, 16), nn.LayerNorm(16), nn.Dropout(0.2), nn.Linear(16, 3))


def torch_model():
    t = torch.nn
    return t.Sequential(
        t.Conv2d(1, 4, 3, padding="same"), t.BatchNorm2d(4), t.ReLU(), t.MaxPool2d(2),
        t.Conv2d(4, 6, 3), t.ReLU(), t.AdaptiveAvgPool2d(2), t.Flatten(),
        t.Linear(24, 16), t.LayerNorm(16), t.Dropout(0.2), t.Linear(16, 3))


def batch(rng, n=8):
    x = rng.normal(size=(n, 1, 10, 10)).astype(np.float32)
    y = rng.integers(0, 3, size=n)
    return x, y


def test_a_trained_model_runs_the_same_in_torch(rng):
    model = ours_model()
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    for _ in range(3):                          # a few steps: weights and running stats move
        x, y = batch(rng)
        model.zero_grad()
        F.cross_entropy(model(Tensor(x)), y, label_smoothing=0.1).backward()
        opt.step()
    state = model.state_dict()
    assert int(state["1.num_batches_tracked"]) == 3
    theirs = torch_model()
    theirs.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in state.items()})
    model.eval()
    theirs.eval()
    x, _ = batch(rng, 5)
    ours_out = model(Tensor(x)).data
    with torch.no_grad():
        their_out = theirs(torch.from_numpy(x)).numpy()
    assert ours_out.dtype == np.float32
    np.testing.assert_allclose(ours_out, their_out, rtol=1e-5, atol=1e-5)


def test_a_torch_state_dict_loads_directly_and_trains_the_same(rng):
    theirs = torch_model()
    theirs.train()
    x, y = batch(rng)
    theirs(torch.from_numpy(x))                 # move the running statistics
    model = ours_model()
    model.load_state_dict(theirs.state_dict())  # torch tensors, read with .detach().cpu().numpy()
    np.testing.assert_array_equal(model.state_dict()["1.running_var"],
                                  theirs.state_dict()["1.running_var"].numpy())
    # one training step (no dropout, so both see the same function) gives the same gradients
    for m in (model, theirs):
        m.train()
    model[10].p = theirs[10].p = 0.0
    loss = F.cross_entropy(model(Tensor(x)), y)
    loss.backward()
    their_loss = torch.nn.functional.cross_entropy(theirs(torch.from_numpy(x)), torch.from_numpy(y))
    their_loss.backward()
    assert loss.item() == pytest.approx(their_loss.item(), rel=1e-5)
    grads = dict(theirs.named_parameters())
    for name, p in model.named_parameters():
        np.testing.assert_allclose(np.asarray(p.grad), grads[name].grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=name)


def test_load_state_dict_names_what_does_not_fit():
    model = ours_model()
    state = torch_model().state_dict()
    state["8.weight"] = torch.zeros(5, 5)
    with pytest.raises(ValueError, match=r"8.weight expects \(16, 24\) but got \(5, 5\)"):
        model.load_state_dict(state)


def test_new_layers_match_their_torch_modules(rng):
    t = torch.nn
    x = rng.normal(size=(2, 3, 5, 6)).astype(np.float32)
    pairs = [
        (nn.Upsample(scale_factor=2), t.Upsample(scale_factor=2)),
        (nn.Upsample(size=(7, 4), mode="bilinear", align_corners=True),
         t.Upsample(size=(7, 4), mode="bilinear", align_corners=True)),
        (nn.AdaptiveAvgPool2d((2, None)), t.AdaptiveAvgPool2d((2, None))),
        (nn.Softmax(dim=1), t.Softmax(dim=1)),
        (nn.LogSoftmax(dim=1), t.LogSoftmax(dim=1)),
        (nn.Dropout(p=1.0), t.Dropout(p=1.0)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).numpy(),
                                   rtol=1e-5, atol=1e-6, err_msg=repr(ours))
    y, idx = nn.MaxPool2d(2, return_indices=True)(Tensor(x))
    ty, tidx = t.MaxPool2d(2, return_indices=True)(torch.from_numpy(x))
    np.testing.assert_array_equal(idx, tidx.numpy())
    np.testing.assert_array_equal(nn.MaxUnpool2d(2)(y, idx, output_size=x.shape).data,
                                  t.MaxUnpool2d(2)(ty, tidx, output_size=x.shape).numpy())
