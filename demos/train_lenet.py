"""Train LeNet-5 on handwritten digits, offline, in seconds to a minute, then draw how the gradient
flowed through it at the last step.

Default data: scikit-learn's bundled 8x8 digits (1,797 images) upsampled to 32x32;
``--mnist DIR`` uses the four MNIST IDX files in DIR instead (plain or .gz).

    python demos/train_lenet.py [--epochs N] [--augment] [--mnist DIR [--limit N]] [--out DIR]

``--augment`` replaces the plain shifts by nn.transforms.RandomAffine: shifts, rotations of up
to 10 degrees and scalings by 0.9 to 1.1, drawn anew for every image in every epoch.
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
from autograd.teaching.display import format_number
from nn import training
from viz.flow import draw_flow, layer_flow, save_flow
from viz.linechart import line_chart
from viz.safe_files import write_file


def progress(done, total, text="", width=30, stream=None):
    """A one-line progress bar on plain stdout (redrawn in place on a terminal)."""
    stream = sys.stdout if stream is None else stream
    filled = round(width * done / total)
    line = f"  [{'#' * filled}{'.' * (width - filled)}] {done:>{len(str(total))}}/{total} {text}"
    if stream.isatty():
        stream.write("\r" + line + ("\n" if done == total else ""))
        stream.flush()
    elif done == total:
        stream.write(line + "\n")


jitter = training.random_shift   # shifts each image by up to 2 pixels: cheap augmentation


def accuracy(model, x, y, batch_size=500):
    model.eval()
    hits = 0
    with autograd.no_grad():
        for i in range(0, len(x), batch_size):
            out = model(autograd.Tensor(x[i:i + batch_size]))
            hits += int((out.data.argmax(axis=1) == y[i:i + batch_size]).sum())
    model.train()
    return hits / len(x)


def flow_rows(model, trace):
    """(layer, output shape, |d loss/d output|, |d loss/d parameters| or None) per layer."""
    rows = []
    for (name, shape, norm), layer in zip(layer_flow(trace), model):
        grads = [p.grad.data for p in layer.parameters() if p.grad is not None]
        pnorm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads))) if grads else None
        rows.append((name, shape, norm, pnorm))
    return rows


def train(split, epochs, batch_size, lr, seed, shift=2, log=print, norms=None, augment=None):
    """Train LeNet-5 on split; norms, if given, is filled with {layer: [|d loss / d layer output|
    at the last step of each epoch]}. ``augment``: a callable on (N, C, H, W) arrays (e.g.
    nn.transforms.RandomAffine) used instead of the shifts."""
    nn.manual_seed(seed)
    model = nn.LeNet5()
    opt = nn.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    loader = nn.data.DataLoader(split.x_train, split.y_train, batch_size=batch_size, shuffle=True,
                                seed=seed, drop_last=len(split.x_train) > batch_size)
    log(f"{model}\n{model.num_parameters():,} parameters; {len(split.x_train):,} training and "
        f"{len(split.x_test):,} test images ({split.name}); Adam, lr {lr} with cosine decay, "
        f"batch {batch_size}\n")
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    history = []
    for epoch in range(1, epochs + 1):
        opt.lr = lr * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / epochs))   # cosine decay
        total, seen, hits = 0.0, 0, 0
        batches = ((autograd.Tensor(augment(xb.data)), yb) for xb, yb in loader) if augment is not None \
            else training.shifted(loader, rng, shift)
        for step in training.train_steps(model, loss_fn, opt, batches, forward=model.forward_trace):
            trace, yb = step.trace, step.y
            total += step.loss.item() * len(yb)
            seen += len(yb)
            hits += int((step.out.data.argmax(axis=1) == yb).sum())
            progress(step.index + 1, len(loader), f"loss {format_number(total / seen)}")
        if norms is not None:
            for name, _, norm in layer_flow(trace):
                norms.setdefault(name, []).append(norm)
        test_acc = accuracy(model, split.x_test, split.y_test)
        history.append((epoch, total / seen, hits / seen, test_acc))
        log(f"epoch {epoch:2d}/{epochs}  loss {format_number(total / seen):<7}  "
            f"train accuracy {hits / seen:6.2%}  "
            f"test accuracy {test_acc:6.2%}  ({time.perf_counter() - start:5.1f} s)")
    return model, trace, history, time.perf_counter() - start


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, help="passes over the training set (default: 30 for the "
                    "digits, 2 for MNIST)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--shift", type=int, default=2, help="random shifts of up to N pixels (0: none)")
    ap.add_argument("--augment", action="store_true", help="random shifts (--shift), rotations "
                    "(up to 10 degrees) and scalings (0.9 to 1.1) instead of shifts alone")
    ap.add_argument("--mnist", metavar="DIR", help="train on MNIST IDX files in DIR instead of the digits")
    ap.add_argument("--limit", type=int, help="use only the first N MNIST images of each split")
    ap.add_argument("--out", default="chainrule-out", help="directory for the weights and the diagram")
    ap.add_argument("--format", default="svg", choices=["svg", "png"])
    args = ap.parse_args(argv)

    try:
        split = nn.data.load_mnist(args.mnist, limit=args.limit) if args.mnist else nn.data.load_digits()
    except (ImportError, FileNotFoundError, ValueError) as e:
        sys.exit(str(e))
    epochs = args.epochs or (2 if args.mnist else 30)
    if autograd.KERNELS:    # this process trains: freed activations are reused, not page-faulted anew
        autograd.kernels.tune_allocator()
    norms = {}
    augment = (nn.transforms.RandomAffine(max(args.shift, 0), 10, (0.9, 1.1), seed=args.seed)
               if args.augment else None)
    model, trace, history, seconds = train(split, epochs, args.batch_size, args.lr, args.seed,
                                            args.shift, norms=norms, augment=augment)
    final = history[-1][3]
    print(f"\ntest accuracy {final:.2%} after {epochs} epochs in {seconds:.1f} s")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / "lenet5.npz")
    print(f"weights: {out / 'lenet5.npz'} (load with nn.LeNet5().load(path))")

    rows = flow_rows(model, trace)
    print("\ngradient that reached each layer's output at the last step:")
    for name, shape, norm, pnorm in rows:
        extra = f"   parameters {format_number(pnorm)}" if pnorm is not None else ""
        print(f"  {name:>8} {shape!s:>18}  {format_number(norm):>8}{extra}")
    title = f"LeNet-5 gradient flow at the last step (test accuracy {final:.1%})"
    patterns = {name: layer.pattern for name, layer in model.named_children()}
    print(save_flow(draw_flow(rows, title=title, patterns=patterns), out / "lenet_flow", args.format))
    chart = out / "lenet_grad_norms.svg"
    write_file(chart, line_chart(norms, title="LeNet-5: |d loss / d layer output| at the end of each epoch"))
    print(f"wrote {chart} (per-layer gradient norms over the epochs, log scale)")
    return final


if __name__ == "__main__":
    main()
