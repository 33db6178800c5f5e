"""Pooling as the lecture's gates: max-pool is a router, mean-pool a distributor, and a
strided convolution is a convolution followed by downsampling.

1. Max-pool 2x2 on the lecture's 4x4 map: [[6, 8], [3, 4]]. Backward sends each upstream
   number to the position that won its window; everything else gets 0.
2. Mean-pool 2x2: each upstream number is divided by 4 and spread over its window.
3. conv2d(stride=2) == downsample2d(conv2d(stride=1), 2), forward and gradients; the
   strided conv's input gradient is "upsample the upstream, then the stride-1 rule".

Run: python demos/pooling_router.py [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd
from autograd import Tensor, topological_order
from autograd import functional as F
from autograd.teaching.display import format_number
from demos import naive_loops as NL
from demos.drawing import draw_all

LECTURE = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
UPSTREAM = np.array([[1.0, 2], [3, 4]])


def grid(name, a):
    a = np.asarray(a, dtype=float) + 0.0
    cells = [[format_number(v) for v in row] for row in a]
    width = max(len(c) for row in cells for c in row)
    rows = ["    " + "  ".join(c.rjust(width) for c in row) for row in cells]
    print(f"{name}:\n" + "\n".join(rows))


def max_pool_router():
    print("1. Max-pool 2x2, stride 2: the router\n")
    grid("input", LECTURE)
    x = Tensor(LECTURE[None, None], requires_grad=True, label="x")
    y = F.max_pool2d(x, 2)
    y.label = "max_pool2d(x)"
    grid("output (each window's max)", y.data[0, 0])
    grid("upstream dL/dy", UPSTREAM)
    y.backward(UPSTREAM[None, None])
    _, where = NL.max_pool2d_forward(LECTURE[None, None], 2)
    for a in range(2):
        for b in range(2):
            r, c = where[0, 0, a, b]
            print(f"  window ({a},{b}): max {format_number(y.data[0, 0, a, b])} at ({r},{c}) "
                  f"receives upstream {format_number(UPSTREAM[a, b])}; its other 3 cells get 0")
    grid("dL/dx (the router's output)", x.grad.data[0, 0])
    loops = NL.max_pool2d_backward(UPSTREAM[None, None], (1, 1, 4, 4), where)
    print(f"  the lecture's loop gives the same: {np.array_equal(loops, x.grad.data)}")

    xo = Tensor(np.array([[[[0.0, 0, 0], [0, 9, 0], [0, 0, 0]]]]), requires_grad=True)
    F.max_pool2d(xo, 2, stride=1).sum().backward()
    print("\n  overlapping windows (2x2, stride 1) on a 3x3 map whose centre 9 wins all four:")
    grid("  dL/dx (+= where windows overlap)", xo.grad.data[0, 0])
    return x, y


def mean_pool_distributor():
    print("\n2. Mean-pool 2x2, stride 2: the distributor\n")
    x = Tensor(LECTURE[None, None], requires_grad=True, label="x")
    y = F.avg_pool2d(x, 2)
    grid("output (each window's mean)", y.data[0, 0])
    y.backward(UPSTREAM[None, None])
    grid("dL/dx = upstream / 4 over each window", x.grad.data[0, 0])
    return x, y


def strided_conv_is_conv_then_downsample():
    print("\n3. A strided convolution is a convolution followed by downsampling\n")
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((1, 1, 6, 6)), requires_grad=True, label="x")
    w = Tensor(rng.standard_normal((1, 1, 3, 3)), requires_grad=True, label="w")
    strided = F.conv2d(x, w, stride=2)
    full = F.conv2d(x, w)
    composed = F.downsample2d(full, 2)
    print(f"  conv2d(x, w, stride=2): shape {strided.shape}")
    print(f"  downsample2d(conv2d(x, w), 2): shape {composed.shape} (from {full.shape})")
    print(f"  same outputs: max |diff| {format_number(np.max(np.abs(strided.data - composed.data)), 2)}")
    up = rng.standard_normal(strided.shape)
    a = autograd.grad(strided, [x, w], grad_output=up)
    b = autograd.grad(composed, [x, w], grad_output=up)
    for name, p, q in zip(("dL/dx", "dL/dw"), a, b):
        print(f"  same {name}: max |diff| {format_number(np.max(np.abs(p.data - q.data)), 2)}")
    grid("  upsample2d(upstream, 2): zeros where downsampling dropped outputs",
         F.upsample2d(up, 2, size=full.shape[2:]).data[0, 0])
    loss = (strided * strided).sum() * 0.5
    gx, = autograd.grad(loss, [x], create_graph=True)
    forward = set(topological_order(loss))
    chain = " -> ".join(n.op for n in topological_order(gx) if n.op and n not in forward)
    print(f"  the recorded input gradient of the strided conv: {chain}")
    gx.label = "dL/dx"
    return gx, loss


def backward_graphs():
    """Gradients recorded with create_graph=True: their nodes are the backward primitives."""
    x = Tensor(LECTURE[None, None], requires_grad=True, label="x")
    y = F.max_pool2d(x, 2)
    loss = (y * y).sum() * 0.5
    gmax, = autograd.grad(loss, [x], create_graph=True)
    gmax.label = "dL/dx (max)"
    z = F.avg_pool2d(x, 2)
    loss2 = (z * z).sum() * 0.5
    gavg, = autograd.grad(loss2, [x], create_graph=True)
    gavg.label = "dL/dx (mean)"
    print("\n  drawn with L = 0.5 * sum(y^2), so the upstream is y itself ([[6, 8], [3, 4]]):")
    print(f"  recorded max-pool backward: {gmax.op} (a scatter whose own backward is "
          f"window_gather2d)")
    print(f"  recorded mean-pool backward: {gavg.op} with a uniform 1/4 filter per channel")
    return [("max_pool_backward_graph", gmax, loss), ("mean_pool_backward_graph", gavg, loss2)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for SVG drawings")
    args = parser.parse_args(argv)
    _, y = max_pool_router()
    mean_pool_distributor()
    gx, loss = strided_conv_is_conv_then_downsample()
    graphs = backward_graphs()
    if args.out is not None:
        print()
        draw_all([("max_pool_forward", y, None), *graphs,
                  ("strided_conv_backward_graph", gx, loss)], args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
