"""Scalar engine vs micrograd: forward+backward of MLP(2, [16, 16, 1]) on 100 two-moons points.

The step is micrograd's demo loss: mean max-margin loss + 1e-4 * L2, default interpreter
settings (cyclic GC on). Prints ms per step, nodes per second, bytes per node
(tracemalloc) and the ratio to micrograd when it is installed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import Value
from autograd.graph import topological_order
from nn.data import make_moons
from nn.scalar import MLP

X, Y = make_moons(100, noise=0.1, seed=1)
ROWS = [[float(a), float(b)] for a, b in X]
LABELS = [float(v) for v in Y]


def loss_of(model, value_cls):
    inputs = [[value_cls(a), value_cls(b)] for a, b in ROWS]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(LABELS, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg


CLOCK = time.perf_counter


def time_steps(model, value_cls, repeats):
    times = []
    for _ in range(repeats):
        t0 = CLOCK()
        model.zero_grad()
        loss = loss_of(model, value_cls)
        loss.backward()
        times.append(CLOCK() - t0)
        del loss
    return statistics.median(times)


def bytes_per_node(model):
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = loss_of(model, Value)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    nodes = len(topological_order(loss))
    return (after - before) / nodes, nodes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed steps (median is reported)")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, steadier on a shared machine")
    args = parser.parse_args()
    repeats = args.repeats
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    model = MLP(2, [16, 16, 1], seed=0)
    per_node, nodes = bytes_per_node(model)
    ours = time_steps(model, Value, repeats)
    print(f"chainrule: {ours * 1e3:8.1f} ms/step  {nodes / ours / 1e6:5.2f} M nodes/s  "
          f"{per_node:5.0f} bytes/node  ({nodes} nodes)")
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
    except ImportError:
        print("micrograd: not installed (pip install micrograd) - no ratio")
        return
    theirs = time_steps(MMLP(2, [16, 16, 1]), MValue, repeats)
    print(f"micrograd: {theirs * 1e3:8.1f} ms/step")
    print(f"speed-up vs micrograd: {theirs / ours:.1f}x (target >= 10x); bytes/node target <= 300")


if __name__ == "__main__":
    main()
