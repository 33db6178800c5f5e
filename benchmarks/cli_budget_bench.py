"""The CLI's work budget: time of the worst expressions within the limits, with each renderer.

Each candidate sits at a limit of viz/budget.py (gates, copy-point uses, label characters)
and is run through `chainrule explain` end to end (parse, backward, every frame rendered,
stepper written) once per renderer found: the system `dot` and graphviz-pure. Prints the
work counted, the wall seconds and (in parentheses) the CPU seconds of the CLI and the
renderer; the budget promises each stays under 10 s.

    python benchmarks/cli_budget_bench.py [--only NAME]
"""

from __future__ import annotations

import argparse
import ast
import io
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from viz import cli
from viz.budget import MAX_LABEL_CHARS, MAX_OPS, MAX_USES, count
from viz.parse import parse


def work(expr):
    return count(ast.parse(expr.strip(), mode="eval"), expr.strip())


def fill(expr):
    """``expr`` + 0.5 + 0.5 ... up to the gate limit."""
    while work(expr).gates < MAX_OPS:
        expr += " + 0.5"
    return expr


def candidates():
    """name -> (expression, name=value arguments), each at the edge of the budget."""
    half = MAX_USES // 2
    names = [f"a{k:02d}" for k in range(MAX_OPS)]

    def long_names(n):
        v = "v" * n
        return fill(f"{v} * {v} + " + " + ".join(["exp(w)"] * (MAX_USES - 2))), [f"{v}=0.5", "w=0.1"]

    spare = MAX_LABEL_CHARS - work(long_names(1)[0]).label_chars
    wide = [f"{n}*{n}" if k < half else n for k, n in enumerate(names)]
    return {
        "copies": (fill("*".join(["x", "y"] * half)), ["x=1.5", "y=-0.5"]),
        "max-args": ("max(" + ", ".join(["x", "y"] * half + ["1"] * (MAX_OPS + 1 - 2 * half)) + ")",
                     ["x=1", "y=2"]),
        "wide-tree": (fill(" + ".join(wide[:MAX_OPS // 2 + half // 2])),
                      [f"{n}={k % 5 - 2}" for k, n in enumerate(names[:MAX_OPS // 2 + half // 2])]),
        "long-names": long_names(spare - 2 * 24),  # a name as long as the label budget allows
        "deep-chain": ("tanh(" * MAX_OPS + "x" + ")" * MAX_OPS, ["x=0.3"]),
    }


def cpu_seconds():
    """CPU time of this process and its finished children (the renderer): on a shared
    machine, wall time measures the neighbours as much as the work."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def renderers():
    found = {}
    if shutil.which("dot"):
        found["dot"] = shutil.which("dot")
    pure = shutil.which("graphviz-pure") or str(Path(sys.executable).parent / "graphviz-pure")
    if os.access(pure, os.X_OK):
        found["graphviz-pure"] = pure
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="run one candidate")
    args = ap.parse_args()
    found = renderers()
    print(f"budget: {MAX_OPS} gates, {MAX_USES} copy uses, {MAX_LABEL_CHARS} label characters; "
          f"renderers: {', '.join(found) or 'none'}")
    print(f"{'candidate':<12} {'gates':>5} {'uses':>4} {'labels':>6} {'frames':>6}  "
          + "  ".join(f"{r:>14}" for r in found))
    for name, (expr, values) in candidates().items():
        if args.only and name != args.only:
            continue
        w = work(parse(expr) and expr)  # parse() refuses anything over the budget
        times = []
        for exe in found.values():
            os.environ["CHAINRULE_DOT"] = exe
            with tempfile.TemporaryDirectory() as tmp:
                err = io.StringIO()
                start, cpu = time.perf_counter(), cpu_seconds()
                code = cli.main(["explain", expr, *values, "--out", tmp], stdout=io.StringIO(), stderr=err)
                took, cpu = time.perf_counter() - start, cpu_seconds() - cpu
            times.append(f"{took:>5.1f} s ({cpu:>4.1f})" if code == 0 else f"{'exit ' + str(code):>14}")
            if code:
                print("   ", err.getvalue().strip())
        print(f"{name:<12} {w.gates:>5} {sum(w.shared.values()):>4} {w.label_chars:>6} "
              f"{w.frames:>6}  " + "  ".join(times), flush=True)


if __name__ == "__main__":
    main()
