"""The performance table (issue 25's figures): chainrule against PyTorch CPU, measured the
issue's way, and the range over runs (a ratio and a spread; not a test).

    python benchmarks/speed_table.py [--runs 3] [--rounds 7] [--threads 2] [--clock wall|cpu]
                                     [--only NAME ...] [--markdown] [--tree DIR]

Each run times every figure in alternated rounds: the two engines take turns, each round a
few calls of one engine after a 0.3 s rest (so neither runs beside the other's spinning
threads), and an engine's time is the median of its round medians. A run's ratio is ours
over PyTorch's; the table shows the range of the runs' ratios, and beside each run's ratio
the spread of its rounds. PyTorch runs at --threads threads (its default on this machine
is 2), numpy's BLAS and chainrule's kernel threads too. The scalar figure compares with
micrograd (pip install micrograd) instead, as a speed-up.

On a machine shared with other work, wall times at two threads swing: look at `uptime`
first (a load above ~1.5 means another process holds a core), or use --threads 1 --clock
cpu for a steady comparison.
"""

from __future__ import annotations

import os
import sys

from timing import alternate, compare, pin_threads, torch_or_none

THREADS = pin_threads()  # before numpy and torch are imported

import argparse  # noqa: E402
import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

# --tree DIR: time another checkout's engine (an older commit, for before/after figures)
TREE = next((sys.argv[i + 1] for i, a in enumerate(sys.argv[:-1]) if a == "--tree"),
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.abspath(TREE))

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402

KERNELS = getattr(autograd, "KERNELS", True)
try:
    from autograd.kernels import tune_allocator
    tune_allocator()  # what a training script opts into: big arrays without fresh page faults
except ImportError:   # an older engine (it raised the threshold at import)
    pass

torch = torch_or_none(THREADS)
BATCH = 64

# name -> (label, target ratio or None, calls per round)
FIGURES = {
    "conv-wide": ("conv2d fwd+bwd 16x32x32 -> 32@3x3 pad 1, batch 64", 1.5, 3),
    "conv2": ("conv2d fwd+bwd LeNet conv2 6x14x14 -> 16@5x5, batch 64", 1.2, 10),
    "conv1": ("conv2d fwd+bwd LeNet conv1 1x32x32 -> 6@5x5, batch 64", 0.7, 10),
    "pool": ("max_pool2d 2x2 fwd+bwd 64x6x28x28", 0.5, 20),
    "lenet": ("LeNet-5 SGD step, batch 64", 1.0, 5),
    "batchnorm": ("BatchNorm2d fwd+bwd (64, 16, 32, 32) float32", 2.0, 5),
    "gelu32": ("exact GELU fwd+bwd 256x1024 float32", 3.0, 10),
    "gelu64": ("exact GELU fwd+bwd 256x1024 float64", 3.0, 10),
    "scalar": ("scalar MLP step vs micrograd (speed-up)", None, 2),
}


def conv(chw, o, k, p):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((BATCH, *chw)).astype(np.float32)
    w_np = (rng.standard_normal((o, chw[0], k, k)) * 0.1).astype(np.float32)
    b_np = rng.standard_normal(o).astype(np.float32)
    x, w, b = (Tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    up = np.ones_like(F.conv2d(x, w, b, padding=p).data)

    def ours():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=p).backward(up)

    tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x_np, w_np, b_np))
    tup = torch.ones(tuple(up.shape))

    def theirs():
        tx.grad = tw.grad = tb.grad = None
        torch.nn.functional.conv2d(tx, tw, tb, padding=p).backward(tup)
    return ours, theirs


def pool():
    x_np = np.random.default_rng(1).standard_normal((BATCH, 6, 28, 28)).astype(np.float32)
    x, tx = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    up = np.ones((BATCH, 6, 14, 14), np.float32)
    tup = torch.ones(up.shape)

    def ours():
        x.grad = None
        F.max_pool2d(x, 2).backward(up)

    def theirs():
        tx.grad = None
        torch.nn.functional.max_pool2d(tx, 2).backward(tup)
    return ours, theirs


def lenet():
    rng = np.random.default_rng(0)
    x, y = rng.random((BATCH, 1, 32, 32), dtype=np.float32), rng.integers(0, 10, BATCH)
    nn.manual_seed(0)
    model = nn.LeNet5()
    opt = nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn, xt = nn.CrossEntropyLoss(), Tensor(x)

    def ours():
        opt.zero_grad()
        loss_fn(model(xt), y).backward()
        opt.step()

    torch.manual_seed(0)
    tn = torch.nn
    tmodel = tn.Sequential(tn.Conv2d(1, 6, 5), tn.ReLU(), tn.MaxPool2d(2), tn.Conv2d(6, 16, 5), tn.ReLU(),
                           tn.MaxPool2d(2), tn.Flatten(), tn.Linear(400, 120), tn.ReLU(),
                           tn.Linear(120, 84), tn.ReLU(), tn.Linear(84, 10))
    topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
    tx, ty = torch.tensor(x), torch.tensor(y)

    def theirs():
        topt.zero_grad()
        tn.functional.cross_entropy(tmodel(tx), ty).backward()
        topt.step()
    return ours, theirs


