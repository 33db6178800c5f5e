"""How long a pixel-level derivation takes: a 5x5 input, a 3x3 filter, padding 1.

derive() builds the frames (25 dE/dX frames, 9 dE/dW, the bias and the set-up frames);
rendering turns every frame into SVG, once with the system `dot` and once with
graphviz-pure; the page is viz.derive.save_derivation (graph + frames + HTML).
Targets (issue 13): under 3 s with dot, under 6 s with graphviz-pure, on 2 cores.

Run: python benchmarks/derive_bench.py
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

from autograd import Tensor
from autograd import functional as F
from demos.timing import best_of
from viz.derive import derive, drawings, save_derivation
from viz.render import render_many


def example():
    rng = np.random.default_rng(0)
    x = Tensor(rng.integers(-3, 4, (1, 1, 5, 5)).astype(float), requires_grad=True, label="X")
    w = Tensor(rng.integers(-2, 3, (1, 1, 3, 3)).astype(float), requires_grad=True, label="F")
    o = F.conv2d(x, w, padding=1)
    o.label = "O"
    o.backward(rng.integers(-2, 3, o.shape).astype(float))
    return o


def renderers():
    found = {}
    if shutil.which("dot"):
        found["system dot"] = shutil.which("dot")
    pure = shutil.which("graphviz-pure") or str(Path(sysconfig.get_path("scripts")) / "graphviz-pure")
    if Path(pure).is_file():
        found["graphviz-pure"] = pure
    return found


def main():
    o = example()
    d = derive(o)
    kinds = {}
    for f in d.frames:
        kind = f.title.split("[")[0].split(":")[0] if f.title.startswith("dE/d") else "set-up"
        kinds[kind] = kinds.get(kind, 0) + 1
    print(f"5x5 input, 3x3 filter, padding 1: {len(d.frames)} frames "
          f"({', '.join(f'{n} {k}' for k, n in kinds.items())})")
    print(f"  derive() (frames from the recorded nodes): {best_of(lambda: derive(o), 2) * 1e3:.0f} ms")
    dots = drawings(d)
    saved = os.environ.get("CHAINRULE_DOT")
    try:
        for name, exe in renderers().items():
            os.environ["CHAINRULE_DOT"] = exe
            with tempfile.TemporaryDirectory() as tmp:
                paths = [Path(tmp) / f"f{k}" for k in range(len(dots))]
                frames_t = best_of(lambda: render_many(dots, paths), 2)  # noqa: B023
                page_t = best_of(lambda: save_derivation(o, Path(tmp) / "page.html"), 2)
            print(f"  {name}: all frames to SVG {frames_t:.2f} s; derivation stepper page "
                  f"(derive + graph + frames + HTML) {page_t:.2f} s")
    finally:
        if saved is None:
            os.environ.pop("CHAINRULE_DOT", None)
        else:
            os.environ["CHAINRULE_DOT"] = saved
    return 0


if __name__ == "__main__":
    sys.exit(main())
