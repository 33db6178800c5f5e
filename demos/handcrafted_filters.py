"""Hand-crafted filters beside learned ones: Sobel's two masks and Robinson's eight compass
masks, applied to a digit with conv2d, next to the 5x5 filters LeNet-5's conv1 learns on its
own (the weights are parameters to be learned, not designed).

    python demos/handcrafted_filters.py [--quick] [--epochs N] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
from autograd import functional as F
from autograd.teaching.display import format_number
from demos.augmentation import a_digit
from demos.pictures import save_grid

SOBEL = {
    "sobel vertical": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float),
    "sobel horizontal": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], float),
}

# the 3x3 border, clockwise from the top-left corner
RING = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
DIRECTIONS = ["N", "NW", "W", "SW", "S", "SE", "E", "NE"]


def robinson():
    """The eight compass masks: the north mask's border turned one cell (45 degrees) at a time."""
    north = SOBEL["sobel vertical"]
    ring = np.array([north[p] for p in RING])
    masks = {}
    for k, name in enumerate(DIRECTIONS):
        m = np.zeros((3, 3))
        for p, v in zip(RING, np.roll(ring, -k)):
            m[p] = v
        masks[name] = m
    return masks


def feature_maps(image, masks):
    """image (1, 1, H, W), masks {name: (3, 3)} -> {name: (H, W)} via one conv2d, padding 1."""
    bank = np.stack(list(masks.values()))[:, None]
    with autograd.no_grad():
        maps = F.conv2d(image.astype(np.float64), bank, padding=1).data[0]
    return dict(zip(masks, maps))


def learned_filters(epochs):
    import nn
    from demos.train_lenet import train

    split = nn.data.load_digits()
    model, _, history, _ = train(split, epochs, 64, 2e-3, 0, log=lambda *a: None)
    return model.conv1.weight.data[:, 0].astype(np.float64), model.conv1.bias.data, history[-1][3]


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 training epoch")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)

    x = a_digit()
    masks = {**SOBEL, **{f"robinson {d}": m for d, m in robinson().items()}}
    maps = feature_maps(x, masks)
    log("hand-crafted 3x3 masks (strongest response on the digit):")
    for name, m in masks.items():
        strongest = format_number(np.abs(maps[name]).max())
        log(f"  {name:>17}: {m.astype(int).tolist()}  max |response| {strongest}")
    panels = [("digit", x[0, 0], "gray")]
    for name in list(masks)[:2]:
        panels += [(f"{name} mask", np.kron(masks[name], np.ones((4, 4))), "signed"),
                   (f"{name} on the digit", maps[name], "signed")]
    panels += [None]                                       # rows of 6 after this
    panels += [(f"{name}", maps[name], "signed") for name in list(masks)[2:]]

    result = {"masks": masks, "maps": maps}
    try:
        weights, bias, acc = learned_filters(1 if args.quick else args.epochs)
    except ImportError as e:
        log(f"(no learned filters: {e})")
    else:
        with autograd.no_grad():
            learned = F.conv2d(x.astype(np.float64), weights[:, None], bias.astype(np.float64)).data[0]
        log(f"\nLeNet-5's conv1 after training (test accuracy {acc:.1%}): six 5x5 filters nobody designed")
        for i, w in enumerate(weights):
            panels.append((f"learned filter {i}", np.kron(w, np.ones((3, 3))), "signed"))
            panels.append((f"learned {i} on the digit", learned[i], "signed"))
        result.update(learned=weights, accuracy=acc)
    path = save_grid(panels, Path(args.out) / "handcrafted_filters.svg", columns=6, cell=4,
                     title="Hand-crafted masks (Sobel, Robinson compass) and LeNet-5's learned conv1 filters")
    log(f"\ndrew {path}")
    return result


if __name__ == "__main__":
    main()
