"""Regenerate the README's derivation frames in demos/images/ (run by `make diagrams`).

  derive-conv-dx.svg     conv2d dE/dX: the rotated filter over the padded upstream
  derive-conv-dw.svg     conv2d dE/dW: the upstream sliding over X as a weight map
  derive-max-pool.svg    max_pool2d: a window, its winner, the upstream on its way (+=)
  derive-transpose.svg   conv_transpose2d: an input pixel stamping its scaled filter
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402
from viz import render  # noqa: E402
from viz.derive import derive, drawings  # noqa: E402

IMAGES = ROOT / "demos" / "images"
X = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
FILT = np.array([[1.0, 2], [3, 4]])
UP = np.array([[1.0, 2], [-1, 1]])


def pick(derivation, start):
    """The drawing of the first frame whose title starts with ``start``."""
    k = next(i for i, f in enumerate(derivation.frames) if f.title.startswith(start))
    return drawings(derivation)[k]


def frames():
    x = Tensor(X[None, None], requires_grad=True)
    o = F.conv2d(x, Tensor(FILT[None, None], requires_grad=True))
    o.backward(UP[None, None])
    conv = derive(o)
    p = Tensor(np.array([[0.0, 1, 2], [3, 9, 4], [5, 6, 7]])[None, None], requires_grad=True)
    pool = F.max_pool2d(p, 2, stride=1)          # overlapping windows: the 9 wins three times
    pool.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    t = F.conv_transpose2d(Tensor(np.array([[[[1.0, 2], [-1, 3]]]]), requires_grad=True),
                           Tensor(FILT[None, None], requires_grad=True))
    t.backward(np.ones(t.shape))
    return {
        "derive-conv-dx": pick(conv, "dE/dX[0][1,1]"),
        "derive-conv-dw": pick(conv, "dE/dW[0][0][0,1]"),
        "derive-max-pool": pick(derive(pool), "window (1,0)"),
        "derive-transpose": pick(derive(t), "conv_transpose2d forward: x[0][0,1]"),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Regenerate the README's derivation frames (overwrites the files in --out).")
    parser.add_argument("--out", type=Path, default=IMAGES, metavar="DIR",
                        help=f"where to write the frames (default: {IMAGES.relative_to(ROOT)})")
    images = parser.parse_args(argv).out  # --help exits here, before anything is written
    images.mkdir(parents=True, exist_ok=True)
    for name, dot in frames().items():
        out = render(dot, images / name, format="svg")
        (images / f"{name}.gv").unlink(missing_ok=True)
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
