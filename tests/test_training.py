"""nn.training: the one training loop the demos, `chainrule train` and viz.playback share."""

import numpy as np
import pytest

import nn
from autograd import Tensor
from demos import moons_tensor
from nn import training


def test_a_step_is_handed_over_after_backward_and_before_the_update():
    task = training.moons_task(5)
    params = task.model.parameters()
    steps = task.steps(5)
    step = next(steps)
    before = [p.data.copy() for p in params]
    grads = [np.asarray(p.grad.data).copy() for p in params]
    # the loss is that of the weights as they are now (the update has not run yet)
    again = training.margin_loss(task.model(Tensor(task.x)), task.y)
    assert step.loss.item() == pytest.approx(again.item(), rel=1e-12)
    assert step.index == 0 and step.lr == pytest.approx(1.0)
    step = next(steps)  # the update of step 0 ran: SGD with weight decay 2e-4 at lr 1.0
    for p, w, g in zip(params, before, grads):
        np.testing.assert_allclose(p.data, w - 1.0 * (g + 2e-4 * w), rtol=1e-12, atol=1e-15)
    assert step.index == 1 and step.lr == pytest.approx(1.0 - 0.9 / 5)


def test_weight_decay_is_micrographs_l2_term():
    """SGD's weight decay 2e-4 gives the gradient of the demo's 1e-4 * sum(w^2) term."""
    task = training.moons_task(1)
    params = task.model.parameters()
    x, y = Tensor(task.x), task.y
    with_reg = moons_tensor.margin_loss(task.model(x), y[:, None], params)
    with_reg.backward()
    full = [np.asarray(p.grad.data).copy() for p in params]
    for p in params:
        p.grad = None
    training.margin_loss(task.model(x), y).backward()
    for p, g in zip(params, full):
        np.testing.assert_allclose(np.asarray(p.grad.data) + 2e-4 * p.data, g, rtol=1e-10, atol=1e-14)


def test_the_moons_demo_runs_the_shared_loop(capsys):
    x, y = nn.data.make_moons(100, seed=0)
    model, acc = moons_tensor.train(x, y, 30, seed=0)
    task = training.moons_task(30)
    for step in task.steps(30):
        last = step
    for a, b in zip(model.parameters(), task.model.parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert acc == training.accuracy(last.out, y) and acc > 0.8
    assert "step  29" in capsys.readouterr().out


def test_steps_stop_when_asked_and_when_batches_run_out():
    nn.manual_seed(0)
    model = nn.Linear(2, 1)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    batches = [(Tensor(np.ones((3, 2), np.float32)), None)] * 4
    loss = lambda out, _: (out * out).mean()
    assert [s.index for s in training.train_steps(model, loss, opt, iter(batches), steps=2)] == [0, 1]
    assert len(list(training.train_steps(model, loss, opt, iter(batches)))) == 4


def test_random_shift_moves_whole_images():
    x = np.zeros((3, 1, 6, 6), np.float32)
    x[:, 0, 2, 3] = 1.0
    shifted = training.random_shift(x, np.random.default_rng(0), shift=2)
    assert shifted.shape == x.shape and np.all(shifted.sum(axis=(1, 2, 3)) == 1)


def test_cosine_schedule():
    lr = training.cosine(2e-3, 10)
    assert lr(0) == pytest.approx(2e-3) and lr(5) == pytest.approx(1e-3) and lr(10) == pytest.approx(0)
