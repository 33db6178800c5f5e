"""Localization as multi-task learning (CNN III): one network says which digit it sees and
where it is. As in the lecture, the flatten layer feeds two output layers: a classifier
(cross-entropy) and a box regressor that predicts the four corners of the bounding box,
8 coordinates (x1, y1) .. (x4, y4); the loss is their weighted sum,

    loss = class_weight x cross-entropy + box_weight x L2,   L2 = sum over the 8 coordinates
                                                             of (predicted - true)^2

with the lecture's weights 1 and 1 (its "sum of the cross-entropy loss and L2 loss") as the
defaults. Coordinates are fractions of the canvas (0 .. 1), so both terms start near 2.

The flattened features are used by both heads, so in backprop they are a fan-out: the copy
gate's adder sums the two heads' gradients before anything reaches the trunk. The demo
measures both parts and checks that the sum is what the trunk received.

    python demos/localization.py [--quick] [--epochs N] [--class-weight W] [--box-weight W]
                                 [--class-from flatten|max] [--out chainrule-out]
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
from autograd.teaching.display import format_number
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
    float32, labels, corners (N, 8) = (x1, y1, .. x4, y4) / 24: top-left, top-right,
    bottom-right, bottom-left, x the column and y the row."""
    n = len(images)
    x = np.zeros((n, 1, CANVAS, CANVAS), np.float32)
    tops, lefts = rng.integers(0, CANVAS - 8 + 1, (2, n))
    for i in range(n):
        x[i, 0, tops[i]:tops[i] + 8, lefts[i]:lefts[i] + 8] = images[i]
    right, bottom = lefts + 8, tops + 8
    corners = np.stack([lefts, tops, right, tops, right, bottom, lefts, bottom], axis=1)
    return x, labels, corners.astype(np.float32) / CANVAS


def corners_to_box(corners):
    """(N, 8) corners -> (N, 4) (top, left, bottom, right): each side the mean of the two
    corners on it (a prediction need not be a perfect rectangle)."""
    c = np.asarray(corners).reshape(-1, 4, 2)            # (x, y) of TL, TR, BR, BL
    top, bottom = (c[:, 0, 1] + c[:, 1, 1]) / 2, (c[:, 2, 1] + c[:, 3, 1]) / 2
    left, right = (c[:, 0, 0] + c[:, 3, 0]) / 2, (c[:, 1, 0] + c[:, 2, 0]) / 2
    return np.stack([top, left, bottom, right], axis=1)


class Localizer(nn.Module):
    """trunk: conv 16@3x3 p1 -> ReLU -> pool 2 -> conv 64@3x3 p1 -> ReLU -> pool 2: 64 maps of
    6x6, each pixel seeing 10x10 pixels. As in the lecture, the flatten layer (2,304 numbers)
    feeds two output layers: 10 class scores and 8 corner coordinates.

    class_from="max" is a variant the lecture does not draw: the classifier reads the max of
    each map (64 numbers), which forgets where the digit is, so it learns from fewer examples.
    """

    def __init__(self, class_from="flatten", dtype=np.float32):
        if class_from not in ("flatten", "max"):
            raise ValueError(f"Localizer: class_from must be 'flatten' or 'max', got {class_from!r}")
        self.class_from = class_from
        self.trunk = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 64, 3, padding=1, dtype=dtype), nn.ReLU(), nn.MaxPool2d(2))
        self.classify = nn.Linear(64 * 6 * 6 if class_from == "flatten" else 64, 10, dtype=dtype)
        self.locate = nn.Linear(64 * 6 * 6, 8, dtype=dtype)

    def forward(self, x):
        """-> (the features both heads read, class scores (N, 10), corners (N, 8))."""
        maps = self.trunk(x)
        flat = maps.reshape(maps.shape[0], -1)
        if self.class_from == "max":
            return maps, self.classify(maps.max(axis=(2, 3))), self.locate(flat)
        return flat, self.classify(flat), self.locate(flat)


def l2(predicted, target):
    """Squared distance between the predicted and true 8-vectors, averaged over the batch."""
    return ((predicted - Tensor(target)) ** 2).sum(axis=1).mean()


def losses(model, x, labels, corners, weights):
    """(features, class_weight x cross-entropy, box_weight x L2)."""
    features, scores, box = model(x)
    class_weight, box_weight = weights
    return features, class_weight * F.cross_entropy(scores, labels), box_weight * l2(box, corners)


def iou(a, b):
    """Intersection over union of (top, left, bottom, right) boxes, row by row."""
    top, left = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    bottom, right = np.minimum(a[:, 2], b[:, 2]), np.minimum(a[:, 3], b[:, 3])
    inter = np.clip(bottom - top, 0, None) * np.clip(right - left, 0, None)
    area = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / np.maximum(area - inter, 1e-12)


def evaluate(model, x, labels, corners):
    with autograd.no_grad():
        _, scores, box = model(Tensor(x))
    boxes = iou(corners_to_box(box.data), corners_to_box(corners))
    return float((scores.data.argmax(1) == labels).mean()), float(boxes.mean())


