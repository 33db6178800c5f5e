"""Time to build the stepper of a 60-gate expression: forward frame, seed frame and one frame
per backward step, rendered by the chosen Graphviz (the system dot when it is on PATH).

The expression mixes every scalar gate (add, mul, sub, div, max, exp, tanh, sigmoid, relu,
pow) in a chain that also reuses its three inputs, so copy (adder) steps appear too. Prints
the number of frames and the median of --repeat runs; the target is under 5 s on 2 cores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd
import viz
from autograd import Value
from viz.render import find_renderer


def expression(gates=60):
    """A chain of ``gates`` gates over x, y, z (each input used a few times)."""
    x, y, z = Value(0.5, "x"), Value(-1.5, "y"), Value(2.0, "z")
    leaves = [x, y, z]
    v = x * y
    made = 1
    k = 0
    while made < gates:
        other = leaves[k % 3] if k % 7 == 0 else Value(0.5 + (k % 5) / 4)
        step = k % 9
        if step == 0:
            v = v + other
        elif step == 1:
            v = v * other
        elif step == 2:
            v = v.tanh()
        elif step == 3:
            v = v - other
        elif step == 4:
            v = v.sigmoid()
        elif step == 5:
            v = v.max(other)
        elif step == 6:
            v = v / (other + 2.0)
            made += 1
        elif step == 7:
            v = v.relu() + 0.1
            made += 1
        else:
            v = (v * 0.5).exp()
            made += 1
        made += 1
        k += 1
    v.label = "f"
    return v


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gates", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    exe = find_renderer()
    if exe is None:
        sys.exit("no Graphviz renderer: pip install graphviz-pure, or apt install graphviz")
    f = expression(args.gates)
    gates = sum(1 for n in autograd.topological_order(f) if not n.is_leaf)
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        s = viz.stepper(f)
        times.append(time.perf_counter() - start)
    print(f"renderer {exe}; {gates} gates, {len(s)} frames (forward, seed, "
          f"{len(s) - 2} backward steps): median {statistics.median(times):.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}) per stepper; target < 5 s")


if __name__ == "__main__":
    main()
