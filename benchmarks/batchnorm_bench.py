"""BatchNorm2d forward + backward against PyTorch (a ratio; not a test).

    python benchmarks/batchnorm_bench.py [--quick] [--threads=2]

nn.BatchNorm2d(16) in training mode on a (64, 16, 32, 32) float32 batch, then backward
with a given upstream. chainrule's layer is the lecture's graph (mean, sub, pow, mean, add,
pow, div, mul, add), each gate a numpy pass; torch runs one fused kernel.
Target: at most 2x PyTorch's time at two threads. Engines take turns in rounds (each after
a short rest); the ratio is of the medians of round medians, with the rounds' spread.
"""

from __future__ import annotations

import os
import sys

from timing import alternate, pin_threads, ratio_text, torch_or_none

THREADS = pin_threads()  # before numpy and torch are imported

import statistics  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd.kernels import tune_allocator  # noqa: E402

tune_allocator()  # what a training script opts into: big arrays without fresh page faults

torch = torch_or_none(THREADS)

SHAPE = (64, 16, 32, 32)


def main():
    quick = "--quick" in sys.argv
    number, repeats = (2, 3) if quick else (5, 9)
    rng = np.random.default_rng(0)
    x = rng.normal(size=SHAPE).astype(np.float32)
    up = rng.normal(size=SHAPE).astype(np.float32)
    ours = nn.BatchNorm2d(SHAPE[1])

    def step_ours():
        a = Tensor(x, requires_grad=True)
        ours(a).backward(up)

    fns = [step_ours]
    if torch is not None:
        theirs = torch.nn.BatchNorm2d(SHAPE[1])
        tx, tup = torch.from_numpy(x), torch.from_numpy(up)

        def step_torch():
            b = tx.detach().requires_grad_(True)
            theirs(b).backward(tup)
        fns.append(step_torch)
    times = alternate(fns, repeats, number)
    ms = [statistics.median(t) * 1e3 for t in times]
    print(f"BatchNorm2d fwd+bwd {SHAPE} float32, {THREADS} threads")
    print(f"  chainrule {ms[0]:8.2f} ms")
    if torch is None:
        print("  torch not installed: no ratio")
        return
    print(f"  torch     {ms[1]:8.2f} ms")
    print(f"  ratio    {ratio_text(times[0], times[1], 2.0)}")


if __name__ == "__main__":
    main()
