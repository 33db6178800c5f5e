"""Vanishing gradients: per-layer gradient norms of a 10-layer sigmoid MLP against the same
MLP with ReLU and the sigmoid MLP with skip connections (h + sigmoid(W h): the add gate hands
the upstream to the layer below unchanged), on one batch of digits, printed and drawn side by side.

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
from autograd.teaching.display import format_number
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


class SkipMLP(nn.MLP):
    """The same layers as nn.MLP, with a skip around each hidden layer whose input and output
    widths match: h <- h + act(linear(h)). forward_trace records each Linear's output."""

    def forward_trace(self, x):
        layers, trace = list(self.named_children()), []
        h = x
        for k in range(0, len(layers) - 1, 2):
            (name, linear), (_, act) = layers[k], layers[k + 1]
            z = linear(h)
            trace.append((name, z))
            h = h + act(z) if h.shape == z.shape else act(z)
        name, last = layers[-1]
        out = last(h)
        trace.append((name, out))
        return out, trace

    def forward(self, x):
        return self.forward_trace(x)[0]


def layer_norms(activation, x, y, depth=10, width=64, seed=0, skip=False):
    """Rows (layer, output shape, |d loss/d output|, |d loss/d weight|) for each Linear layer."""
    nn.manual_seed(seed)
    model = (SkipMLP if skip else nn.MLP)(x.shape[1], [width] * (depth - 1) + [10], activation=activation)
    out, trace = model.forward_trace(Tensor(x))
    nn.CrossEntropyLoss()(out, y).backward()
    rows, layers = [], dict(model.named_children())
    for name, t in trace:
        layer = layers[name]
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
    panels["sigmoid MLP + skips"] = layer_norms("sigmoid", x, y, skip=True)
    sig, rel, res = panels.values()
    print("weight-gradient norm per layer (input side first), log scale 1e-9 .. 1:")
    print(f"{'layer':>9}  {'sigmoid':>9} {'':30}  {'relu':>9} {'':30}  {'sig+skip':>9}")
    for a, b, c in zip(sig, rel, res):
        print(f"{a[0]:>9}  {format_number(a[3]):>9} {bar(a[3]):30}  {format_number(b[3]):>9} {bar(b[3]):30}  "
              f"{format_number(c[3]):>9} {bar(c[3])}")
    for name, rows in panels.items():
        share = format_number(rows[0][3] / rows[-1][3], 2)
        print(f"{name}: first layer gets {share} of the last layer's gradient")
    skips = {"sigmoid MLP + skips": [(i - 1, i, "+ h") for i in range(1, len(res) - 1)]}
    g = draw_flow_comparison(panels, skips=skips,
                             title="gradient norms per layer: 10-layer sigmoid vs ReLU MLP vs sigmoid "
                                   "with skips\n(one batch of digits, shared colour scale; dashed: "
                                   "h + sigmoid(W h), an add gate)")
    print(save_flow(g, Path(args.out) / "vanishing_gradients", args.format))
    return panels


if __name__ == "__main__":
    main()
