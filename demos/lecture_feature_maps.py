"""The lectures' feature-map examples, computed by the engine and derived pixel by pixel.

1. A 5x5 binary image and the "X" filter [[1,0,1],[0,1,0],[1,0,1]]: a 3x3 feature map, and
   a 2x2 one with stride 2 (every other position of the same map).
2. A 6x6 image and two 3x3 filters (the USTC lecture's): filter 1's first value is
   1+1+1 + 0+0+0 + 0-1-1 = 1; with stride 3 the map is 2x2; the two filters together make a
   2x4x4 output from 2*3*3 = 18 weights.
3. The lecture's 4x4 pooling map: max-pool [[6, 8], [3, 4]], mean-pool [[3.25, 5.25], [2, 2]],
   and where each upstream value goes (viz.derive's window frames).

Run: python demos/lecture_feature_maps.py [--out DIR]   (DIR gets the derivation steppers)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import Tensor
from autograd import functional as F

BINARY = np.array([[1.0, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0],
                   [0, 1, 1, 0, 0]])
X_FILTER = np.array([[1.0, 0, 1], [0, 1, 0], [1, 0, 1]])
IMAGE6 = np.array([[1.0, 1, 1, 1, 1, 1], [0, 0, 0, 0, 1, 0], [0, 1, 1, 1, 0, 0],
                   [0, 0, 1, 0, 0, 0], [0, 1, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0]])
FILTER1 = np.array([[1.0, 1, 1], [-1, 1, -1], [1, -1, -1]])
FILTER2 = np.array([[1.0, -1, -1], [-1, 1, -1], [-1, -1, 1]])
POOL_MAP = np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])


def as4(a):
    return Tensor(np.asarray(a, dtype=np.float64)[None, None], requires_grad=True)


def feature_map(image, filt, stride=1):
    """conv2d of one image with one filter -> the (H, W) map, the output node and the input."""
    x = as4(image)
    o = F.conv2d(x, as4(filt), stride=stride)
    return o.data[0, 0], o, x


def show(name, a):
    print(f"{name} =")
    for row in np.asarray(a):
        print("    " + "  ".join(f"{v:g}".rjust(5) for v in row))


def binary_example():
    print("1. The 5x5 binary image and the X filter\n")
    show("image", BINARY)
    show("filter", X_FILTER)
    m1, _, _ = feature_map(BINARY, X_FILTER)
    show("feature map (stride 1)", m1)
    m2, o2, _ = feature_map(BINARY, X_FILTER, stride=2)
    show("feature map (stride 2)", m2)
    print("  stride 2 keeps every other value of the stride-1 map: "
          f"{np.array_equal(m2, m1[::2, ::2])}\n")
    return m1, m2, o2


def two_filters():
    print("2. The 6x6 image and two filters\n")
    show("image", IMAGE6)
    first = IMAGE6[:3, :3] * FILTER1
    terms = " + ".join(f"{v + 0.0:g}" for v in first.ravel()).replace("+ -", "- ")  # no -0
    print(f"  filter 1 at the top left: {terms} = {first.sum():g}")
    m1, _, _ = feature_map(IMAGE6, FILTER1)
    show("filter 1, stride 1", m1)
    s3, _, _ = feature_map(IMAGE6, FILTER1, stride=3)
    show("filter 1, stride 3", s3)
    bank = Tensor(np.stack([FILTER1, FILTER2])[:, None], requires_grad=True)
    both = F.conv2d(as4(IMAGE6), bank)
    print(f"  two filters: output shape {both.shape[1:]} (channels, H, W) from "
          f"{bank.data.size} weights\n")
    return m1, s3, both


def pooling():
    print("3. The 4x4 pooling map\n")
    show("map", POOL_MAP)
    x = as4(POOL_MAP)
    mx = F.max_pool2d(x, 2)
    show("max-pool 2x2", mx.data[0, 0])
    show("mean-pool 2x2", F.avg_pool2d(x, 2).data[0, 0])
    mx.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    show("dE/dmap for the upstream [[1, 2], [3, 4]] (each value to its window's max)",
         x.grad.data[0, 0])
    return mx


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, help="folder for the derivation steppers")
    args = parser.parse_args(argv)
    _, _, strided = binary_example()
    two_filters()
    mx = pooling()
    if args.out is not None:
        from viz.derive import save_derivation
        strided.backward(np.ones(strided.shape))
        for name, node in (("binary_stride2_derivation", strided), ("max_pool_derivation", mx)):
            path = args.out / f"{name}.html"
            try:
                save_derivation(node, path)
            except Exception as e:  # a missing renderer: the numbers above still stand
                print(f"  {name}: {e}")
            else:
                print(f"  derivation stepper: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
