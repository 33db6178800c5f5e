"""Data augmentation (CNN III's training tricks): the same digit flipped, sheared, stretched,
scaled, turned and shifted, first one transform at a time at the ends of the lecture's
ranges, then at random with the lecture's whole recipe, then with the narrow defaults that
`train_lenet.py --augment` uses. One picture.

The lecture's recipe (nn.transforms.LECTURE_RANGES): rotation anywhere on the circle, shifts
up to 10 pixels, scaling 1/1.6-1.6 and stretching 1/1.3-1.3 (both log-uniform), a mirror
image half the time, shearing up to 20 degrees. Its shifts are in pixels of larger images;
on a 32x32 digit 10 pixels is a third of the picture.

    python demos/augmentation.py [--quick] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import nn
from autograd.teaching.display import format_number
from demos.pictures import save_grid
from nn.transforms import LECTURE_RANGES, RandomAffine, affine


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


def range_ends():
    """(caption, affine() arguments): each transform alone at the ends of the lecture's range."""
    lo_scale, hi_scale = LECTURE_RANGES["scale"]
    lo_stretch, hi_stretch = LECTURE_RANGES["stretch"]
    shear, shift = LECTURE_RANGES["shear"], LECTURE_RANGES["max_shift"]
    return [("flipped", {"flip": True}),
            (f"sheared -{shear} deg", {"shear": -shear}), (f"sheared +{shear} deg", {"shear": shear}),
            (f"stretched 1/{hi_stretch:g}", {"stretch": lo_stretch}),
            (f"stretched {hi_stretch:g}", {"stretch": hi_stretch}),
            (f"scaled 1/{hi_scale:g}", {"scale": lo_scale}), (f"scaled {hi_scale:g}", {"scale": hi_scale}),
            ("turned 90 deg", {"angle": 90}), ("turned 225 deg", {"angle": 225}),
            (f"shifted ({shift}, -{shift})", {"shift": (shift, -shift)})]


def caption(p, i):
    """Two short lines naming one random draw (its shift is in the log)."""
    flip = ", flip" if p["flip"][i] else ""
    return (f"{p['angle'][i]:+.0f} deg, x{p['scale'][i]:.2f}{flip}\n"
            f"shear {p['shear'][i]:+.0f}, stretch {p['stretch'][i]:.2f}")


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="(same work; it is already quick)")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    x = a_digit()
    ends = [(name, affine(x, **kwargs)) for name, kwargs in range_ends()]

    lecture = RandomAffine.lecture(seed=0)
    drawn = lecture.draw(5)
    lecture_copies = affine(np.repeat(x, 5, axis=0), **drawn)
    narrow = RandomAffine(max_shift=2, degrees=10, scale=(0.9, 1.1), seed=0)
    narrow_copies = narrow(np.repeat(x, 5, axis=0))

    panels = [("original", x[0, 0], "gray")] + [(name, a[0, 0], "gray") for name, a in ends]
    panels += [None]                                   # rows of 6: a label panel, then 5 copies
    panels += [("the lecture's recipe,\nat random:", x[0, 0], "gray")]
    panels += [(caption(drawn, i), c[0], "gray") for i, c in enumerate(lecture_copies)]
    panels += [("train_lenet --augment,\nnarrow, at random:", x[0, 0], "gray")]
    panels += [(f"random {i + 1}", c[0], "gray") for i, c in enumerate(narrow_copies)]
    path = save_grid(panels, Path(args.out) / "augmentation.svg", columns=6, cell=4,
                     title="Augmentation: each transform at the lecture's range ends; "
                           "the lecture's recipe at random; train_lenet's narrow one")
    log(f"the lecture's recipe: {lecture}")
    for i in range(5):
        down, right = drawn["shift"][i]
        what = caption(drawn, i).replace("\n", ", ")
        log(f"  copy {i + 1}: {what}, shifted ({format_number(down)}, {format_number(right)})")
    moved = np.abs(narrow_copies - x).mean(axis=(1, 2, 3))
    log(f"{narrow} (train_lenet --augment): mean |change| per pixel of 5 random copies: "
        + ", ".join(format_number(m) for m in moved))
    log(f"drew {path}")
    return {"ends": ends, "lecture": lecture_copies, "drawn": drawn, "narrow": narrow_copies}


if __name__ == "__main__":
    main()
