"""Data augmentation (CNN III's training tricks): the same digit shifted, turned and rescaled at
random, as `train_lenet.py --augment` sees it, drawn in one picture.

    python demos/augmentation.py [--quick] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import nn
from autograd.display import format_number
from demos.pictures import save_grid


def a_digit():
    """The first test digit of the bundled set, or a drawn '7' when scikit-learn is missing."""
    try:
        return nn.data.load_digits().x_test[:1]
    except ImportError:
        x = np.zeros((1, 1, 32, 32), np.float32)
        x[0, 0, 8:10, 9:23] = 1.0
        for i in range(14):
            x[0, 0, 10 + i, 21 - i // 2: 23 - i // 2] = 1.0
        return x


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="(same work; it is already quick)")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    x = a_digit()
    augment = nn.transforms.RandomAffine(max_shift=2, degrees=10, scale=(0.9, 1.1), seed=0)
    copies = augment(np.repeat(x, 7, axis=0))
    fixed = [("turned 90 degrees", nn.transforms.affine(x, angle=90)),
             ("scaled 1.25", nn.transforms.affine(x, scale=1.25)),
             ("shifted (3, -4)", nn.transforms.affine(x, shift=(3, -4)))]
    panels = [("original", x[0, 0], "gray")]
    panels += [(f"random {i + 1}", c[0], "gray") for i, c in enumerate(copies)]
    panels += [(name, a[0, 0], "gray") for name, a in fixed]
    path = save_grid(panels, Path(args.out) / "augmentation.svg", columns=6, cell=4,
                     title=f"{augment}: every epoch sees new copies")
    moved = np.abs(copies - x).mean(axis=(1, 2, 3))
    log(f"{augment}: mean |change| per pixel of 7 random copies: "
        + ", ".join(format_number(m) for m in moved))
    log(f"drew {path}")
    return copies


if __name__ == "__main__":
    main()
