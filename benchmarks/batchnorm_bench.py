"""BatchNorm2d forward + backward against PyTorch (a ratio; not a test).

    python benchmarks/batchnorm_bench.py [--quick] [--threads=2]

nn.BatchNorm2d(16) in training mode on a (64, 16, 32, 32) float32 batch, then backward
with a given upstream. chainrule's layer is the lecture's graph (mean, sub, pow, mean, add,
pow, div, mul, add), each gate a numpy pass; torch runs one fused kernel.
Target: at most 2x PyTorch's time. Engines run interleaved; the ratio is the median of
per-round ratios.
"""

from __future__ import annotations

import os
import sys

THREADS = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--threads=")), "2")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = THREADS

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import nn  # noqa: E402
from autograd import Tensor  # noqa: E402

try:
    import torch
    torch.set_num_threads(int(THREADS))
except ImportError:  # PyTorch is optional
    torch = None

SHAPE = (64, 16, 32, 32)


def timed(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def main():
    quick = "--quick" in sys.argv
    number, repeats = (2, 3) if quick else (5, 7)
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
    for fn in fns:
        fn()                                     # warm-up
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            times[i].append(timed(fn, number))
    ms = [statistics.median(t) * 1e3 for t in times]
    print(f"BatchNorm2d fwd+bwd {SHAPE} float32, {THREADS} threads")
    print(f"  chainrule {ms[0]:8.2f} ms")
    if torch is None:
        print("  torch not installed: no ratio")
        return
    ratio = statistics.median(a / b for a, b in zip(times[0], times[1]))
    print(f"  torch     {ms[1]:8.2f} ms")
    print(f"  ratio     {ratio:8.2f}x  (target <= 2x)")


if __name__ == "__main__":
    main()