def meeting_point(model, x, labels, corners, weights):
    """The two heads' gradients at the shared features, separately and through the sum."""
    features, ce, box_loss = losses(model, Tensor(x), labels, corners, weights)
    g_ce = np.asarray(autograd.grad(ce, [features])[0].data)
    g_box = np.asarray(autograd.grad(box_loss, [features])[0].data)
    (g_sum,) = autograd.grad(ce + box_loss, [features])
    g_sum = np.asarray(g_sum.data)
    cos = float((g_ce * g_box).sum() / (np.linalg.norm(g_ce) * np.linalg.norm(g_box)))
    return {"ce": float(np.linalg.norm(g_ce)), "l2": float(np.linalg.norm(g_box)), "cos": cos,
            "sum_error": float(np.abs(g_ce + g_box - g_sum).max()),
            "losses": (float(ce.item()), float(box_loss.item()))}


def adder_step(model, x, labels, corners, weights):
    """The backprop step where the features' fan-out adds the two heads' gradients."""
    features, ce, box_loss = losses(model, Tensor(x), labels, corners, weights)
    for step in autograd.backprop_steps(ce + box_loss):
        if step.op == "copy" and any(i is features for i in step.inputs):
            return step
    return None


def draw_graph(model, x, label, corners, weights, out):
    """The whole graph for one canvas, drawn by viz: the shared features fan out to both heads."""
    try:
        import viz
    except ImportError as e:
        return f"(viz not available: {e})"
    for name, p in model.named_parameters():
        p.label = name
    features, ce, box_loss = losses(model, Tensor(x), label, corners, weights)
    features.label = "shared features"
    ce.label, box_loss.label = f"{weights[0]:g} x cross-entropy", f"{weights[1]:g} x L2 (8 corners)"
    loss = ce + box_loss
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
    ap.add_argument("--class-weight", type=float, default=1.0,
                    help="weight of the cross-entropy (lecture: 1)")
    ap.add_argument("--box-weight", type=float, default=1.0, help="weight of the L2 box loss (lecture: 1)")
    ap.add_argument("--class-from", choices=("flatten", "max"), default="flatten",
                    help="the classifier reads the flatten layer (lecture) or each map's max")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    weights = (args.class_weight, args.box_weight)
    images, labels = digits_8x8()
    rng = np.random.default_rng(args.seed)
    x, y, b = place(images, labels, rng)
    n_test = 360
    xtr, ytr, btr, xte, yte, bte = x[n_test:], y[n_test:], b[n_test:], x[:n_test], y[:n_test], b[:n_test]
    epochs = 2 if args.quick else args.epochs
    if args.quick:
        xtr, ytr, btr = xtr[:600], ytr[:600], btr[:600]

    nn.manual_seed(args.seed)
    model = Localizer(args.class_from)
    before = meeting_point(model, xte[:64], yte[:64], bte[:64], weights)
    opt = nn.optim.Adam(model.parameters(), lr=3e-3)
    order = np.random.default_rng(args.seed)
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        opt.lr = 3e-3 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))   # cosine decay
        perm = order.permutation(len(xtr))
        for i in range(0, len(xtr), 32):
            idx = perm[i:i + 32]
            opt.zero_grad()
            _, ce, box_loss = losses(model, Tensor(xtr[idx]), ytr[idx], btr[idx], weights)
            (ce + box_loss).backward()
            opt.step()
        acc, mean_iou = evaluate(model, xte, yte, bte)
        log(f"epoch {epoch:2d}/{epochs}  class accuracy {acc:6.1%}  mean IoU {mean_iou:.2f}  "
            f"({time.perf_counter() - start:.0f} s)")
    after = meeting_point(model, xte[:64], yte[:64], bte[:64], weights)
    step = adder_step(model, xte[:4], yte[:4], bte[:4], weights)

    log(f"\nloss = {args.class_weight:g} x cross-entropy + {args.box_weight:g} x L2(8 corner coordinates); "
        f"{len(xtr)} training, {n_test} test canvases of 24x24, an 8x8 digit at a random place")
    for name, m in (("at initialisation", before), ("after training", after)):
        log(f"  {name}: losses {format_number(m['losses'][0])} + {format_number(m['losses'][1])}; "
            f"|grad from classifier| {format_number(m['ce'])}, |grad from box head| "
            f"{format_number(m['l2'])} at the shared features, cosine {format_number(m['cos'])}; "
            f"their sum = what the trunk gets (max error {format_number(m['sum_error'], 2)})")
    if step is not None:
        log(f"  backprop_steps: the features' step is '{step.op} ({step.pattern})' with "
            f"{len(step.upstream)} incoming parts, one per head")
    log(f"drew {draw_graph(model, xte[:1], yte[:1], bte[:1], weights, Path(args.out))}")
    return {"accuracy": acc, "iou": mean_iou, "before": before, "after": after, "step": step}


if __name__ == "__main__":
    main()
