"""LeNet-5: structure, a batch it can overfit, gradient flow, torch agreement (optional)."""

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor
from viz.flow import layer_flow

NAMES = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "fc2",
         "relu4", "fc3"]


def test_structure_and_parameter_count():
    m = nn.LeNet5()
    assert [n for n, _ in m.named_children()] == NAMES
    # 6*1*25+6 + 16*6*25+16 + 400*120+120 + 120*84+84 + 84*10+10
    assert m.num_parameters() == 156 + 2416 + 48120 + 10164 + 850 == 61_706
    assert all(p.dtype == np.float32 for p in m.parameters())


def test_wrong_input_size_is_a_clear_error():
    with pytest.raises(ValueError, match=r"LeNet5: expects input \(N, 1, 32, 32\), "
                                         r"got shape \(2, 1, 28, 28\)"):
        nn.LeNet5()(Tensor(np.zeros((2, 1, 28, 28), np.float32)))


def _batch(n=32):
    try:
        s = nn.data.load_digits()
        return s.x_train[:n], s.y_train[:n]
    except ImportError:
        rng = np.random.default_rng(0)
        return rng.random((n, 1, 32, 32), dtype=np.float32), rng.integers(0, 10, n)


def test_forward_shapes_and_gradient_flow():
    nn.manual_seed(0)
    m = nn.LeNet5()
    x, y = _batch(4)
    out, trace = m.forward_trace(Tensor(x))
    assert out.shape == (4, 10) and out.dtype == np.float32
    assert [t.shape for _, t in trace] == [(4, 6, 28, 28)] * 2 + [(4, 6, 14, 14)] + [(4, 16, 10, 10)] * 2 + [
        (4, 16, 5, 5), (4, 400), (4, 120), (4, 120), (4, 84), (4, 84), (4, 10)]
    nn.CrossEntropyLoss()(out, y).backward()
    rows = layer_flow(trace)
    assert [r[0] for r in rows] == NAMES and all(r[2] > 0 for r in rows)
    # max-pool routes each upstream value to one winner: the norm is unchanged through it
    assert np.isclose(rows[1][2], rows[2][2], rtol=1e-5)
    assert all(p.grad is not None for p in m.parameters())


def test_overfits_a_batch_of_32():
    nn.manual_seed(0)
    m = nn.LeNet5()
    x, y = _batch(32)
    opt = nn.optim.Adam(m.parameters(), lr=3e-3)
    xt = Tensor(x)
    for _ in range(60):
        opt.zero_grad()
        loss = nn.CrossEntropyLoss()(m(xt), y)
        loss.backward()
        opt.step()
    with autograd.no_grad():
        pred = m(xt).data.argmax(axis=1)
    assert np.mean(pred == y) == 1.0
    assert loss.item() < 0.05


def test_saved_model_predicts_the_same(tmp_path):
    nn.manual_seed(1)
    m = nn.LeNet5()
    x, _ = _batch(8)
    m.save(tmp_path / "lenet.npz")
    other = nn.LeNet5().load(tmp_path / "lenet.npz")
    assert np.array_equal(m(Tensor(x)).data, other(Tensor(x)).data)


def test_gradcheck_float64_lenet_head():
    """A small float64 LeNet-shaped slice: conv -> relu -> pool -> flatten -> linear."""
    rng = np.random.default_rng(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3, dtype=np.float64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(2 * 3 * 3, 3, dtype=np.float64))
    x = Tensor(rng.normal(size=(2, 1, 8, 8)), requires_grad=True)
    y = np.array([0, 2])
    assert autograd.gradcheck(lambda x, *ps: nn.CrossEntropyLoss()(net(x), y), [x, *net.parameters()])


def test_matches_torch_lenet():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    theirs = tn.Sequential(tn.Conv2d(1, 6, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(6, 16, 5), tn.ReLU(),
                           tn.MaxPool2d(2), tn.Flatten(), tn.Linear(400, 120), tn.ReLU(), tn.Linear(120, 84),
                           tn.ReLU(), tn.Linear(84, 10)).double()
    ours = nn.LeNet5(dtype=np.float64)
    mapping = dict(zip(["0", "3", "7", "9", "11"], ["conv1", "conv2", "fc1", "fc2", "fc3"]))

    def rename(k):
        layer, kind = k.split(".")
        return f"{mapping[layer]}.{kind}"

    ours.load_state_dict({rename(k): v.detach().numpy() for k, v in theirs.state_dict().items()})
    x, y = _batch(5)
    x = x.astype(np.float64)
    tl = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
    tl.backward()
    loss = nn.CrossEntropyLoss()(ours(Tensor(x)), y)
    loss.backward()
    assert np.isclose(loss.item(), tl.item())
    tgrads = {rename(k): p.grad.numpy() for k, p in theirs.named_parameters()}
    for name, p in ours.named_parameters():
        assert np.allclose(np.asarray(p.grad), tgrads[name], atol=1e-10), name
