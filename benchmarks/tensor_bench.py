"""Tensor engine speed against numpy and PyTorch (ratios; not a test).

    python benchmarks/tensor_bench.py [--quick] [--threads=2]

1. Per-op cost: a 10x10 add recording a graph, and the same add plus its backward.
   Targets: at most 2x PyTorch's time.
2. A training step of a 784-256-128-10 MLP (Linear-ReLU-Linear-ReLU-Linear, cross-entropy,
   plain SGD), batch 128, float32, written with autograd Tensors directly.
   Target: at most 1.3x PyTorch's time.

Both engines run interleaved, round after round, so a noisy neighbour slows both; the
reported ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import os
import sys

from timing import pin_threads, ratio, rounds, torch_or_none

THREADS = pin_threads()  # before numpy and torch are imported

import itertools  # noqa: E402
import statistics  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd import Tensor  # noqa: E402
from autograd.kernels import tune_allocator  # noqa: E402

tune_allocator()  # what a training script opts into: big arrays without fresh page faults
from autograd import functional as F  # noqa: E402

torch = torch_or_none(THREADS)

SIZES = (784, 256, 128, 10)
BATCH, LR = 128, 0.01
REST = 0.3


def median(times):
    return statistics.median(times)


# ---------------------------------------------------------------- 1. a small op

def small_op(repeats, number=2000):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(10, 10)), rng.normal(size=(10, 10))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    seed = np.ones((10, 10))

    def ours_forward():
        return ta + tb

    def ours_both():
        (ta + tb).backward(seed)

    rows = [("numpy add (no graph)", lambda: a + b, None)]
    if torch is None:
        rows += [("autograd add, recording", ours_forward, None),
                 ("autograd add + backward", ours_both, None)]
        times = rounds([f for _, f, _ in rows], number, repeats)
        return [(name, t, None) for (name, _, _), t in zip(rows, times)]

    pa = torch.tensor(a, requires_grad=True)
    pb = torch.tensor(b, requires_grad=True)
    pseed = torch.ones(10, 10, dtype=torch.float64)

    def torch_forward():
        return pa + pb

    def torch_both():
        (pa + pb).backward(pseed)

    t_np, t_ours, t_torch = rounds([lambda: a + b, ours_forward, torch_forward], number, repeats)
    t_ours2, t_torch2 = rounds([ours_both, torch_both], number // 4, repeats)
    return [("numpy add (no graph)", t_np, None),
            ("torch add, recording", t_torch, None),
            ("autograd add, recording", t_ours, t_torch),
            ("torch add + backward", t_torch2, None),
            ("autograd add + backward", t_ours2, t_torch2)]


# ---------------------------------------------------------------- 2. an MLP training step

def init(rng):
    """Uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights (in, out) and biases, float32."""
    params = []
    for fan_in, fan_out in itertools.pairwise(SIZES):
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, (fan_in, fan_out)).astype(np.float32))
        params.append(rng.uniform(-bound, bound, fan_out).astype(np.float32))
    return params


def autograd_step(params, x, y):
    """One SGD step with autograd Tensors; params: [W1, b1, W2, b2, W3, b3] (requires_grad)."""
    h = Tensor(x)
    for k in range(0, len(params), 2):
        h = h @ params[k] + params[k + 1]
        if k + 2 < len(params):
            h = h.relu()
    loss = F.cross_entropy(h, y)
    for p in params:
        p.grad = None
    loss.backward()
    for p in params:
        p.data -= LR * p.grad.data
    return loss


def torch_step(params, x, y):
    h = x
    for k in range(0, len(params), 2):
        h = h @ params[k] + params[k + 1]
        if k + 2 < len(params):
            h = h.relu()
    loss = torch.nn.functional.cross_entropy(h, y)
    for p in params:
        p.grad = None
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
    return loss


def torch_modules(start):
    """The idiomatic PyTorch version: nn.Linear layers (fused addmm) and optim.SGD."""
    layers = []
    for k in range(0, len(start), 2):
        linear = torch.nn.Linear(*start[k].shape)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(start[k].T.copy()))
            linear.bias.copy_(torch.from_numpy(start[k + 1]))
        layers += [linear, torch.nn.ReLU()]
    model = torch.nn.Sequential(*layers[:-1])
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step(x, y):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def mlp_step(repeats, number=20):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    start = init(rng)
    ours = [Tensor(p.copy(), requires_grad=True) for p in start]
    loss = autograd_step(ours, x, y)
    assert loss.dtype == np.float32 and all(p.grad.dtype == np.float32 for p in ours)
    fn_ours = lambda: autograd_step(ours, x, y)
    if torch is None:
        (t,) = rounds([fn_ours], number, repeats, REST)
        return [("autograd MLP step", t, None)]
    theirs = [torch.tensor(p.copy(), requires_grad=True) for p in start]
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    # same start, same step: the losses agree
    a, b = [Tensor(p.copy(), requires_grad=True) for p in start], [
        torch.tensor(p.copy(), requires_grad=True) for p in start]
    modules = torch_modules(start)
    for _ in range(2):
        losses = autograd_step(a, x, y).item(), torch_step(b, tx, ty).item(), modules(tx, ty).item()
        assert max(losses) - min(losses) < 1e-4, f"MLP losses differ: {losses}"
    fn_modules = torch_modules(start)
    t_ours, t_same, t_modules = rounds(
        [fn_ours, lambda: torch_step(theirs, tx, ty), lambda: fn_modules(tx, ty)], number, repeats,
        REST)
    return [("torch, same ops (@, +)", t_same, None),
            ("torch, nn.Linear + SGD", t_modules, None),
            ("autograd vs same ops", t_ours, t_same),
            ("autograd vs nn.Linear", t_ours, t_modules)]


def report(title, rows, unit, scale, target):
    """Median and best time per row; against torch, the median of the per-round ratios and
    the ratio of the best times (the least disturbed rounds on a shared machine)."""
    print(f"{title}{'median':>12} {'best':>9}")
    for name, times, reference in rows:
        extra = ""
        if reference is not None:
            rounds = [a / b for a, b in zip(times, reference)]
            extra = (f"   {ratio(times, reference):.2f}x torch (rounds {min(rounds):.2f}-{max(rounds):.2f}, "
                     f"best {min(times) / min(reference):.2f}x; target <= {target}x)")
        print(f"  {name:<28} {median(times) * scale:9.2f} {min(times) * scale:9.2f} {unit}{extra}")


def main():
    quick = "--quick" in sys.argv
    print(f"numpy {np.__version__}, torch {torch.__version__ if torch else 'not installed'}, "
          f"{THREADS} threads")
    report("10x10 add, per call      ", small_op(5 if quick else 25), "us", 1e6, 2)
    report(f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, f32",
           mlp_step(3 if quick else 20), "ms", 1e3, 1.3)


if __name__ == "__main__":
    main()
