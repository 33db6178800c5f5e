"""Where the time goes: per-op forward and backward times of one benchmark case, the bytes
each op reads and writes, and how busy the two cores are (a profile; not a test).

    python benchmarks/profile_ops.py CASE [--steps 20] [--threads 2]

CASE: conv-wide (16x32x32 -> 32@3x3 pad 1), conv2 (6x14x14 -> 16@5x5), conv1
(1x32x32 -> 6@5x5), pool (max_pool2d 2x2 on 64x6x28x28), lenet (a LeNet-5 SGD step),
batchnorm (BatchNorm2d on (64, 16, 32, 32)), gelu32, gelu64 (exact GELU on 256x1024), all
batch 64 float32 unless named otherwise, with kernels as attached (CHAINRULE_KERNELS=off:
the lesson alone).

Each op's forward and each node's backward (its rules, or its joint rule, and the sum over
broadcast axes) is timed in wall and CPU time over --steps steps. "MB" is what the op
reads and writes (inputs + output, or upstream + inputs + gradients): a lower bound of its
memory traffic; "GB/s" that over the wall time. "cores" is CPU time / wall time: 1.0 means
one core did the work while the other was idle, 2.0 both busy. The driver line is the
backward's own work (order, sums of gradient parts, accumulation into .grad).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from timing import pin_threads

pin_threads()  # before numpy is imported

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import autograd  # noqa: E402
import nn  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402
from autograd.core import backward as core_backward  # noqa: E402

KERNELS = autograd.KERNELS
if KERNELS:
    from autograd.kernels import driver, tensor, tune_allocator
    tune_allocator()


def _nbytes(*xs):
    total = 0
    for x in xs:
        data = x if isinstance(x, np.ndarray) else getattr(x, "data", x)
        if isinstance(data, np.ndarray):
            total += data.nbytes
        elif isinstance(data, (list, tuple)):
            total += _nbytes(*data)
    return total


class Meter:
    def __init__(self):
        self.wall = defaultdict(float)
        self.cpu = defaultdict(float)
        self.bytes = defaultdict(float)
        self.calls = defaultdict(int)

    def add(self, key, wall, cpu, nbytes):
        self.wall[key] += wall
        self.cpu[key] += cpu
        self.bytes[key] += nbytes
        self.calls[key] += 1


METER = Meter()


def _timed(key, fn, sizes):
    def wrapper(*args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        METER.add(key, time.perf_counter() - w, time.process_time() - c, sizes(args, out))
        return out
    return wrapper


def instrument():
    """Time every op's forward (and the kernels' fast binary operators), every node's
    backward, and the whole backward pass."""
    for op in autograd.ops():
        op.forward = _timed(("forward", op.name), op.forward, lambda a, out: _nbytes(*a, out))
    grads = driver._input_grads if KERNELS else core_backward.input_grads

    def node_grads(node, g, create_graph=False):
        w, c = time.perf_counter(), time.process_time()
        parts = grads(node, g, create_graph)
        METER.add(("backward", node.op), time.perf_counter() - w, time.process_time() - c,
                  _nbytes(g, *node.inputs, *[p for p in parts if p is not None]))
        return parts
    if KERNELS:
        driver._input_grads = node_grads
        tensor_grads = driver._tensor_grads

        def timed_tensor_grads(node, op, g):
            w, c = time.perf_counter(), time.process_time()
            inputs, parts = tensor_grads(node, op, g)
            METER.add(("backward", node.op), time.perf_counter() - w, time.process_time() - c,
                      _nbytes(g, *inputs, *[p for p in parts if p is not None]))
            return inputs, parts
        driver._tensor_grads = timed_tensor_grads
        make = tensor._make

        def timed_make(op, a, b, forward):
            w, c = time.perf_counter(), time.process_time()
            out = make(op, a, b, forward)
            METER.add(("forward", op.name), time.perf_counter() - w, time.process_time() - c,
                      _nbytes(a, b, out))
            return out
        tensor._make = timed_make
    run = core_backward.run_backward

    def whole(*args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        out = run(*args, **kwargs)
        METER.add(("backward", "(whole pass)"), time.perf_counter() - w, time.process_time() - c, 0)
        return out
    core_backward.run_backward = whole


# ---------------------------------------------------------------- the cases

def conv_case(chw, o, k, p):
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((64, *chw)).astype(np.float32), requires_grad=True)
    w = Tensor((rng.standard_normal((o, chw[0], k, k)) * 0.1).astype(np.float32), requires_grad=True)
    b = Tensor(rng.standard_normal(o).astype(np.float32), requires_grad=True)
    up = np.ones_like(F.conv2d(x, w, b, padding=p).data)

    def step():
        x.grad = w.grad = b.grad = None
        F.conv2d(x, w, b, padding=p).backward(up)
    return step


def pool_case():
    x = Tensor(np.random.default_rng(1).standard_normal((64, 6, 28, 28)).astype(np.float32),
               requires_grad=True)
    up = np.ones((64, 6, 14, 14), np.float32)

    def step():
        x.grad = None
        F.max_pool2d(x, 2).backward(up)
    return step


def lenet_case():
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 1, 32, 32), dtype=np.float32), rng.integers(0, 10, 64)
    nn.manual_seed(0)
    model = nn.LeNet5()
    opt = nn.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    xt = Tensor(x)

    def step():
        opt.zero_grad()
        loss_fn(model(xt), y).backward()
        opt.step()
    return step


def batchnorm_case():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 16, 32, 32)).astype(np.float32)
    up = rng.normal(size=x.shape).astype(np.float32)
    layer = nn.BatchNorm2d(16)

    def step():
        layer(Tensor(x, requires_grad=True)).backward(up)
    return step


def gelu_case(dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 1024)).astype(dtype)
    up = rng.normal(size=x.shape).astype(dtype)

    def step():
        F.gelu(Tensor(x, requires_grad=True)).backward(up)
    return step


CASES = {
    "conv-wide": lambda: conv_case((16, 32, 32), 32, 3, 1),
    "conv2": lambda: conv_case((6, 14, 14), 16, 5, 0),
    "conv1": lambda: conv_case((1, 32, 32), 6, 5, 0),
    "pool": pool_case,
    "lenet": lenet_case,
    "batchnorm": batchnorm_case,
    "gelu32": lambda: gelu_case(np.float32),
    "gelu64": lambda: gelu_case(np.float64),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    step = CASES[args.case]()
    for _ in range(3):
        step()
    w, c = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        step()
    wall, cpu = (time.perf_counter() - w) / args.steps, (time.process_time() - c) / args.steps
    instrument()
    for _ in range(args.steps):
        step()
    n = args.steps
    print(f"{args.case}: {wall * 1e3:.2f} ms per step (CPU {cpu * 1e3:.2f} ms, cores {cpu / wall:.2f}), "
          f"{args.threads} threads, kernels {'on' if KERNELS else 'off'}; per step, instrumented:")
    print(f"  {'':<10}{'op':<20}{'calls':>6}{'ms':>9}{'cores':>7}{'MB':>9}{'GB/s':>7}")
    whole = METER.wall.pop(("backward", "(whole pass)"), 0.0)
    whole_cpu = METER.cpu.pop(("backward", "(whole pass)"), 0.0)
    rows = sorted(METER.wall, key=lambda k: -METER.wall[k])
    for key in rows:
        ms, mb = METER.wall[key] / n * 1e3, METER.bytes[key] / n / 2**20
        cores = METER.cpu[key] / max(METER.wall[key], 1e-12)
        rate = METER.bytes[key] / max(METER.wall[key], 1e-12) / 1e9
        print(f"  {key[0]:<10}{key[1]:<20}{METER.calls[key] // n:>6}{ms:>9.3f}{cores:>7.2f}"
              f"{mb:>9.1f}{rate:>7.1f}")
    nodes = sum(v for k, v in METER.wall.items() if k[0] == "backward")
    nodes_cpu = sum(v for k, v in METER.cpu.items() if k[0] == "backward")
    if whole:
        print(f"  {'backward':<10}{'(driver)':<20}{'':>6}{(whole - nodes) / n * 1e3:>9.3f}"
              f"{(whole_cpu - nodes_cpu) / max(whole - nodes, 1e-12):>7.2f}")


if __name__ == "__main__":
    main()
