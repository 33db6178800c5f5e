"""Localization as multi-task learning (CNN III): one network says which digit it sees and
where it is. A shared conv trunk feeds two heads, a classifier (cross-entropy) and a box
regressor (L2 on the box's corners); the loss is their sum.

The trunk's features are used by both heads, so in backprop they are a fan-out: the copy
gate's adder sums the two heads' gradients before anything reaches the trunk. The demo
measures both parts and checks that the sum is what the trunk received.

    python demos/localization.py [--quick] [--epochs N] [--box-weight W] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd import Tensor
from autograd import functional as F
from autograd.display import format_number
from demos.drawing import render_or_gv

CANVAS = 24


def digits_8x8():
    """scikit-learn's 8x8 digits in [0, 1], or ImportError naming the extra to install."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(f"localization: needs scikit-learn's digits: {nn.data.DEMOS_HINT}") from None
    d = load_digits()
    return d.images / 16.0, d.target.astype(np.int64)


def place(images, labels, rng):
    """Each 8x8 digit put at a random place on a 24x24 canvas. Returns x (N, 1, 24, 24)
    float32, labels, boxes (N, 4) = (top, left, bottom, right) / 24."""
    n = len(images)
    x = np.zeros((n, 1, CANVAS, CANVAS), np.float32)
    tops, lefts = rng.integers(0, CANVAS - 8 + 1, (2, n))
    for i in range(n):
        x[i, 0, tops[i]:tops[i] + 8, lefts[i]:lefts[i] + 8] = images[i]
    boxes = np.stack([tops, lefts, tops + 8, lefts + 8], axis=1).astype(np.float32) / CANVAS
    return x, labels, boxes


class Localizer(nn.Module):
    """trunk: conv 16@3x3 p1 -> ReLU -> pool 2 -> conv 64@3x3 p1 -> ReLU -> pool 2, the shared
    features (N, 64, 6, 6), each seeing 10x10 pixels. heads: the max over the map -> 64 -> 10
    class scores (where the digit is does not matter), and the whole map (2,304) -> 4 box
    corners (where it is does)."""

    def __init__(self, dtype=np.float32):
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 64, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2))
        self.classify = nn.Linear(64, 10, dtype=dtype)
        self.locate = nn.Linear(64 * 6 * 6, 4, dtype=dtype)

    def forward(self, x):
        features = self.trunk(x)
        n = features.shape[0]
        return (features, self.classify(features.max(axis=(2, 3))),
                self.locate(features.reshape(n, -1)))


def losses(model, x, labels, boxes, weight):
    """(features, cross-entropy, weight * L2 box loss)."""
    features, scores, box = model(x)
    return features, F.cross_entropy(scores, labels), weight * F.mse_loss(box, Tensor(boxes))


def iou(a, b):
    """Intersection over union of (top, left, bottom, right) boxes, row by row."""
    top, left = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    bottom, right = np.minimum(a[:, 2], b[:, 2]), np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area - inter, 1e-12)


def evaluate(model, x, labels, boxes):
    with autograd.no_grad():
        _, scores, box = model(Tensor(x))
    return float((scores.data.argmax(1) == labels).mean()), float(iou(box.data, boxes).mean())


def meeting_point(model, x, labels, boxes, weight):
    """The two heads' gradients at the shared features, separately and through the sum."""
    features, ce, l2 = losses(model, Tensor(x), labels, boxes, weight)
    g_ce = np.asarray(autograd.grad(ce, [features])[0].data)
    g_l2 = np.asarray(autograd.grad(l2, [features])[0].data)
    (g_sum,) = autograd.grad(ce + l2, [features])
    g_sum = np.asarray(g_sum.data)
    cos = float((g_ce * g_l2).sum() / (np.linalg.norm(g_ce) * np.linalg.norm(g_l2)))
    return {"ce": float(np.linalg.norm(g_ce)), "l2": float(np.linalg.norm(g_l2)), "cos": cos,
            "sum_error": float(np.abs(g_ce + g_l2 - g_sum).max())}


def adder_step(model, x, labels, boxes, weight):
    """The backprop step where the features' fan-out adds the two heads' gradients."""
    features, ce, l2 = losses(model, Tensor(x), labels, boxes, weight)
    for step in autograd.backprop_steps(ce + l2):
        if step.op == "copy" and any(i is features for i in step.inputs):
            return step
    return None


def draw_graph(model, x, label, box, weight, out):
    """The whole graph for one canvas, drawn by viz: the shared features fan out to both heads."""
    try:
        import viz
    except ImportError as e:
        return f"(viz not available: {e})"
    for name, p in model.named_parameters():
        p.label = name
    features, ce, l2 = losses(model, Tensor(x), label, box, weight)
    features.label, ce.label, l2.label = "shared features", "cross-entropy", f"{weight:g} x L2"
    loss = ce + l2
    loss.label = "loss"
    loss.backward()
    model.zero_grad()
    digraph = viz.draw(loss, title="two heads, one trunk: the shared features receive the sum",
                       collapse=False)  # every gate: the fan-out is the point
    return render_or_gv(digraph, out / "localization_graph")


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 epochs on 600 images")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--box-weight", type=float, default=100.0, help="lambda in CE + lambda * L2")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    images, labels = digits_8x8()
    rng = np.random.default_rng(args.seed)
    x, y, b = place(images, labels, rng)
    n_test = 360
    xtr, ytr, btr, xte, yte, bte = x[n_test:], y[n_test:], b[n_test:], x[:n_test], y[:n_test], b[:n_test]
    epochs = 2 if args.quick else args.epochs
    if args.quick:
        xtr, ytr, btr = xtr[:600], ytr[:600], btr[:600]

    nn.manual_seed(args.seed)
    model = Localizer()
    before = meeting_point(model, xte[:64], yte[:64], bte[:64], args.box_weight)
    opt = nn.optim.Adam(model.parameters(), lr=3e-3)
    order = np.random.default_rng(args.seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        opt.lr = 3e-3 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))   # cosine decay
        perm = order.permutation(len(xtr))
        for i in range(0, len(xtr), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            _, ce, l2 = losses(model, Tensor(xtr[idx]), ytr[idx], btr[idx], args.box_weight)
            (ce + l2).backward()
            opt.step()
        acc, mean_iou = evaluate(model, xte, yte, bte)
        log(f"epoch {epoch:2d}/{epochs}  class accuracy {acc:6.1%}  mean IoU {mean_iou:.2f}  "
            f"({time.perf_counter() - start:.0f} s)")
    after = meeting_point(model, xte[:64], yte[:64], bte[:64], args.box_weight)
    step = adder_step(model, xte[:4], yte[:4], bte[:4], args.box_weight)

    log(f"\nloss = cross-entropy + {args.box_weight:g} x L2(box); {len(xtr)} training, {n_test} test "
        f"canvases of 24x24, an 8x8 digit at a random place")
    for name, m in (("at initialisation", before), ("after training", after)):
        log(f"  {name}: |grad from classifier| {format_number(m['ce'])}, "
            f"|grad from box head| {format_number(m['l2'])} at the "
            f"shared features, cosine {format_number(m['cos'])}; their sum = what the trunk gets "
            f"(max error {format_number(m['sum_error'], 2)})")
    if step is not None:
        log(f"  backprop_steps: the features' step is '{step.op} ({step.pattern})' with "
            f"{len(step.upstream)} incoming parts, one per head")
    log(f"drew {draw_graph(model, xte[:1], yte[:1], bte[:1], args.box_weight, Path(args.out))}")
    return {"accuracy": acc, "iou": mean_iou, "before": before, "after": after, "step": step}


if __name__ == "__main__":
    main()
