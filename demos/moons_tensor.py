"""Two moons with the tensor engine: an MLP 2-16-16-1 trained with a max-margin loss (the
training loop of nn.training, which `chainrule train --model moons` runs too), then the same
model timed on both engines (scalar Values vs numpy Tensors).

    python demos/moons_tensor.py [--steps 100] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import nn
from autograd import Tensor
from autograd.teaching.display import format_number
from demos.timing import best_of
from nn import training
from nn.data import make_moons


def margin_loss(scores, y, params, alpha=1e-4):
    """mean(relu(1 - y * score)) + alpha * sum(w^2), micrograd's max-margin loss; y in {-1, +1}."""
    reg = sum((p * p).sum() for p in params)
    return training.margin_loss(scores, y) + alpha * reg


def train(x, y, steps, seed):
    """nn.training's moons task on these points: the loop the CLI's playback runs too."""
    task = training.moons_task(steps, n=len(x), seed=seed)
    task.batches = iter(lambda: (Tensor(x), y), None)   # these points, every step
    for step in task.steps(steps):
        acc = training.accuracy(step.out, y)
        if step.index % 10 == 0 or step.index == steps - 1:
            print(f"step {step.index:3d}  loss {format_number(step.loss.item()):<7}  accuracy {acc:.0%}")
    return task.model, acc


def ascii_boundary(model, x, y, width=64, height=24):
    """The decision regions as text: '.' and ':' for the two sides, 'o'/'x' for points."""
    (x0, y0), (x1, y1) = x.min(0) - 0.3, x.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(x0, x1, width), np.linspace(y1, y0, height))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    side = (model(Tensor(grid)).data[:, 0] > 0).reshape(height, width)
    canvas = np.where(side, ":", ".").astype(object)
    cols = np.clip(((x[:, 0] - x0) / (x1 - x0) * (width - 1)).round().astype(int), 0, width - 1)
    rows = np.clip(((y1 - x[:, 1]) / (y1 - y0) * (height - 1)).round().astype(int), 0, height - 1)
    for r, c, label in zip(rows, cols, y):
        canvas[r, c] = "x" if label > 0 else "o"
    return "\n".join("".join(row) for row in canvas)


def compare_engines(x, y, seed, repeats=5):
    """One forward + backward of the same 2-16-16-1 model on the same points, both engines."""
    scalar_model = nn.scalar.MLP(2, [16, 16, 1], seed=seed)
    tensor_model = nn.MLP(2, [16, 16, 1], dtype=np.float64)
    points = [list(map(float, p)) for p in x]

    def scalar_step():
        scalar_model.zero_grad()
        scores = [scalar_model(p) for p in points]
        losses = [(1 + -yi * si).relu() for yi, si in zip(y.tolist(), scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg = 1e-4 * sum(p * p for p in scalar_model.parameters())
        (data_loss + reg).backward()

    xt, yt = Tensor(x), y[:, None]

    def tensor_step():
        tensor_model.zero_grad()
        margin_loss(tensor_model(xt), yt, tensor_model.parameters()).backward()

    ts, tt = best_of(scalar_step, repeats), best_of(tensor_step, repeats)
    n_params = len(scalar_model.parameters())
    print(f"\none forward+backward of MLP(2, [16, 16, 1]) ({n_params} parameters) on {len(x)} points:")
    print(f"  scalar engine (Values):  {ts * 1e3:8.2f} ms")
    print(f"  tensor engine (numpy):   {tt * 1e3:8.2f} ms")
    print(f"  the tensor engine is {ts / tt:.0f}x faster: one node per array op instead of "
          f"one per multiply-add")
    return ts, tt


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    x, y = make_moons(100, noise=0.1, seed=args.seed)
    model, acc = train(x, y, args.steps, args.seed)
    print("\ndecision regions ('o' upper moon, 'x' lower moon):")
    print(ascii_boundary(model, x, y))
    compare_engines(x, y, args.seed)
    return acc


if __name__ == "__main__":
    main()
