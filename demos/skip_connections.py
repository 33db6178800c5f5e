"""Skip connections and gradient flow: a deep plain conv network against the same depth with
residual skips (nn.ResNet, skip=False / True), per-layer gradient norms at initialisation and
after a few SGD steps on the bundled digits, printed, and drawn one above the other on one colour scale.

    python demos/skip_connections.py [--quick] [--lr 0.02] [--out chainrule-out] [--format svg|png]

(the README's picture: --out demos/images, without the .gv)

Each residual block ends in an add gate. In backward an add is a distributor: the upstream
goes unchanged to both inputs, so the identity path hands every block's output gradient
straight to the block below, whatever the convolutions do to their share.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import nn
from autograd import Tensor
from autograd import functional as F
from autograd.teaching.display import format_number
from viz.flow import draw_flow_comparison, save_flow

FULL = {"blocks": (9, 9, 9), "size": 8, "batch": 64, "steps": 10}    # ResNet-56 and plain-56
QUICK = {"blocks": (3, 3, 3), "size": 8, "batch": 32, "steps": 2}    # ResNet-20 and plain-20


def digits(size=8, seed=0):
    """Training digits (N, 1, size, size), average-pooled down from the loader's 32x32 (8 is
    about the scanned 8x8 originals), standardized; and their labels."""
    s = nn.data.load_digits(seed=seed)
    x = F.avg_pool2d(Tensor(s.x_train), 32 // size).data
    return ((x - x.mean()) / x.std()).astype(np.float32), s.y_train


def conv_grad_norms(model):
    """[(name, |d loss / d W|)] for every 3x3 conv weight, input side first (the weight layers
    plain and residual networks share; the 1x1 projection shortcuts are left out)."""
    return [(name[:-len(".weight")], float(np.linalg.norm(p.grad.data.astype(np.float64))))
            for name, p in model.named_parameters()
            if name.endswith("weight") and p.ndim == 4 and p.shape[-1] == 3 and p.grad is not None]


def flow_rows(model, trace):
    """Rows for viz.flow: the stem conv, each block and the classifier, with the norm of the
    gradient that reached the output and of the gradient of the conv/linear weights."""
    convs = dict(conv_grad_norms(model))
    rows = []
    for name, t in trace:
        if name in ("bn1", "relu", "avgpool", "flatten"):
            continue
        if name == "fc":
            pnorm = float(np.linalg.norm(model.fc.weight.grad.data))
        else:
            parts = [v for k, v in convs.items() if k == name or k.startswith(name + ".")]
            pnorm = math.sqrt(sum(v * v for v in parts))
        rows.append((name, tuple(t.shape), float(np.linalg.norm(t.grad.data)), pnorm))
    return rows


def measure(model, x, y):
    """One forward/backward on (x, y) -> (loss, flow rows, conv weight-gradient norms)."""
    model.zero_grad()
    out, trace = model.forward_trace(Tensor(x))
    loss = nn.CrossEntropyLoss()(out, y)
    loss.backward()
    return loss.item(), flow_rows(model, trace), conv_grad_norms(model)


def ratio(convs):
    """First conv layer's gradient norm as a fraction of the last conv layer's."""
    return convs[0][1] / convs[-1][1]


def run(skip, x, y, blocks, batch, steps, seed=0, lr=0.02):
    """Gradient norms of one network at initialisation and after ``steps`` SGD steps (momentum
    0.9 and weight decay 1e-5 as in the lecture's ResNet recipe; its learning rate 0.1 throws
    both 56-layer networks off in the first steps without a warm-up, so 0.02). The probe
    batch is the first ``batch`` digits."""
    nn.manual_seed(seed)
    model = nn.ResNet(blocks=blocks, in_channels=1, skip=skip)
    probe = (x[:batch], y[:batch])
    loss0, rows0, convs0 = measure(model, *probe)
    opt = nn.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-5)
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        idx = rng.choice(len(x), batch, replace=False)
        model.zero_grad()
        nn.CrossEntropyLoss()(model(Tensor(x[idx])), y[idx]).backward()
        opt.step()
    loss1, rows1, convs1 = measure(model, *probe)
    return {"model": model, "init": (loss0, rows0, convs0), "trained": (loss1, rows1, convs1)}


def report(results, steps):
    depth = len(results["plain"]["init"][2]) + 1
    print(f"weight-gradient norm of each 3x3 conv (input side first), {depth} weight layers:")
    after = (f"plain +{steps}", f"skip +{steps}")
    print(f"{'layer':>16}  {'plain init':>10} {'skip init':>10}  {after[0]:>10} {after[1]:>10}")
    columns = [results[n][w][2] for w in ("init", "trained") for n in ("plain", "skip")]
    for k, (name, _) in enumerate(columns[1]):
        a, b, c, d = (col[k][1] for col in columns)
        print(f"{name:>16}  " + "  ".join(f"{format_number(v):>10}" for v in (a, b, c, d)))
    for when in ("init", "trained"):
        label = "at initialisation" if when == "init" else f"after {steps} SGD steps"
        p, s = (ratio(results[n][when][2]) for n in ("plain", "skip"))
        lp, ls = (results[n][when][0] for n in ("plain", "skip"))
        print(f"{label}: first conv's gradient / last conv's: plain {format_number(p)}, "
              f"with skips {format_number(s)} "
              f"(loss {format_number(lp)} / {format_number(ls)})")


def drawing(results, steps):
    depth = len(results["plain"]["init"][2]) + 1
    panels, skips, patterns = {}, {}, {}
    for when, label in (("init", "at init"), ("trained", f"after {steps} steps")):
        for kind, title in (("plain", f"plain-{depth}"), ("skip", f"ResNet-{depth}")):
            rows = results[kind][when][1]
            name = f"{title}, {label}"
            panels[name] = rows
            if kind == "skip":
                skips[name] = [(i - 1, i, "+ x") for i, r in enumerate(rows) if r[0].startswith("layer")]
    model = results["skip"]["model"]
    blocks = {name: m.pattern for name, m in model.named_modules() if isinstance(m, nn.ResidualBlock)}
    patterns = dict.fromkeys(skips, blocks)
    title = (f"gradient norms per block, plain vs residual ({depth} weight layers, digits), one colour "
             "scale.\nDashed: the identity shortcut. The block's add gate is a distributor: it passes "
             "the upstream unchanged\nto the shortcut, so the gradient gets past every block "
             "whatever its convolutions do")
    longest = max(len(rows) for rows in panels.values())
    per_row = max(5, -(-longest // 3))   # at most three lines a panel, even for 56 layers
    return draw_flow_comparison(panels, title=title, patterns=patterns, skips=skips, per_row=per_row)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="20 layers, 2 steps: checks the demo runs (for the tests); too shallow and "
                         "too short to show the plain network's gradient fading")
    ap.add_argument("--lr", type=float, default=0.02, help="SGD learning rate")
    ap.add_argument("--out", default="chainrule-out")
    ap.add_argument("--format", default="svg", choices=["svg", "png"])
    args = ap.parse_args(argv)
    cfg = QUICK if args.quick else FULL
    try:
        x, y = digits(cfg["size"])
    except ImportError as e:
        sys.exit(str(e))
    start = time.perf_counter()
    results = {kind: run(kind == "skip", x, y, cfg["blocks"], cfg["batch"], cfg["steps"], lr=args.lr)
               for kind in ("plain", "skip")}
    report(results, cfg["steps"])
    print(f"({time.perf_counter() - start:.1f} s)")
    if args.quick:
        print("--quick: 20 layers and 2 steps check that the demo runs; the plain network's "
              "gradient fades only at full depth (56 layers, 10 steps: run without --quick)")
    print(save_flow(drawing(results, cfg["steps"]), Path(args.out) / "skip_connections", args.format))
    return {kind: {when: ratio(r[when][2]) for when in ("init", "trained")} | {"results": r}
            for kind, r in results.items()}


if __name__ == "__main__":
    main()
