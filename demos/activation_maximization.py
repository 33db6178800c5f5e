"""What does a unit respond to? Learn the input by backprop (the lecture's way of finding it).

Train LeNet-5 briefly on the bundled digits, then for chosen units of each layer start from a
plain grey image and climb the gradient of the unit with respect to the input:

    x <- clip(x + lr * g / rms(g), 0, 1),   g = d unit / d x - decay * (x - grey)

The weights stay fixed; only the input learns. Conv units are the centre unit of a channel's
map, so only the pixels in their receptive field can change (the gradient is exactly zero
outside it, drawn as a blue box): the learned picture is the pattern the unit looks for, where
it looks. Fully connected units see the whole digit. One picture per layer.

    python demos/activation_maximization.py [--quick] [--epochs N] [--steps N] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from demos.pictures import save_grid
from demos.receptive_field import formula

GREY = 0.5
# layer -> how many of its units to show; the pre-activation outputs (before the ReLU)
LAYERS = {"conv1": 6, "conv2": 8, "fc1": 8, "fc2": 8, "fc3": 10}


def unit_seed(out, units):
    """The upstream that picks unit k of ``out`` for image k: a channel's centre unit for a
    conv map (N, C, H, W), unit k of a vector (N, F)."""
    seed = np.zeros(out.shape)
    for k, u in enumerate(units):
        if out.ndim == 4:
            seed[k, u, out.shape[2] // 2, out.shape[3] // 2] = 1.0
        else:
            seed[k, u] = 1.0
    return seed


def activations(model, x, layer, units):
    """The chosen unit of each image (one image per unit) and d unit / d x for each."""
    x = autograd.Tensor(x, requires_grad=True)
    _, trace = model.forward_trace(x)
    out = dict(trace)[layer]
    seed = unit_seed(out, units)
    (g,) = autograd.grad(out, [x], grad_output=seed)
    return (np.asarray(out.data) * seed).reshape(len(units), -1).sum(axis=1), np.asarray(g.data)


def maximize(model, layer, units, steps, lr=0.05, decay=0.05):
    """Gradient ascent on the inputs, one image per unit: (images, first, last activation)."""
    x = np.full((len(units), 1, 32, 32), GREY)
    first = None
    for _ in range(steps):
        act, g = activations(model, x, layer, units)
        first = act if first is None else first
        g = g - decay * (x - GREY)
        rms = np.sqrt((g ** 2).mean(axis=(1, 2, 3), keepdims=True)) + 1e-12
        x = np.clip(x + lr * g / rms, 0.0, 1.0)
    last, _ = activations(model, x, layer, units)
    return x, first, last


def field_box(model, layer):
    """(top, left, size, size) of the centre unit's receptive field on the 32x32 input, for a
    conv layer (its size by 1 + sum (k - 1) * jump); None for a fully connected layer."""
    if not layer.startswith("conv"):
        return None
    size = formula(model, layer)
    jump, centre = 1, None
    out = 32
    for name, m in model.named_children():
        if hasattr(m, "kernel_size"):
            out = (out - m.kernel_size[0]) // m.stride[0] + 1
            if name == layer:
                centre = out // 2
                break
            jump *= m.stride[0]
    top = centre * jump
    return (top, top, size, size)


def zoomed(images, box, margin=2):
    """Conv units: the field and a grey margin, drawn larger (the rest never changed);
    fully connected units: the whole image. -> (images, box in the view, cell size)."""
    if box is None:
        return images, None, 5
    t, left, h, w = box
    r0, c0 = max(t - margin, 0), max(left - margin, 0)
    view = images[:, r0:t + h + margin, c0:left + w + margin]
    return view, (t - r0, left - c0, h, w), max(5, 160 // view.shape[1])


def trained(epochs, seed=0):
    from demos.train_lenet import train

    split = nn.data.load_digits()
    model, _, history, seconds = train(split, epochs, 64, 2e-3, seed, log=lambda *a: None)
    probe = nn.LeNet5(dtype=np.float64)            # float64 for clean input gradients
    probe.load_state_dict(model.state_dict())
    probe.train(False)
    return probe, history[-1][3], seconds


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 training epoch, 15 ascent steps")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--steps", type=int, default=80, help="gradient-ascent steps per unit")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    epochs, steps = (1, 15) if args.quick else (args.epochs, args.steps)
    try:
        model, acc, seconds = trained(epochs)
    except ImportError as e:
        log(f"no digits to train on: {e}")
        return {}
    log(f"LeNet-5 trained {epochs} epoch{'s' * (epochs != 1)} on the digits ({seconds:.0f} s, "
        f"test accuracy {acc:.1%}); {steps} ascent steps per unit, starting from grey\n")
    out = Path(args.out)
    result = {"accuracy": acc, "layers": {}}
    for layer, count in LAYERS.items():
        units = list(range(count))
        images, first, last = maximize(model, layer, units, steps)
        box = field_box(model, layer)
        changed = np.abs(images[:, 0] - GREY) > 0
        if box is not None:
            t, left, h, w = box
            inside = np.zeros((32, 32), dtype=bool)
            inside[t:t + h, left:left + w] = True
            outside = int(changed[:, ~inside].sum())
            where = f"{h}x{w} field; {outside} pixels outside it changed"
        else:
            outside, where = 0, "the whole digit"
        log(f"{layer}: {count} units ({where}); unit activation from grey -> learned input:")
        log("  " + ", ".join(f"{k}: {a:.2f} -> {b:.2f}" for k, a, b in zip(units, first, last)))
        extra = ""
        if layer == "fc3":
            with autograd.no_grad():
                picks = model(autograd.Tensor(images)).data.argmax(axis=1)
            hits = int((picks == np.array(units)).sum())
            extra = f"; {hits} of {count} are read as their own class"
            log(f"  the classifier reads {hits} of the {count} learned inputs as the class they "
                "were learned for")
        view, shown_box, cell = zoomed(images[:, 0], box)
        panels = [(f"{layer} unit {k}\n{a:.2f} -> {b:.2f}", view[i], "gray", shown_box)
                  for i, (k, a, b) in enumerate(zip(units, first, last))]
        where = (f" (its {box[2]}x{box[3]} field in blue, 2 grey pixels around)" if box else
                 " (all 32x32 pixels)")
        path = save_grid(panels, out / f"activation_maximization_{layer}.svg", columns=5, cell=cell,
                         title=f"{layer}: the input each unit responds to most{where}{extra}")
        log(f"  drew {path}")
        result["layers"][layer] = {"first": first, "last": last, "outside": outside, "images": images,
                                   "box": box}
    return result


if __name__ == "__main__":
    main()
