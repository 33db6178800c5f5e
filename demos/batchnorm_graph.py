"""Batch norm as a computational graph: F.batch_norm is nine primitive gates (mean, subtract,
square, mean, add eps, sqrt, divide, scale, shift), so its backward is their chain rule. This
demo names the gates, runs backward, checks each intermediate gradient against the classic
hand derivation (step 9 down to step 1) and against the closed form, draws the graph, the
gradient's own graph (create_graph=True) and writes the stepper.

    python demos/batchnorm_graph.py [--quick] [--out chainrule-out] [--images]

--quick skips the rendering of the stepper page; --images rewrites demos/images/batchnorm-*.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import viz
from autograd import Tensor, topological_order
from autograd import functional as F
from autograd.teaching.display import format_number
from demos.drawing import screenshot
from demos.number_text import array_text

ROOT = Path(__file__).resolve().parent.parent
EPS = 1e-5
# The gates of F.batch_norm in the order the forward records them, with the names the
# derivation gives their outputs.
NAMES = (("mean", "mu"), ("sub", "xmu"), ("pow", "sq"), ("mean", "var"), ("add", "var+eps"),
         ("pow", "std"), ("div", "xhat"), ("mul", "gxhat"), ("add", "y"))


def example():
    """x: (4, 2), a batch of four samples with two features; gamma, beta: (2,); dy: (4, 2),
    the upstream gradient that arrives at y (small integers, so every number is readable)."""
    x = Tensor([[1.0, 2.0], [3.0, -2.0], [5.0, 0.0], [7.0, 4.0]], requires_grad=True, label="x")
    gamma = Tensor([2.0, 0.5], requires_grad=True, label="gamma")
    beta = Tensor([0.0, 1.0], requires_grad=True, label="beta")
    dy = np.array([[1.0, 0.0], [-1.0, 2.0], [0.0, 1.0], [2.0, 3.0]])
    return x, gamma, beta, dy


def named_graph(x, gamma, beta, eps=EPS):
    """y = F.batch_norm(x, gamma, beta, training) with each gate's output labelled as in the
    derivation; returns (y, {name: node})."""
    y = F.batch_norm(x, None, None, gamma, beta, training=True, eps=eps)
    gates = [n for n in topological_order(y) if not n.is_leaf and n.op != "reshape"]
    if [n.op for n in gates] != [op for op, _ in NAMES]:
        raise RuntimeError(f"batch_norm's graph changed: {[n.op for n in gates]}")
    nodes = {}
    for node, (_, name) in zip(gates, NAMES):
        node.label = name
        nodes[name] = node
    for node in topological_order(y):
        if node.op == "reshape":
            node.label = f"{node.parents[0].label} (1, C)"
    return y, nodes


def hand_derivation(x, gamma, dy, eps=EPS):
    """The classic derivation, from the output back, in plain numpy: [(name, formula, value)],
    value = d loss / d (that node). Fan-out nodes (x, xmu) sum their parts (the adder)."""
    n = x.shape[0]
    mu = x.mean(0)
    xmu = x - mu
    var = (xmu ** 2).mean(0)
    std = np.sqrt(var + eps)
    xhat = xmu / std
    d = {"y": dy, "gxhat": dy}                                                      # 9: shift
    d["beta"] = dy.sum(0)
    d["gamma"] = (dy * xhat).sum(0)                                                 # 8: scale
    d["xhat"] = dy * gamma
    d["std"] = -(d["xhat"] * xmu).sum(0) / std ** 2                                 # 7: divide
    d["var+eps"] = d["std"] * 0.5 / std                                             # 6: sqrt
    d["var"] = d["var+eps"]                                                         # 5: add eps
    d["sq"] = np.broadcast_to(d["var"] / n, x.shape)                                # 4: mean
    d["xmu"] = d["xhat"] / std + 2 * xmu * d["sq"]                                  # 3: square
    d["mu"] = -d["xmu"].sum(0)                                                      # 2: subtract
    d["x"] = d["xmu"] + d["mu"] / n                                                 # 1: mean
    formulas = [
        ("y", "dy (the upstream)"),
        ("gxhat", "dy                      shift: the add is a distributor"),
        ("beta", "sum_i dy                shift: beta was broadcast over the batch (adder)"),
        ("gamma", "sum_i dy * xhat          scale: swap multiplier, summed over the batch"),
        ("xhat", "dy * gamma               scale: swap multiplier"),
        ("std", "-sum_i dxhat * xmu / std^2          divide: d(a/b)/db = -a/b^2"),
        ("var+eps", "dstd * 0.5 / std         sqrt: d sqrt(v)/dv = 1/(2 sqrt(v))"),
        ("var", "dvar+eps                 add eps: distributor"),
        ("sq", "dvar / N (every sample)  mean: distributes upstream/N"),
        ("xmu", "dxhat / std + 2 xmu dsq   fan-out of xmu: divide's part + square's part"),
        ("mu", "-sum_i dxmu              subtract: negated, summed over the batch"),
        ("x", "dxmu + dmu / N           fan-out of x: subtract's part + mean's part"),
    ]
    return [(name, text, np.asarray(d[name])) for name, text in formulas]


def closed_form(x, gamma, dy, eps=EPS):
    """(dx, dgamma, dbeta) in one formula: dx = gamma / (N std) (N dy - sum dy - xhat sum dy xhat)."""
    n = x.shape[0]
    std = np.sqrt(x.var(0) + eps)
    xhat = (x - x.mean(0)) / std
    dx = gamma / (n * std) * (n * dy - dy.sum(0) - xhat * (dy * xhat).sum(0))
    return dx, (dy * xhat).sum(0), dy.sum(0)


def engine_grads(y, nodes, leaves, dy):
    """Backward from y with upstream dy; d loss / d node for every named node and leaf."""
    y.backward(dy)
    got = {name: np.asarray(node.grad) for name, node in nodes.items()}
    got.update({t.label: np.asarray(t.grad) for t in leaves})
    return got


def gradient_graph(x, gamma, beta, dy):
    """The graph of dL/dx itself (create_graph=True), L = sum(y * dy): batch norm's backward
    written in the same primitives, drawn with the forward nodes solid and backward ones dashed."""
    y, _ = named_graph(x, gamma, beta)
    loss = (y * Tensor(dy, label="dy")).sum()
    loss.label = "L"
    (gx,) = autograd.grad(loss, [x], create_graph=True)
    gx.label = "dL/dx"
    return viz.draw(gx, forward=loss, rankdir="TB", values=False,
                    title="batch norm's input gradient as a graph (dashed: backward nodes)")


NOTES = {
    "y": "Step 9, shift: y = gxhat + beta. The add is a distributor; beta was broadcast over the "
         "batch, so its gradient is the upstream summed over the batch axis.",
    "gxhat": "Step 8, scale: gxhat = gamma * xhat. Swap multiplier: dxhat = dy * gamma, "
             "dgamma = sum over the batch of dy * xhat.",
    "xhat": "Step 7, divide: xhat = xmu / std. dxmu (this part) = dxhat / std; "
            "dstd = -sum dxhat * xmu / std^2.",
    "std": "Step 6, sqrt: std = (var + eps)^0.5, local gradient 0.5 / std.",
    "var+eps": "Step 5, add eps: a distributor, the constant eps gets nothing.",
    "var": "Step 4, mean over the batch: each of the N squares gets dvar / N.",
    "sq": "Step 3, square: dxmu (this part) = 2 xmu dsq.",
    "xmu": "xmu was used twice (by the square and the divide): the adder sums both parts.",
    "mu": "Step 1, mean over the batch: each sample gets dmu / N.",
}


def note(step):
    """The derivation's words for a stepper frame (viz.save_stepper's notes=)."""
    label = getattr(step.output, "label", "")
    if step.op == "copy":
        return NOTES["xmu"] if label == "xmu" else (
            "x was used twice (by the subtract and the mean): dx = dxmu + dmu / N." if label == "x" else None)
    if step.op == "sub":
        return "Step 2, subtract: xmu = x - mu. x gets dxmu, mu gets -dxmu summed over the batch."
    return NOTES.get(label)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="no stepper page (for the tests)")
    ap.add_argument("--out", default="chainrule-out")
    ap.add_argument("--images", action="store_true", help="also rewrite demos/images/batchnorm-*")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    x, gamma, beta, dy = example()
    y, nodes = named_graph(x, gamma, beta)
    got = engine_grads(y, nodes, (x, gamma, beta), dy)
    print("batch norm, x (4, 2), gamma", gamma.data, "beta", beta.data, "; upstream dy =\n", dy)
    print("\nthe classic derivation, from the output back (hand formula vs the engine's gradient):")
    worst = 0.0
    for name, text, value in hand_derivation(x.data, gamma.data, dy):
        diff = float(np.max(np.abs(value - got[name])))
        worst = max(worst, diff)
        print(f"  d{name:<8} = {text}   (|hand - engine| {format_number(diff, 2)})")
        print("      " + array_text(got[name], prefix="      "))
    dx, dg, db = closed_form(x.data, gamma.data, dy)
    closed = max(float(np.max(np.abs(a - got[k]))) for a, k in ((dx, "x"), (dg, "gamma"), (db, "beta")))
    print(f"\nclosed form dx = gamma / (N std) (N dy - sum dy - xhat sum(dy xhat)): "
          f"|closed form - engine| {format_number(closed, 2)}; worst step {format_number(worst, 2)}")

    drawings = {"batchnorm-graph": viz.draw(y, rankdir="TB",
                                            title="batch norm as nine gates, after backward"),
                "batchnorm-backward": gradient_graph(*example())}
    images = ROOT / "demos" / "images"
    for folder in [out] + ([images] if args.images else []):
        for name, g in drawings.items():
            try:
                print("wrote", viz.render(g, folder / name, "svg"))
            except viz.RenderError as e:
                print(f"{name}: {e}")
    if args.images:
        for name in drawings:
            (images / f"{name}.gv").unlink(missing_ok=True)   # the DOT text is regenerated from code
    if not args.quick:
        x, gamma, beta, dy = example()
        y, _ = named_graph(x, gamma, beta)
        title = "batch norm backward, the classic derivation step by step"
        page = viz.save_stepper(y, out / "batchnorm-stepper.html", grad=dy, notes=note,
                                title=title)
        print("wrote", page)
        if args.images:     # the divide step (frame 5), as the README shows it
            screenshot(Path(page).resolve(), images / "batchnorm-stepper.png", "1300,680", "#step=5")
    return {"worst_step": worst, "closed_form": closed, "grads": got}


if __name__ == "__main__":
    main()
