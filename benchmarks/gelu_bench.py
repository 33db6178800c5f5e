"""Exact GELU forward + backward against PyTorch, and the array erf alone (a ratio; not a test).

    python benchmarks/gelu_bench.py [--quick] [--threads=2]

F.gelu(x) (approximate="none", so erf) on a (256, 1024) batch in float32 and float64, then
backward with a given upstream. Forward and backward each evaluate erf once
(autograd/special.py); torch runs fused kernels. Engines run interleaved; times are medians.
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

from autograd import Tensor  # noqa: E402
from autograd.kernels import erf as special  # noqa: E402
from autograd.kernels import tune_allocator  # noqa: E402

tune_allocator()  # what a training script opts into: big arrays without fresh page faults
from autograd import functional as F  # noqa: E402

try:
    import torch
    torch.set_num_threads(int(THREADS))
except ImportError:  # PyTorch is optional
    torch = None

SHAPE = (256, 1024)


def timed(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def measure(fns, number, repeats):
    for fn in fns:
        fn()                                     # warm-up
    times = [[] for _ in fns]
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            times[i].append(timed(fn, number))
    return [statistics.median(t) * 1e3 for t in times]


def main():
    quick = "--quick" in sys.argv
    number, repeats = (2, 3) if quick else (5, 7)
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        x = rng.normal(size=SHAPE).astype(dtype)
        up = rng.normal(size=SHAPE).astype(dtype)

        def gelu_ours(x=x, up=up):
            F.gelu(Tensor(x, requires_grad=True)).backward(up)

        fns = [gelu_ours, lambda x=x: special.erf(x / np.sqrt(2.0))]
        if torch is not None:
            tx, tup = torch.from_numpy(x), torch.from_numpy(up)

            def gelu_torch(tx=tx, tup=tup):
                torch.nn.functional.gelu(tx.detach().requires_grad_(True)).backward(tup)
            fns += [gelu_torch, lambda tx=tx: torch.erf(tx / 2 ** 0.5)]
        ms = measure(fns, number, repeats)
        print(f"exact GELU fwd+bwd {SHAPE} {np.dtype(dtype).name}, {THREADS} threads")
        print(f"  chainrule {ms[0]:8.2f} ms   (erf alone {ms[1]:6.2f} ms)")
        if torch is not None:
            print(f"  torch     {ms[2]:8.2f} ms   (erf alone {ms[3]:6.2f} ms)")
            print(f"  ratio     {ms[0] / ms[2]:8.1f}x")


if __name__ == "__main__":
    main()
