"""Scalar engine vs micrograd: forward+backward of MLP(2, [16, 16, 1]) on 100 two-moons points.

The step is micrograd's demo loss: mean max-margin loss + 1e-4 * L2, default interpreter
settings (cyclic GC on). Prints ms per step, nodes per second, bytes per node
(tracemalloc) and the ratio to micrograd when it is installed.

The engines alternate in blocks (ours, micrograd, ours, ...): on a shared VM whose speed
drifts by tens of percent over seconds, one block per engine measures the drift as much as
the engines. Each block starts with a full collection and an untimed step, so every timed
step pays for its own engine's garbage (micrograd's graphs are cyclic and wait for the
collector) and never for the other engine's.
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
from autograd.core import topological_order
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


def time_step(model, value_cls):
    t0 = CLOCK()
    model.zero_grad()
    loss = loss_of(model, value_cls)
    loss.backward()
    elapsed = CLOCK() - t0
    del loss        # freeing the graph is not part of the step (for either engine)
    return elapsed


def time_block(model, value_cls, repeats):
    gc.collect()
    time_step(model, value_cls)
    return [time_step(model, value_cls) for _ in range(repeats)]


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
    parser.add_argument("--repeats", type=int, default=3, help="timed steps per block")
    parser.add_argument("--rounds", type=int, default=3, help="blocks per engine")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                        help="cpu: process CPU time, steadier on a shared machine")
    args = parser.parse_args()
    repeats = args.repeats
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    model = MLP(2, [16, 16, 1], seed=0)
    per_node, nodes = bytes_per_node(model)
    try:
        from micrograd.engine import Value as MValue
        from micrograd.nn import MLP as MMLP
        reference = MMLP(2, [16, 16, 1])
    except ImportError:
        reference = None
    ours, theirs, blocks = [], [], []
    for _ in range(args.rounds):
        mine = time_block(model, Value, repeats)
        ours += mine
        if reference is not None:
            other = time_block(reference, MValue, repeats)
            theirs += other
            blocks.append(statistics.median(other) / statistics.median(mine))
    mid = statistics.median(ours)
    print(f"chainrule: {mid * 1e3:8.1f} ms/step (best {min(ours) * 1e3:.1f})  "
          f"{nodes / mid / 1e6:5.2f} M nodes/s  {per_node:5.0f} bytes/node  ({nodes} nodes)")
    if reference is None:
        print("micrograd: not installed (pip install micrograd) - no ratio")
        return
    print(f"micrograd: {statistics.median(theirs) * 1e3:8.1f} ms/step (best {min(theirs) * 1e3:.1f})")
    print(f"speed-up vs micrograd: {statistics.median(theirs) / mid:.1f}x by medians (blocks "
          f"{min(blocks):.1f}-{max(blocks):.1f}x), {min(theirs) / min(ours):.1f}x by best steps "
          f"({args.rounds} rounds of {repeats} steps each; target >= 10x); bytes/node target <= 300")


if __name__ == "__main__":
    main()
