"""Vanishing gradients: per-layer gradient norms of a 10-layer sigmoid MLP against the same
MLP with ReLU, on one batch of handwritten digits, printed and drawn side by side.

    python demos/vanishing_gradients.py [--out chainrule-out] [--format svg|png]
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import nn
from autograd import Tensor
from viz.flow import draw_flow_comparison, save_flow


def batch(n=64, seed=0):
    """A batch of digits flattened to vectors (random inputs if scikit-learn is missing)."""
    try:
        s = nn.data.load_digits(seed=seed)
        x, y = s.x_train[:n].reshape(n, -1), s.y_train[:n]
        return (x - x.mean()) / x.std(), y
    except ImportError as e:
        print(f"({e}; using random inputs instead)")
        rng = np.random.default_rng(seed)
        return rng.normal(size=(n, 1024)).astype(np.float32), rng.integers(0, 10, n)


def layer_norms(activation, x, y, depth=10, width=64, seed=0):
    """Rows (layer, output shape, |d loss/d output|, |d loss/d weight|) for each Linear layer."""
    nn.manual_seed(seed)
    model = nn.MLP(x.shape[1], [width] * (depth - 1) + [10], activation=activation)
    out, trace = model.forward_trace(Tensor(x))
    nn.CrossEntropyLoss()(out, y).backward()
    rows = []
    for (_name, t), layer in zip(trace, model):
        if isinstance(layer, nn.Linear):
            k = len(rows) + 1
            rows.append((f"linear {k}", tuple(t.shape), float(np.linalg.norm(t.grad.data)),
                         float(np.linalg.norm(layer.weight.grad.data))))
    return rows


def bar(v, lo=-9, hi=0, width=30):
    n = 0 if v <= 0 else round((min(max(math.log10(v), lo), hi) - lo) / (hi - lo) * width)
    return "#" * n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="chainrule-out")
    ap.add_argument("--format", default="svg", choices=["svg", "png"])
    args = ap.parse_args(argv)
    x, y = batch()
    panels = {f"{a} MLP": layer_norms(a, x, y) for a in ("sigmoid", "relu")}
    sig, rel = panels.values()
    print("weight-gradient norm per layer (input side first), log scale 1e-9 .. 1:")
    print(f"{'layer':>9}  {'sigmoid':>9} {'':30}  {'relu':>9}")
    for a, b in zip(sig, rel):
        print(f"{a[0]:>9}  {a[3]:9.2e} {bar(a[3]):30}  {b[3]:9.2e} {bar(b[3])}")
    for name, rows in panels.items():
        print(f"{name}: first layer gets {rows[0][3] / rows[-1][3]:.1e} of the last layer's gradient")
    g = draw_flow_comparison(panels, title="gradient norms per layer: 10-layer sigmoid vs ReLU MLP "
                                           "(one batch of digits, shared colour scale)")
    print(save_flow(g, Path(args.out) / "vanishing_gradients", args.format))
    return panels


if __name__ == "__main__":
    main()
