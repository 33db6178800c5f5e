"""Exact GELU forward + backward against PyTorch, and the array erf alone (a ratio; not a test).

    python benchmarks/gelu_bench.py [--quick] [--threads=2]

F.gelu(x) (approximate="none", so erf) on a (256, 1024) batch in float32 and float64, then
backward with a given upstream. The forward evaluates the normal CDF once and the backward
reuses it (autograd/kernels/gelu.py); torch runs fused kernels. Engines take turns in
rounds (each after a short rest); the ratio is of the medians of round medians, with the
rounds' spread. Target: at most 3x PyTorch's time.
"""

from __future__ import annotations

import os
import sys

from timing import alternate, pin_threads, ratio_text, torch_or_none

THREADS = pin_threads()  # before numpy and torch are imported

import statistics  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import autograd  # noqa: E402
from autograd import KERNELS, Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402

if KERNELS:
    from autograd.kernels import tune_allocator
    tune_allocator()  # what a training script opts into: big arrays without fresh page faults
ERF = next(op for op in autograd.ops() if op.name == "erf").forward

torch = torch_or_none(THREADS)

SHAPE = (256, 1024)


def main():
    quick = "--quick" in sys.argv
    number, repeats = (3, 3) if quick else (10, 9)
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=SHAPE).astype(dtype)
        up = rng.normal(size=SHAPE).astype(dtype)

        def gelu_ours(x=x, up=up):
            F.gelu(Tensor(x, requires_grad=True)).backward(up)

        fns = [gelu_ours, lambda x=x: ERF(x / np.sqrt(2.0))]
        if torch is not None:
            tx, tup = torch.from_numpy(x), torch.from_numpy(up)

            def gelu_torch(tx=tx, tup=tup):
                torch.nn.functional.gelu(tx.detach().requires_grad_(True)).backward(tup)
            fns += [gelu_torch, lambda tx=tx: torch.erf(tx / 2 ** 0.5)]
            order = [fns[0], fns[2], fns[1], fns[3]]     # ours and torch take turns
            times = alternate(order, repeats, number)
            times = [times[0], times[2], times[1], times[3]]
        else:
            times = alternate(fns, repeats, number)
        ms = [statistics.median(t) * 1e3 for t in times]
        print(f"exact GELU fwd+bwd {SHAPE} {np.dtype(dtype).name}, {THREADS} threads")
        print(f"  chainrule {ms[0]:8.2f} ms   (erf alone {ms[1]:6.2f} ms)")
        if torch is not None:
            print(f"  torch     {ms[2]:8.2f} ms   (erf alone {ms[3]:6.2f} ms)")
            print(f"  ratio    {ratio_text(times[0], times[2], 3.0)}")


if __name__ == "__main__":
    main()
