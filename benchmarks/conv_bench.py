"""Conv and pooling primitives: times and ratios to the naive loops and to PyTorch CPU.

float32, batch 64, 2 threads. Shapes: LeNet's two convs (1x32x32 -> 6@5x5, 6x14x14 -> 16@5x5),
16x32x32 -> 32@3x3 padding 1, and max_pool2d 2x2 on 6x28x28. "fwd+bwd" differentiates both x
and w (and the bias); "fwd+bwd (w only)" is the first layer of a network, where x needs no
gradient; gradients are reset to None before each pass (zero_grad(set_to_none=True)) on both
sides. Each number is the median of many repeats, ours and torch's in alternating blocks
(each after a short rest, so neither runs beside the other's spinning BLAS threads) so that
load from other processes hits both alike. The naive loops run on one image and one output
channel and are scaled to the batch and the channels (their time is linear in both).
Ratios are of the medians of block medians, with the spread of the blocks' ratios.

    python benchmarks/conv_bench.py [--repeat 40] [--threads 2] [--no-naive] [--clock wall|cpu]

On a machine shared with other work, 2-thread wall times swing widely (a BLAS thread that
loses its core stalls the other); `--threads 1 --clock cpu` gives stable numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _threads_from_argv(default=2):
    for i, a in enumerate(sys.argv):
        if a == "--threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
        if a.startswith("--threads="):
            return a.split("=", 1)[1]
    return str(default)


# thread counts must be set before numpy (and its BLAS) is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _threads_from_argv()

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from autograd import Tensor  # noqa: E402
from autograd.kernels import tune_allocator  # noqa: E402

tune_allocator()  # what a training script opts into: big arrays without fresh page faults
from autograd import functional as F  # noqa: E402
from demos import naive_loops as NL  # noqa: E402

try:
    import torch
except ImportError:  # torch is optional: ratios to it are skipped
    torch = None

BATCH = 64
CONVS = [
    ("LeNet conv1  1x32x32 -> 6@5x5", (1, 32, 32), 6, 5, 0),
    ("LeNet conv2  6x14x14 -> 16@5x5", (6, 14, 14), 16, 5, 0),
    ("16x32x32 -> 32@3x3 pad 1", (16, 32, 32), 32, 3, 1),
]
POOL = ("max_pool2d 2x2 on 6x28x28", (6, 28, 28), 2)


CLOCK = time.perf_counter


def timed(fn):
    t0 = CLOCK()
    fn()
    return CLOCK() - t0


ROUNDS = 4
# BLAS worker threads busy-wait for a while after each call (OpenBLAS: ~0.1 s): timed right
# after the other engine, a pass shares the cores with its spinning threads. So the engines
# take turns in blocks, each after a rest.
REST = 0.3


def race(ours, theirs, repeat):
    """(median seconds of ours, of theirs or None, (lowest, highest) round ratio or None):
    alternating rested blocks, each engine's time the median of its block medians."""
    for f in (ours, theirs):
        if f is not None:
            f()
            f()
    a, b = [], []
    block = max(1, repeat // ROUNDS)
    for _ in range(ROUNDS):
        for f, times in ((ours, a), (theirs, b)):
            if f is not None:
                time.sleep(REST)
                times.append(float(np.median([timed(f) for _ in range(block)])))
    if not b:
        return float(np.median(a)), None, None
    rounds = [x / y for x, y in zip(a, b)]
    return float(np.median(a)), float(np.median(b)), (min(rounds), max(rounds))


def ms(seconds):
    return f"{seconds * 1e3:9.2f} ms"


def row(label, ours, theirs, spread=None, naive=None):
    parts = [f"  {label:<22}{ms(ours)}"]
    if theirs is not None:
        parts.append(f"torch {ms(theirs)}   ours/torch {ours / theirs:5.2f}x "
                     f"(rounds {spread[0]:.2f}-{spread[1]:.2f})")
    if naive is not None:
        parts.append(f"naive loops {naive:8.1f} s   ({naive / ours:,.0f}x slower)")
    print("   ".join(parts))


def conv_cases(repeat, with_naive):
    rng = np.random.default_rng(0)
    for title, chw, o, k, p in CONVS:
        conv_case(rng, title, chw, o, k, p, repeat, with_naive)


def conv_case(rng, title, chw, o, k, p, repeat, with_naive):
    print(f"\n{title}   (N={BATCH}, float32)")
    x_np = rng.standard_normal((BATCH, *chw)).astype(np.float32)
    w_np = (rng.standard_normal((o, chw[0], k, k)) * 0.1).astype(np.float32)
    b_np = rng.standard_normal(o).astype(np.float32)
    x, x_const = Tensor(x_np, requires_grad=True), Tensor(x_np)
    wt, b = Tensor(w_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    up = np.ones_like(F.conv2d(x, wt, b, padding=p).data)

    def ours_fwd():
        F.conv2d(x_const, wt.detach(), b.detach(), padding=p)

    def ours_fb(inp=x):
        inp.grad = wt.grad = b.grad = None          # like zero_grad(set_to_none=True)
        F.conv2d(inp, wt, b, padding=p).backward(up)

    theirs = {"fwd": None, "fb": None, "fb_w": None}
    if torch is not None:
        tx, tx_const = torch.tensor(x_np, requires_grad=True), torch.tensor(x_np)
        tw, tb = torch.tensor(w_np, requires_grad=True), torch.tensor(b_np, requires_grad=True)
        tup = torch.ones(tuple(up.shape))

        def t_fwd():
            with torch.no_grad():
                torch.nn.functional.conv2d(tx_const, tw, tb, padding=p)

        def t_fb(inp=tx):
            inp.grad = tw.grad = tb.grad = None
            torch.nn.functional.conv2d(inp, tw, tb, padding=p).backward(tup)

        theirs = {"fwd": t_fwd, "fb": t_fb, "fb_w": lambda: t_fb(tx_const)}

    naive = None
    if with_naive:  # one image, one output channel: the loops' time grows linearly in both
        one, w1, b1 = x_np[:1].astype(np.float64), w_np[:1].astype(np.float64), b_np[:1]
        start = time.perf_counter()
        out = NL.conv2d_forward(one, w1, b1, padding=p)
        NL.conv2d_backward(one, w1, np.ones_like(out), padding=p)
        naive = (time.perf_counter() - start) * BATCH * o

    row("forward", *race(ours_fwd, theirs["fwd"], repeat))
    row("fwd+bwd", *race(ours_fb, theirs["fb"], repeat), naive=naive)
    row("fwd+bwd (w only)", *race(lambda: ours_fb(x_const), theirs["fb_w"], repeat))


def pool_case(repeat, with_naive):
    title, (c, h, w), k = POOL
    print(f"\n{title}   (N={BATCH}, float32)")
    x_np = np.random.default_rng(1).standard_normal((BATCH, c, h, w)).astype(np.float32)
    x = Tensor(x_np, requires_grad=True)
    up = np.ones_like(F.max_pool2d(x, k).data)
    theirs_f = theirs_fb = None
    if torch is not None:
        tx = torch.tensor(x_np, requires_grad=True)
        tup = torch.ones(tuple(up.shape))

        def theirs_f():
            with torch.no_grad():
                torch.nn.functional.max_pool2d(tx, k)

        def theirs_fb():
            tx.grad = None
            torch.nn.functional.max_pool2d(tx, k).backward(tup)

    naive = None
    if with_naive:
        one = x_np[:1].astype(np.float64)
        start = time.perf_counter()
        out, where = NL.max_pool2d_forward(one, k)
        NL.max_pool2d_backward(np.ones_like(out), one.shape, where)
        naive = (time.perf_counter() - start) * BATCH
    def ours_fb():
        x.grad = None
        F.max_pool2d(x, k).backward(up)

    row("forward", *race(lambda: F.max_pool2d(x.detach(), k), theirs_f, repeat))
    row("fwd+bwd", *race(ours_fb, theirs_fb, repeat), naive=naive)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-naive", action="store_true", help="skip the (slow) naive loops")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: process CPU time, robust to other load when --threads 1")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if torch is not None:
        torch.set_num_threads(args.threads)
    print(f"numpy {np.__version__}, threads {args.threads}, {args.clock} clock, repeat {args.repeat}, "
          f"torch {torch.__version__ if torch is not None else 'not installed'}")
    conv_cases(args.repeat, not args.no_naive)
    pool_case(args.repeat, not args.no_naive)
    print("\nTargets at two threads (issue 25): fwd+bwd 16x32x32 -> 32@3x3 <= 1.5x torch, LeNet conv2 "
          "<= 1.2x, conv1 about 0.7x; max-pool fwd+bwd <= 0.5x.")


if __name__ == "__main__":
    main()
