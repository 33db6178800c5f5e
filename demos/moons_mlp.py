"""Train micrograd's MLP(2, [16, 16, 1]) on two moons with the scalar engine.

Loss as in micrograd's demo: mean max-margin (hinge) loss + 1e-4 * L2 of the weights,
SGD with a learning rate decaying from 1.0 to 0.1.
Run: python demos/moons_mlp.py [--steps 100]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd.teaching.display import format_number
from nn.data import make_moons
from nn.scalar import MLP


def loss_and_accuracy(model, X, y, alpha=1e-4):
    scores = [model([float(a), float(b)]) for a, b in X]
    losses = [(1 + -float(yi) * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = alpha * sum(p * p for p in model.parameters())
    accuracy = sum((yi > 0) == (si.data > 0) for yi, si in zip(y, scores)) / len(y)
    return data_loss + reg, accuracy


def train(steps=100, n=100, seed=0, verbose=True):
    """Returns (model, final accuracy)."""
    X, y = make_moons(n, noise=0.1, seed=seed)
    model = MLP(2, [16, 16, 1], seed=seed)
    accuracy = 0.0
    for k in range(steps):
        loss, accuracy = loss_and_accuracy(model, X, y)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in model.parameters():
            p.data -= lr * p.grad
        if verbose and (k % 10 == 0 or k == steps - 1):
            print(f"step {k:3d}  loss {format_number(loss.data):<7}  accuracy {accuracy:.0%}")
    _, accuracy = loss_and_accuracy(model, X, y)
    return model, accuracy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    t0 = time.perf_counter()
    _, accuracy = train(args.steps)
    print(f"final training accuracy {accuracy:.0%} on 100 points "
          f"({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
