"""Receptive fields by backprop: the gradient of one output unit with respect to the input is
non-zero exactly where that unit can see.

Two views of LeNet-5 (conv1, pool1, conv2, pool2):
- the receptive field: every weight set to 1, biases to 0, each max-pool opened into an
  average pool (a router that sends to every input instead of one winner), input all ones.
  The gradient then counts the paths from each pixel to the unit, so its support is the
  whole field; its size is checked against 1 + sum (k - 1) * (product of earlier strides).
- the effective receptive field of a trained LeNet-5: mean |d unit / d input| over test
  digits. It is zero outside the field and piles up in the middle.

    python demos/receptive_field.py [--quick] [--epochs N] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd.teaching.display import format_number
from demos.pictures import save_grid

LAYERS = ("conv1", "pool1", "conv2", "pool2")


def formula(model, upto):
    """1 + sum (k - 1) * jump over the layers up to ``upto``; jump = product of the strides
    before each layer (how far one step of that layer moves on the input)."""
    rf, jump = 1, 1
    for name, layer in model.named_children():
        if hasattr(layer, "kernel_size"):
            rf += (layer.kernel_size[0] - 1) * jump
            jump *= layer.stride[0]
        if name == upto:
            return rf
    raise ValueError(f"formula: no layer named {upto!r}")


def opened(model):
    """The conv/pool trunk of ``model`` with weights 1, biases 0 and max-pools as avg-pools:
    no gate can block a path, so gradients mark every pixel that reaches a unit."""
    layers = {}
    for name, layer in model.named_children():
        if isinstance(layer, nn.Conv2d):
            c = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size, stride=layer.stride,
                          padding=layer.padding, dtype=np.float64)
            c.weight.data = np.ones_like(c.weight.data)
            c.bias.data = np.zeros_like(c.bias.data)
            layers[name] = c
        elif isinstance(layer, nn.MaxPool2d):
            layers[name] = nn.AvgPool2d(layer.kernel_size, stride=layer.stride)
        elif isinstance(layer, nn.ReLU):
            layers[name] = nn.ReLU()
        else:
            break
    return nn.Sequential(**layers)


def unit_gradients(model, x, layer, channel=None):
    """d (centre unit of ``layer``) / d x for each image of x (N, 1, H, W) -> (N, H, W).
    ``channel=None`` adds the centre units of all channels."""
    x = autograd.Tensor(x, requires_grad=True)
    _, trace = model.forward_trace(x)
    out = dict(trace)[layer]
    h, w = out.shape[2:]
    seed = np.zeros(out.shape)
    seed[:, slice(None) if channel is None else channel, h // 2, w // 2] = 1.0
    (g,) = autograd.grad(out, [x], grad_output=seed)
    return np.asarray(g.data)[:, 0]


def support(grad_map):
    """Bounding box (top, left, height, width) of the non-zero gradient, and whether the
    non-zero pixels fill it."""
    rows, cols = np.nonzero(grad_map)
    top, left = rows.min(), cols.min()
    h, w = rows.max() - top + 1, cols.max() - left + 1
    return (int(top), int(left), int(h), int(w)), bool(np.all(grad_map[top:top + h, left:left + w]))


def receptive_fields(model):
    """{layer: (box, filled, formula size, gradient map)} for the opened trunk of ``model``."""
    probe = opened(model)
    ones = np.ones((1, 1, 32, 32))
    result = {}
    for name in LAYERS:
        g = unit_gradients(probe, ones, name, channel=0)[0]
        box, filled = support(g)
        result[name] = (box, filled, formula(model, name), g)
    return result


def trained_lenet(epochs, seed=0):
    from demos.train_lenet import train

    split = nn.data.load_digits()
    model, _, history, seconds = train(split, epochs, 64, 2e-3, seed, log=lambda *a: None)
    model.train(False)
    return model, split, history[-1][3], seconds


def effective_field(model, images, layer="pool2"):
    """Mean |d centre unit / d input| over ``images`` (float64 copy of the model), all channels."""
    probe = nn.LeNet5(dtype=np.float64)
    probe.load_state_dict(model.state_dict())
    return np.abs(unit_gradients(probe, images.astype(np.float64), layer)).mean(axis=0)


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 training epoch, 50 test digits")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    epochs, count = (1, 50) if args.quick else (args.epochs, 300)

    nn.manual_seed(0)
    fields = receptive_fields(nn.LeNet5(dtype=np.float64))
    log("receptive field of the centre unit, by backprop through the opened network:")
    panels = []
    for name, (box, filled, size, g) in fields.items():
        h, w = box[2:]
        log(f"  {name:>5}: {h}x{w} (formula 1 + sum (k-1) * jump = {size}; "
            f"{'a full rectangle' if filled else 'holes!'}); gradient {format_number(g[g > 0].min())} at its "
            f"corners, {format_number(g.max())} at its centre")
        panels.append((f"{name}: {h}x{w}\n|gradient| (paths)", g, "heat", box))

    result = {"fields": {k: v[:3] for k, v in fields.items()}}
    try:
        model, split, acc, seconds = trained_lenet(epochs)
    except ImportError as e:
        log(f"\n(no effective receptive field: {e})")
    else:
        erf = effective_field(model, split.x_test[:count])
        box = fields["pool2"][0]
        t, left, h, w = box
        inside = erf[t:t + h, left:left + w]
        centre = inside[h // 4: h - h // 4, w // 4: w - w // 4]
        share = float(centre.sum() / erf.sum())
        outside = float(erf.sum() - inside.sum())
        log(f"\ntrained LeNet-5 ({epochs} epochs, {seconds:.0f} s, test accuracy {acc:.1%}): mean |gradient| "
            f"of the pool2 centre units over {count} test digits")
        log(f"  gradient outside the 16x16 field: {format_number(outside, 2)}; the central {h // 2}x{w // 2} "
            f"(a quarter of the field) holds {share:.0%} of it")
        result.update(acc=acc, erf_share=share, erf_outside=outside)
        panels.append(("trained, pool2 centre\nmean |gradient| (ERF)", erf, "heat", box))
        panels.append(("a test digit", split.x_test[0, 0], "gray", box))
    path = save_grid(panels, Path(args.out) / "receptive_field.svg",
                     title="Receptive fields of LeNet-5 units, marked by backprop", columns=3)
    log(f"\ndrew {path}")
    return result


if __name__ == "__main__":
    main()