def batchnorm():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(BATCH, 16, 32, 32)).astype(np.float32)
    up = rng.normal(size=x.shape).astype(np.float32)
    layer, tlayer = nn.BatchNorm2d(16), torch.nn.BatchNorm2d(16)
    tx, tup = torch.from_numpy(x), torch.from_numpy(up)

    def ours():
        layer(Tensor(x, requires_grad=True)).backward(up)

    def theirs():
        tlayer(tx.detach().requires_grad_(True)).backward(tup)
    return ours, theirs


def gelu(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 1024)).astype(dtype)
    up = rng.normal(size=x.shape).astype(dtype)
    tx, tup = torch.from_numpy(x), torch.from_numpy(up)

    def ours():
        F.gelu(Tensor(x, requires_grad=True)).backward(up)

    def theirs():
        torch.nn.functional.gelu(tx.detach().requires_grad_(True)).backward(tup)
    return ours, theirs


def scalar():
    """(ours, micrograd's) MLP(2, [16, 16, 1]) step on 100 two-moons points, or None."""
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        return None
    from autograd import Value
    from nn.data import make_moons
    from nn.scalar import MLP
    points, labels = make_moons(100, noise=0.1, seed=1)
    rows = [[float(a), float(b)] for a, b in points]
    ys = [float(v) for v in labels]

    def step(model, value):
        """micrograd's demo step; the graph is returned, freed untimed (scalar_bench's way)."""
        model.zero_grad()
        scores = [model([value(a), value(b)]) for a, b in rows]
        losses = [(1 + -yi * si).relu() for yi, si in zip(ys, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
        loss.backward()
        return loss

    ours_model, their_model = MLP(2, [16, 16, 1], seed=0), MMLP(2, [16, 16, 1])
    return (lambda: step(ours_model, Value)), (lambda: step(their_model, MValue))


def cases():
    return {"conv-wide": lambda: conv((16, 32, 32), 32, 3, 1), "conv2": lambda: conv((6, 14, 14), 16, 5, 0),
            "conv1": lambda: conv((1, 32, 32), 6, 5, 0), "pool": pool, "lenet": lenet,
            "batchnorm": batchnorm, "gelu32": lambda: gelu(np.float32),
            "gelu64": lambda: gelu(np.float64), "scalar": scalar}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--clock", choices=("wall", "cpu"), default="wall")
    ap.add_argument("--only", nargs="*", choices=sorted(FIGURES), default=None)
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    ap.add_argument("--tree", default=TREE, help="the checkout whose engine is timed")
    args = ap.parse_args()
    if torch is None:
        print("speed_table: PyTorch is not installed, nothing to compare with (pip install torch)")
        return
    clock = time.process_time if args.clock == "cpu" else time.perf_counter
    names = args.only or list(FIGURES)
    made = {name: cases()[name]() for name in names}
    names = [n for n in names if made[n] is not None]
    # the harness's own objects (torch's modules, the cases' arrays) are never garbage:
    # keep the collector from walking them during the scalar steps (scalar_bench imports
    # no torch; with it, every full collection there took ~40% more time)
    gc.collect()
    gc.freeze()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"numpy {np.__version__}, torch {torch.__version__}, {THREADS} threads, {args.clock} clock, "
          f"kernels {'on' if KERNELS else 'off'}, engine {os.path.abspath(args.tree)}, "
          f"load average {load:.2f}")
    results = {name: [] for name in names}
    for run in range(args.runs):
        for name in names:
            ours, theirs = made[name]
            label, target, calls = FIGURES[name]
            rounds = max(3, args.rounds // 2) if name == "scalar" else args.rounds
            a, b = alternate([ours, theirs], rounds, calls, clock=clock, collect=name == "scalar")
            r, lo, hi, ta, tb = compare(a, b) if name != "scalar" else compare(b, a)
            if name == "scalar":
                ta, tb = tb, ta
            results[name].append(r)
            print(f"run {run + 1}  {name:<10} ours {ta * 1e3:9.2f} ms  ref {tb * 1e3:9.2f} ms  "
                  f"ratio {r:5.2f}x  (rounds {lo:.2f}-{hi:.2f})", flush=True)
    print(f"\nRange over {args.runs} runs ({THREADS} threads, load average at the end "
          f"{os.getloadavg()[0]:.2f}):")
    rows = []
    for name in names:
        label, target, _ = FIGURES[name]
        lo, hi = min(results[name]), max(results[name])
        if name == "scalar":
            verdict = f"{statistics.median(results[name]):.1f}x faster than micrograd"
        else:
            verdict = "met" if hi <= target else f"NOT met ({hi / target:.2f}x over)"
        rows.append((label, f"{lo:.2f}-{hi:.2f}x", "" if target is None else f"<= {target}x", verdict))
        print(f"  {label:<58} {rows[-1][1]:>12}  {rows[-1][2]:>8}  {verdict}")
    if args.markdown:
        print("\n| figure | ratio (range over runs) | target | |\n|---|---|---|---|")
        for row in rows:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
