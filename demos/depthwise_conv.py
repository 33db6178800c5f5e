"""Depthwise and grouped convolution, drawn as the lecture draws them: convolve, then collapse.

conventional   N filters, each M x K x K: every filter convolves each of the M channels with
               its own slice, then collapses (adds) the M convolved maps: N M K^2 weights.
depthwise      stage 1 convolves once per channel (M filters of K x K, groups = M), nothing
separable      collapsed; stage 2 collapses with weights (N filters of M x 1 x 1, a 1x1
               conv), a different weighted sum per output: M K^2 + N M weights.
grouped        the channels split into g groups; each filter reads its group only.

The frames (viz.derive) show each convolved map as the engine computes it and the collapse
as a sum checked against the layer's output; the steppers put them beside the graph.

    python demos/depthwise_conv.py [--quick] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd import Tensor
from autograd import functional as F

LECTURE = (64, 128, 3)          # M input channels, N output channels, K: a typical layer


def conventional_count(m, n, k):
    """N filters of M x K x K."""
    return n * m * k * k


def separable_count(m, n, k):
    """M filters of K x K (depthwise), then N filters of M x 1 x 1 (pointwise)."""
    return m * k * k + n * m


def layer_counts(m, n, k):
    """The same two counts from the layers themselves (no biases, as in the lecture)."""
    conv = nn.Conv2d(m, n, k, bias=False)
    depth = nn.Conv2d(m, m, k, groups=m, bias=False)
    point = nn.Conv2d(m, n, 1, bias=False)
    return conv.num_parameters(), depth.num_parameters() + point.num_parameters()


def small(rng, shape):
    return Tensor(rng.integers(-2, 3, size=shape).astype(np.float64), requires_grad=True)


def build(size, k, seed=0):
    """The three layers on small integer maps, each after its backward: {name: (output node,
    inputs)} with the conv nodes the derivations draw."""
    rng = np.random.default_rng(seed)
    m, n = 3, 2
    x = small(rng, (1, m, size, size))
    conv = F.conv2d(x, small(rng, (n, m, k, k)))
    conv.backward(np.ones(conv.shape))
    x2 = small(rng, (1, m, size, size))
    depth = F.conv2d(x2, small(rng, (m, 1, k, k)), groups=m)
    point = F.conv2d(depth, small(rng, (n, m, 1, 1)))
    point.backward(np.ones(point.shape))
    x3 = small(rng, (1, 4, size, size))
    grouped = F.conv2d(x3, small(rng, (2, 2, k, k)), groups=2)
    grouped.backward(np.ones(grouped.shape))
    return {"conventional": (conv, x), "separable": (point, x2), "grouped": (grouped, x3)}


def separable_gradcheck(seed=0):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(1, 3, 4, 4)), requires_grad=True)
    wd = Tensor(rng.normal(size=(3, 1, 2, 2)), requires_grad=True)
    wp = Tensor(rng.normal(size=(2, 3, 1, 1)), requires_grad=True)
    return autograd.gradcheck(lambda a, b, c: F.conv2d(F.conv2d(a, b, groups=3), c).sum(), [x, wd, wp])


def channel_pictures(layers, out):
    """Each conv's "convolve, then collapse" frames as SVG files (KIND.svg, KIND-2.svg); the paths."""
    from viz.derive import derive, drawings
    from viz.derive.channels import kind_of
    from viz.render import render_many

    separable = layers["separable"][0]
    nodes = [layers["conventional"][0], separable.parents[0], separable, layers["grouped"][0]]
    dots, paths = [], []
    for node in nodes:
        d = derive(node)
        picked = [k for k, f in enumerate(d.frames) if f.kind == "channels"]
        for j, k in enumerate(picked, 1):
            dots.append(drawings(d)[k])
            paths.append(out / (kind_of(node) + (f"-{j}" if len(picked) > 1 else "")))
    return render_many(dots, paths)


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4x4 maps and 2x2 filters (fewer frames)")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    size, k = (4, 2) if args.quick else (5, 3)
    m, n, kk = LECTURE
    conv, sep = conventional_count(m, n, kk), separable_count(m, n, kk)
    from_layers = layer_counts(m, n, kk)
    log(f"M = {m} input channels, N = {n} outputs, K = {kk}:")
    log(f"  conventional: N M K^2 = {n} x {m} x {kk}^2 = {conv:,} weights")
    log(f"  depthwise separable: M K^2 + N M = {m} x {kk}^2 + {n} x {m} = {sep:,} weights "
        f"({conv / sep:.1f}x fewer)")
    log(f"  counted from nn.Conv2d layers (no bias): {from_layers[0]:,} and {from_layers[1]:,}")
    log("Poll 4: 'depthwise filters convolve all the input channels and sum the result': false, "
        "each sees one channel\n        and the weighted sum over channels is the separate 1x1 stage; "
        "'far fewer parameters': true")
    log(f"gradcheck of a depthwise-separable block (float64): {separable_gradcheck()}")

    layers = build(size, k)
    out = Path(args.out) / "depthwise"
    result = {"counts": (conv, sep), "layer_counts": from_layers, "layers": layers}
    try:
        import viz
        result["pictures"] = channel_pictures(layers, out)
        pages = {}
        for name, (root, _) in layers.items():
            page = viz.save_stepper(root, out / f"{name}.html", grad=np.ones(root.shape), derivation=True)
            pages[name] = Path(str(page)).with_name(f"{name}-derivation.html")
        result["pages"] = pages
    except Exception as e:          # no renderer: the numbers above still stand
        log(f"(no pictures: {e})")
        return result
    log(f"\npictures in {out}/:")
    for path in result["pictures"]:
        log(f"  {Path(path).name}")
    for name, page in pages.items():
        log(f"  {page.name} (every frame of the {name} layer{'s' if name == 'separable' else ''}, "
            "beside its graph)")
    return result


if __name__ == "__main__":
    main()
