"""Transform invariance (CNN III): a conv layer that applies each filter in four orientations
and keeps the strongest, so turning the input by 90 degrees does not change its pooled
features. Its backward is not written anywhere: the engine derives it from the forward
(rotations are transposes and reversed slices, the bank a concat, the choice a max).

The lecture's own layer keeps every orientation's map (keep="all"): filter j in orientation
t is map j*T + t. Turning the input then turns each map and moves it one orientation on,
which the max (or any later pooling over the T maps) forgets.

    python demos/invariant_conv.py [--quick] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd import Tensor, concat
from autograd import functional as F
from autograd.teaching.display import format_number
from demos.drawing import render_or_gv
from demos.pictures import save_grid
from nn.invariant import TRANSFORMS, InvariantConv2d, flip, rot90, transformed


def glyph():
    """A 16x16 asymmetric stroke pattern (an 'F'): no rotation of it equals another."""
    g = np.zeros((16, 16))
    g[3:13, 4:6] = 1.0        # stem
    g[3:5, 6:12] = 1.0        # top bar
    g[7:9, 6:10] = 0.8        # middle bar
    return g


def features(layer, x):
    """Global max over the map of the layer's output: (N, C_out)."""
    with autograd.no_grad():
        return np.asarray(layer(Tensor(x)).data).max(axis=(2, 3))


def invariance(rng):
    """Pooled features of an image and of its 90-degree turn, for the invariant layer and for a
    plain Conv2d holding the same filters. Returns (invariant diff, plain diff)."""
    layer = InvariantConv2d(1, 4, 5, padding=2, dtype=np.float64, rng=rng)
    plain = nn.Conv2d(1, 4, 5, padding=2, dtype=np.float64, rng=rng)
    plain.weight.data, plain.bias.data = layer.weight.data.copy(), layer.bias.data.copy()
    x = glyph()[None, None]
    turned = np.ascontiguousarray(np.rot90(x, axes=(2, 3)))
    inv = np.abs(features(layer, x) - features(layer, turned)).max()
    pl = np.abs(features(plain, x) - features(plain, turned)).max()
    return layer, float(inv), float(pl)


def undo(g, t, f):
    """The inverse of 'flip (if f), then turn t times': turn back, then flip back."""
    g = rot90(g, -t)
    return flip(g) if f else g


def where_the_gradient_went(layer, x):
    """Backprop a loss through the layer built by hand from its parts, so the copies are
    visible: returns (share of the upstream each orientation won, the copies' gradients
    turned back, weight.grad, their max difference from the sum)."""
    layer.zero_grad()
    copies = transformed(layer.weight, layer.transforms)
    bank = concat(copies, axis=0)
    z = F.conv2d(Tensor(x), bank, padding=layer.padding)
    n, _, h, w = z.shape
    z = z.reshape(n, layer.num_transforms, layer.out_channels, h, w)
    y = z.max(axis=1) + layer.bias.reshape(1, -1, 1, 1)
    (y * y).sum().backward()
    zg = np.abs(np.asarray(z.grad.data))
    share = zg.sum(axis=(0, 2, 3, 4)) / zg.sum()                      # router: per orientation
    # the bank's gradient, cut into the copies' parts (the r0 copy is w itself, not a node)
    parts = np.split(np.asarray(bank.grad.data), layer.num_transforms)
    kinds = TRANSFORMS[layer.transforms]
    back = [np.asarray(undo(Tensor(g), t, f).data) for g, (_, t, f) in zip(parts, kinds)]
    total = np.asarray(layer.weight.grad.data)
    return share, back, total, float(np.abs(sum(back) - total).max())   # adder: the sum


def one_map_per_turn(layer, x):
    """The same filters with keep="all": every orientation's map of the glyph and of the glyph
    turned by 90 degrees. Returns (maps, turned maps, max |turned - rot90(maps moved one
    orientation on)|) with maps (C_out, T, H, W)."""
    every = InvariantConv2d(layer.in_channels, layer.out_channels, layer.kernel_size[0],
                            padding=layer.padding, keep="all", dtype=np.float64)
    every.weight.data, every.bias.data = layer.weight.data.copy(), layer.bias.data.copy()
    turned_x = np.ascontiguousarray(np.rot90(x, axes=(2, 3)))
    with autograd.no_grad():
        maps, turned = (np.asarray(every(Tensor(a)).data)[0] for a in (x, turned_x))
    t = every.num_transforms
    maps = maps.reshape(every.out_channels, t, *maps.shape[1:])
    turned = turned.reshape(every.out_channels, t, *turned.shape[1:])
    expected = np.rot90(np.roll(maps, 1, axis=1), axes=(2, 3))
    return maps, turned, float(np.abs(turned - expected).max())


