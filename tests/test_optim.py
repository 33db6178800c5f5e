"""nn.optim: SGD and Adam against hand-computed steps and (optionally) torch.optim."""

import numpy as np
import pytest

import nn
from autograd import Tensor


def _param(values, dtype=np.float64):
    return nn.Parameter(np.array(values, dtype=dtype))


def _set_grad(p, g):
    p.grad = Tensor(np.array(g, dtype=p.dtype))


def test_sgd_plain_step():
    p = _param([1.0, -2.0])
    opt = nn.optim.SGD([p], lr=0.1)
    _set_grad(p, [0.5, 1.0])
    opt.step()
    assert np.allclose(p.data, [0.95, -2.1])


def test_sgd_momentum_and_weight_decay_by_hand():
    # torch's formula: g' = g + wd w; v = m v + g' (v starts at g'); w -= lr v
    p = _param([1.0, -2.0])
    opt = nn.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    _set_grad(p, [0.5, 1.0])
    opt.step()
    # g' = [0.51, 0.98] = v;  w = [1 - 0.051, -2 - 0.098]
    assert np.allclose(p.data, [0.949, -2.098])
    _set_grad(p, [0.5, 1.0])
    opt.step()
    # g' = [0.5 + 0.00949, 1 - 0.02098] = [0.50949, 0.97902]
    # v = 0.9 [0.51, 0.98] + g' = [0.96849, 1.86102];  w -= 0.1 v
    assert np.allclose(p.data, [0.852151, -2.284102])


def test_adam_by_hand():
    p = _param([1.0])
    opt = nn.optim.Adam([p], lr=0.1)
    _set_grad(p, [0.5])
    opt.step()
    # m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25: w = 1 - 0.1 * 0.5 / 0.5
    assert np.allclose(p.data, [0.9])
    _set_grad(p, [-1.0])
    opt.step()
    # m = 0.045 - 0.1 = -0.055;  v = 0.00024975 + 0.001 = 0.00124975
    # m_hat = -0.055 / 0.19 = -0.2894737;  v_hat = 0.00124975 / 0.001999 = 0.6251876
    # w = 0.9 + 0.1 * 0.2894737 / 0.7906881 = 0.9366105
    assert np.allclose(p.data, [0.9366105], atol=1e-6)


def test_adam_moves_lr_per_step_under_a_constant_gradient():
    p = _param([0.0, 0.0])
    opt = nn.optim.Adam([p], lr=0.01)
    for _ in range(5):
        _set_grad(p, [3.0, -0.001])
        opt.step()
    assert np.allclose(p.data, [-0.05, 0.05], rtol=1e-4)


def test_adam_weight_decay_is_added_to_the_gradient():
    p = _param([2.0])
    opt = nn.optim.Adam([p], lr=0.1, weight_decay=0.5)
    _set_grad(p, [-1.0])  # g' = -1 + 0.5 * 2 = 0: m = 0, the step is 0
    opt.step()
    assert np.allclose(p.data, [2.0])


def test_parameters_without_grad_are_skipped_and_zero_grad_clears():
    a, b = _param([1.0]), _param([1.0])
    opt = nn.optim.SGD([a, b], lr=1.0)
    _set_grad(a, [1.0])
    opt.step()
    assert a.data[0] == 0.0 and b.data[0] == 1.0
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_float32_parameters_stay_float32():
    p = _param([1.0, 2.0], dtype=np.float32)
    for opt in (nn.optim.SGD([p], lr=0.1, momentum=0.9), nn.optim.Adam([p])):
        _set_grad(p, [1.0, 1.0])
        opt.step()
        assert p.dtype == np.float32


def test_optimizer_errors():
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        nn.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="Adam: parameter 0 is not a Tensor that requires grad"):
        nn.optim.Adam([np.zeros(3)])
    with pytest.raises(ValueError, match="SGD: lr must be positive, got -1"):
        nn.optim.SGD([_param([1.0])], lr=-1)
    with pytest.raises(ValueError, match=r"Adam: betas must lie in \[0, 1\)"):
        nn.optim.Adam([_param([1.0])], betas=(0.9, 1.0))


@pytest.mark.parametrize("make, message", [
    (lambda ps: nn.optim.Adam(ps, eps=0), r"^Adam: eps must be positive, got 0$"),
    (lambda ps: nn.optim.Adam(ps, eps=-1e-8), r"^Adam: eps must be positive, got -1e-08$"),
    (lambda ps: nn.optim.Adam(ps, weight_decay=float("nan")), r"^Adam: weight_decay must be >= 0, got nan$"),
    (lambda ps: nn.optim.SGD(ps, lr="0.1"), r"^SGD: lr must be positive, got '0.1'$"),
    (lambda ps: nn.optim.SGD(ps, lr=True), r"^SGD: lr must be positive, got True$"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=-0.9), r"^SGD: momentum must be >= 0, got -0.9$"),
])
def test_hyper_parameters_out_of_range_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make([_param([1.0, 2.0])])


def test_adam_with_a_zero_gradient_leaves_parameters_finite():
    """eps > 0 is what keeps m / (sqrt(v) + eps) finite where the gradient is 0 (0/0 otherwise)."""
    p = _param([1.0, 2.0])
    opt = nn.optim.Adam([p], lr=0.1, eps=1e-12)
    _set_grad(p, [0.0, 0.0])
    opt.step()
    assert np.array_equal(p.data, np.array([1.0, 2.0], dtype=p.dtype))


def test_a_training_loop_reduces_the_loss():
    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(64, 3)))
    y = x.data @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    model = nn.Linear(3, 1, dtype=np.float64)
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(300):
        opt.zero_grad()
        loss = nn.MSELoss()(model(x), y)
        loss.backward()
        opt.step()
    assert loss.item() < 1e-6
    assert np.allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=1e-3)


@pytest.mark.parametrize("kind, kwargs", [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-2}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
])
def test_matches_torch_optim(kind, kwargs):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w0 = rng.normal(size=(3, 4))
    grads = rng.normal(size=(6, 3, 4))
    ours = _param(w0)
    theirs = torch.tensor(w0, requires_grad=True)
    opt = getattr(nn.optim, kind)([ours], **kwargs)
    topt = getattr(torch.optim, kind)([theirs], **kwargs)
    for g in grads:
        _set_grad(ours, g)
        opt.step()
        theirs.grad = torch.tensor(g)
        topt.step()
    assert np.allclose(ours.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
