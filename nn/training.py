"""One training loop, shared by the demos (demos/moons_tensor.py, demos/train_lenet.py), the
CLI's training playback (`chainrule train`) and notebooks (`viz.playback`).

    for step in train_steps(model, loss_fn, optimizer, batches, steps=100, lr=schedule):
        ...        # step.loss, step.out, step.x, step.y, after backward, before the update

Each step: zero the gradients, forward, loss, backward, then hand the step to the caller
(gradients, activations and weights are consistent: the weights are the ones the forward
pass used), then the optimizer's update. The two lecture tasks, two moons and LeNet-5 on
the offline digits, are set up by ``moons_task`` and ``digits_task``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np

from autograd import Tensor

from . import data, optim
from .activation import ReLU
from .container import Sequential
from .init import manual_seed
from .linear import Linear
from .losses import CrossEntropyLoss
from .models import LeNet5


@dataclass
class Step:
    """One training step, after backward and before the update.

    index: 0-based step number. x: the input batch (Tensor), y: targets (ndarray).
    out: the model's output (Tensor), loss: the scalar loss (Tensor), lr: the learning rate
    used for this step's update, trace: [(layer name, output)] when the forward gave one.
    """

    index: int
    x: Tensor
    y: np.ndarray
    out: Tensor
    loss: Tensor
    lr: float
    trace: list | None = None


def train_steps(model, loss_fn, optimizer, batches: Iterable, *, steps=None, lr=None,
                forward=None) -> Iterator[Step]:
    """Train ``model`` one batch at a time, yielding a Step after each backward pass; the
    optimizer's update runs when the caller asks for the next step.

    batches: (x, y) pairs, x a Tensor (N, ...), y targets. steps: stop after this many
    (default: when the batches run out). lr: a function step index -> learning rate, set on
    the optimizer before each step. forward: a function x -> out or (out, trace) (default:
    model(x)); e.g. model.forward_trace to see every layer's output.
    """
    forward = forward or model
    chosen = itertools.islice(batches, steps) if steps is not None else batches
    for k, (x, y) in enumerate(chosen):
        if lr is not None:
            optimizer.lr = float(lr(k))
        optimizer.zero_grad()
        result = forward(x)
        out, trace = result if isinstance(result, tuple) else (result, None)
        loss = loss_fn(out, y)
        loss.backward()
        yield Step(k, x, y, out, loss, optimizer.lr, trace)
        optimizer.step()


# ---------------------------------------------------------------- the lecture tasks

def margin_loss(scores, y):
    """micrograd's max-margin (hinge) loss mean(relu(1 - y * score)); scores (N, 1), y (N,)
    in {-1, +1}. Its L2 term (1e-4 * sum of w^2) is the optimizer's weight decay 2e-4 here,
    the same gradient, so the drawn graph is the network and its loss only."""
    y = Tensor(np.asarray(y, dtype=np.float64).reshape(-1, 1), label="y")
    return (1 - scores * y).relu().mean()


def accuracy(out, y):
    """Fraction right: the sign of a (N, 1) score against y in {-1, +1}, or the argmax of
    (N, classes) logits against class labels."""
    scores = np.asarray(out.data)
    if scores.shape[-1] == 1:
        return float(np.mean((scores[:, 0] > 0) == (np.asarray(y) > 0)))
    return float(np.mean(scores.argmax(axis=1) == np.asarray(y)))


@dataclass
class Task:
    """What a training run needs: the model, loss, optimizer, learning-rate schedule and an
    endless supply of batches, plus the data the pictures show (``x``, ``y``: the whole
    training set for moons; ``samples``: fixed test images and labels for digits)."""

    name: str
    model: Sequential
    loss_fn: Callable
    optimizer: optim.Optimizer
    batches: Iterator
    lr: Callable[[int], float]
    x: np.ndarray | None = None
    y: np.ndarray | None = None
    samples: tuple | None = None
    about: str = ""
    extra: dict = field(default_factory=dict)

    def steps(self, n):
        """The first ``n`` training steps (a generator of Step)."""
        return train_steps(self.model, self.loss_fn, self.optimizer, self.batches, steps=n, lr=self.lr)


def moons_model(dtype=np.float64):
    """micrograd's MLP(2, [16, 16, 1]), with the lecture's layer names."""
    return Sequential(fc1=Linear(2, 16, dtype=dtype), relu1=ReLU(), fc2=Linear(16, 16, dtype=dtype),
                      relu2=ReLU(), fc3=Linear(16, 1, dtype=dtype))


def moons_task(steps, n=100, seed=0, noise=0.1):
    """Two moons, full batch: SGD with the lecture's rate decaying linearly from 1.0 to 0.1
    over ``steps``, weight decay 2e-4 (micrograd's 1e-4 * sum w^2)."""
    x, y = data.make_moons(n, noise=noise, seed=seed)
    manual_seed(seed)
    model = moons_model()
    opt = optim.SGD(model.parameters(), lr=1.0, weight_decay=2e-4)
    batches = itertools.repeat((Tensor(x, label="x"), y))
    return Task("moons", model, margin_loss, opt, batches, lambda k: 1.0 - 0.9 * k / max(steps, 1),
                x=x, y=y, about=f"MLP 2-16-16-1 on {n} points of two moons; hinge loss, SGD")


def random_shift(x, rng, shift=2):
    """Shift each image (N, C, H, W) by up to ``shift`` pixels each way, zero fill: cheap data
    augmentation that keeps a small training set from being memorised."""
    from numpy.lib.stride_tricks import sliding_window_view

    n, _, h, w = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (shift, shift), (shift, shift)))
    windows = sliding_window_view(padded, (h, w), axis=(2, 3))   # (n, c, 2s+1, 2s+1, h, w)
    dy, dx = rng.integers(0, 2 * shift + 1, size=(2, n))
    return windows[np.arange(n), :, dy, dx]


def shifted(loader, rng, shift=2):
    """The loader's batches with every image randomly shifted (random_shift)."""
    for xb, yb in loader:
        xb = Tensor(random_shift(xb.data, rng, shift)) if shift else xb
        xb.label = "images"
        yield xb, yb


def epochs(loader):
    """The loader's batches, pass after pass, without end."""
    while True:
        yield from loader


def cosine(lr, total):
    """The learning rate at step k of ``total``, decaying from ``lr`` to 0 along half a cosine."""
    return lambda k: lr * 0.5 * (1 + math.cos(math.pi * k / max(total, 1)))


def digits_task(steps, batch_size=64, lr=2e-3, seed=0, shift=2, n_samples=8, split=None):
    """LeNet-5 on the offline handwritten digits (nn.data.load_digits; needs scikit-learn),
    Adam with cosine decay over ``steps``, random shifts; ``samples``: the first
    ``n_samples`` test images and labels, shown with the model's predictions."""
    split = split or data.load_digits()
    manual_seed(seed)
    model = LeNet5()
    opt = optim.Adam(model.parameters(), lr=lr)
    loader = data.DataLoader(split.x_train, split.y_train, batch_size=batch_size, shuffle=True,
                             seed=seed, drop_last=len(split.x_train) > batch_size)
    batches = shifted(epochs(loader), np.random.default_rng(seed), shift)
    samples = (split.x_test[:n_samples], split.y_test[:n_samples])
    return Task("lenet", model, CrossEntropyLoss(), opt, batches, cosine(lr, steps), samples=samples,
                about=f"LeNet-5 on {split.name}; batches of {batch_size}, Adam", extra={"split": split})