def draw_maps(x, maps, turned, out):
    names = [name for name, _, _ in TRANSFORMS["rot90"]]
    panels = [("input: the 'F' glyph", x[0, 0], "gray")]
    panels += [(f"filter 0 as {name}", m, "signed") for name, m in zip(names, maps[0])]
    panels += [("input turned 90 deg", np.rot90(x[0, 0]), "gray")]
    panels += [(f"filter 0 as {name}\n= {names[k - 1]} map turned", m, "signed")
               for k, (name, m) in enumerate(zip(names, turned[0]))]
    return save_grid(panels, out / "invariant_conv_maps.svg", columns=5, cell=8,
                     title="keep='all': one map per orientation; turning the input turns the maps "
                           "and moves each one orientation on")


def gradchecks(rng):
    results = {}
    for kind in TRANSFORMS:
        layer = InvariantConv2d(2, 2, 3, padding=1, transforms=kind, dtype=np.float64, rng=rng)
        x = Tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
        inputs = [x, layer.weight, layer.bias]
        results[kind] = autograd.gradcheck(lambda x, w, b, layer=layer: layer(x), inputs)
    return results


def draw_graph(out):
    """The derived backward graph of a tiny invariant layer, with the fan-out of the filter."""
    try:
        import viz
    except ImportError as e:
        return f"(viz not available: {e})"
    rng = np.random.default_rng(1)
    layer = InvariantConv2d(1, 1, 2, bias=False, dtype=np.float64, rng=rng)
    layer.weight.label = "w"
    x = Tensor(rng.standard_normal((1, 1, 3, 3)), label="x")
    loss = layer(x).sum()
    loss.label = "loss"
    loss.backward()
    digraph = viz.draw(loss, title="invariant conv: 4 turned copies of w, conv, max over copies",
                       collapse=False)  # every gate: where the gradient went
    return render_or_gv(digraph, out / "invariant_conv_graph")


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="(same work; it is already quick)")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    out = Path(args.out)
    rng = np.random.default_rng(0)

    layer, inv, plain = invariance(rng)
    log("pooled features of the 'F' glyph and of the glyph turned by 90 degrees differ by:")
    log(f"  invariant conv (4 orientations + max): {format_number(inv, 2)}")
    log(f"  plain conv, same filters:              {format_number(plain)}")

    checks = gradchecks(rng)
    log(f"\ngradcheck of the derived backward (float64): {checks}")

    x = glyph()[None, None]
    share, back, total, diff = where_the_gradient_went(layer, x)
    log("\nbackward of loss = sum(y^2): the max routes each pixel's upstream to one orientation;")
    log("  share of the upstream each orientation won: "
        + ", ".join(f"{name} {s:.0%}" for (name, _, _), s in zip(TRANSFORMS["rot90"], share)))
    log("  adder: weight.grad = sum of the 4 copies' gradients turned back "
        f"(max difference {format_number(diff, 2)})")

    panels = [("input: the 'F' glyph", x[0, 0], "gray")]
    win = np.asarray(layer.responses(Tensor(x)).data).argmax(axis=1)[0, 0]
    panels.append(("filter 0: winning turn\n(black r0 .. white r270)", win, "gray"))
    big = np.ones((3, 3))                                  # draw the 5x5 filters 3x larger
    for (name, _, _), g in zip(TRANSFORMS["rot90"], back):
        panels.append((f"grad via copy {name}\n(turned back)", np.kron(g[0, 0], big), "signed"))
    panels.append(("weight.grad = sum\n(the adder)", np.kron(total[0, 0], big), "signed"))
    panels.append(("filter 0 (random init)", np.kron(layer.weight.data[0, 0], big), "signed"))
    path = save_grid(panels, out / "invariant_conv.svg", columns=4, cell=10,
                     title="Where the gradient went: router over orientations, adder over copies")
    maps, turned, moved = one_map_per_turn(layer, x)
    log(f"\nkeep='all' (the lecture's layer: {layer.out_channels} filters x {len(maps[0])} orientations "
        f"= {maps.shape[0] * maps.shape[1]} maps): turning the input turns every map and moves it one "
        f"orientation on (max difference {moved:.1e})")
    log(f"\ndrew {path}\ndrew {draw_maps(x, maps, turned, out)}\ndrew {draw_graph(out)}")
    return {"invariant": inv, "plain": plain, "gradcheck": checks, "share": share, "summed": diff,
            "maps": maps, "moved": moved}


if __name__ == "__main__":
    main()
