"""Backprop through a convolution, as the lecture derives it, checked against the engine.

A 3x3 input X and a 2x2 filter F give a 2x2 output O = X (correlate) F. With an upstream
gradient dE/dO:
    dE/dF = X (correlate) dE/dO                      the correlation of the input with the upstream
    dE/dX = pad(dE/dO, 1) (correlate) rot180(F)      the full convolution with the flipped filter
The engine's conv2d has exactly these backward rules as graph primitives (conv2d_weight and
conv_transpose2d), so asking for gradients with create_graph=True gives a graph of them,
which is drawn when viz is available. A strided convolution's input gradient shows the
lecture's other step: upsample the upstream, then the stride-1 rule. With --out, the same
example is written pixel by pixel (padded upstream, rotated filter, each sum) by viz.derive.

Run: python demos/conv_backward.py [--out DIR]
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
from demos.number_text import array_text

X = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
FILTER = np.array([[1.0, 2], [3, 4]])
UPSTREAM = np.array([[1.0, 2], [-1, 1]])


def show(name, a):
    body = array_text(a, separator="  ")
    print(f"{name} =\n" + "\n".join("    " + line for line in body.splitlines()))


def check(name, lecture, engine):
    ok = np.allclose(lecture, engine)
    print(f"  {name}: loops and engine {'agree' if ok else 'DISAGREE'} "
          f"(max |diff| {format_number(np.max(np.abs(lecture - engine)), 2)})")
    return ok


def lecture_example():
    print("1. The lecture's example: O = X (correlate) F\n")
    show("X", X)
    show("F", FILTER)
    out = NL.correlate2d(X, FILTER)
    show("O = X (correlate) F", out)
    show("dE/dO (given)", UPSTREAM)
    d_filter = NL.correlate2d(X, UPSTREAM)
    show("dE/dF = X (correlate) dE/dO", d_filter)
    padded = np.pad(UPSTREAM, 1)
    show("dE/dO zero-padded by k-1 = 1", padded)
    show("rot180(F)", FILTER[::-1, ::-1])
    d_input = NL.full_convolve2d(UPSTREAM, FILTER)
    show("dE/dX = full convolution of dE/dO with F", d_input)

    x = Tensor(X[None, None], requires_grad=True, label="X")
    f = Tensor(FILTER[None, None], requires_grad=True, label="F")
    o = F.conv2d(x, f)
    gx, gf = autograd.grad(o, [x, f], grad_output=UPSTREAM[None, None])
    print("\nThe engine (conv2d's backward rules, vectorized):")
    ok = check("O", out, o.data[0, 0])
    ok &= check("dE/dF", d_filter, gf.data[0, 0])
    ok &= check("dE/dX", d_input, gx.data[0, 0])
    return ok


def op_chain(t, forward):
    """The ops the backward pass added (nodes of t's graph that are not in forward's)."""
    seen = set(topological_order(forward))
    return " -> ".join(n.op for n in topological_order(t) if n.op and n not in seen)


def derived_graph():
    print("\n2. The backward pass is a graph of the same primitives (create_graph=True)\n")
    x = Tensor(X[None, None], requires_grad=True, label="X")
    f = Tensor(FILTER[None, None], requires_grad=True, label="F")
    o = F.conv2d(x, f)
    o.label = "O"
    # E = sum(O * U) has dE/dO = U: the drawing uses the very upstream printed above
    loss = (o * Tensor(UPSTREAM[None, None], label="dE/dO")).sum()
    loss.label = "E"
    print("  loss E = sum(O * dE/dO), so dE/dO is the upstream given above:")
    print("  " + array_text(UPSTREAM).replace("\n", ""))
    gx, gf = autograd.grad(loss, [x, f], create_graph=True)
    print(f"  the drawn graph's dE/dX = {gx.data[0, 0].tolist()} and dE/dF = {gf.data[0, 0].tolist()}"
          " (the printed ones)")
    gx.label, gf.label = "dE/dX", "dE/dF"
    print(f"  dE/dX is made by: {op_chain(gx, loss)}")
    print(f"  dE/dF is made by: {op_chain(gf, loss)}")
    second = autograd.gradgradcheck(lambda x, f: F.conv2d(x, f) ** 2,
                                    [Tensor(X[None, None] / 9, requires_grad=True),
                                     Tensor(FILTER[None, None] / 4, requires_grad=True)])
    print(f"  and it differentiates again: second order matches finite differences: {second}")

    xs = Tensor(np.arange(25.0).reshape(1, 1, 5, 5) / 10, requires_grad=True, label="X")
    os_ = F.conv2d(xs, f, stride=2)
    loss_s = (os_ * os_).sum() * 0.5
    gxs, = autograd.grad(loss_s, [xs], create_graph=True)
    gxs.label = "dE/dX (stride 2)"
    print(f"\n  strided conv, stride 2: dE/dX is made by: {op_chain(gxs, loss_s)}")
    print(f"    (the upstream upsampled to {gxs.parents[0].shape[2:]}, then the stride-1 rule)")
    return [("conv_backward_graph", gx, loss), ("conv_weight_graph", gf, loss),
            ("strided_conv_backward_graph", gxs, os_)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for SVG drawings of the backward graphs")
    args = parser.parse_args(argv)
    ok = lecture_example()
    graphs = derived_graph()
    if args.out is not None:
        print()
        draw_all(graphs, args.out)
        derivation(args.out)
    return 0 if ok else 1


def derivation(out):
    """The same example, pixel by pixel: out/conv_derivation.html (viz.derive)."""
    try:
        from viz.derive import save_derivation
        x = Tensor(X[None, None], requires_grad=True, label="X")
        f = Tensor(FILTER[None, None], requires_grad=True, label="F")
        o = F.conv2d(x, f)
        o.label = "O"
        o.backward(UPSTREAM[None, None])
        save_derivation(o, out / "conv_derivation.html")
    except Exception as e:  # viz or a renderer missing: the numbers above still stand
        print(f"  conv_derivation.html: {e}")
    else:
        print(f"  derivation stepper: {out / 'conv_derivation.html'}")


if __name__ == "__main__":
    sys.exit(main())
