"""1-D convolution as the lectures draw it: a time-delay network's bars, and the expanding
(transposed) 1-D layer whose bars each send the same weights up.

A TDNN layer scans a sequence of feature vectors (one bar per time step, its channels stacked)
with one small filter: every output bar takes the same pattern of incoming weights from k
consecutive input bars (conv1d). The transposed layer reverses the arrows: every input bar
sends the same pattern of outgoing weights to k output bars, stride steps apart, and where
two land on one output they add (conv_transpose1d); the output grows to (T - 1) s + k.

Writes the bars pictures and both derivation steppers (viz.derive: the TDNN scan window by
window, the bars, and each backward pass) into OUT/tdnn/.

    python demos/tdnn_bars.py [--quick] [--out chainrule-out]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from autograd import Tensor
from autograd import functional as F

# two features over six time steps; two 3-tap filters (a rising and a falling detector)
FRAMES = np.array([[0.0, 1, 2, 1, 0, -1], [1, 0, 0, 1, 2, 1]])
FILTERS = np.array([[[-1.0, 0, 1], [0, 1, 0]], [[1.0, 0, -1], [1, -1, 0]]])
# the expanding layer: three time steps, one channel, a 3-tap filter, stride 2
SHORT = np.array([[1.0, 2, -1]])
TAPS = np.array([[[1.0, 2, 3]]])


def tdnn(frames=FRAMES, filters=FILTERS):
    """conv1d over time, after its backward (upstream ones): (output, input, filters)."""
    x = Tensor(frames[None], requires_grad=True, label="X")
    w = Tensor(filters, requires_grad=True, label="W")
    y = F.conv1d(x, w)
    y.backward(np.ones(y.shape))
    return y, x, w


def expanding(short=SHORT, taps=TAPS, stride=2):
    """conv_transpose1d, after its backward: (output, input, filter)."""
    x = Tensor(short[None], requires_grad=True, label="X")
    w = Tensor(taps, requires_grad=True, label="W")
    y = F.conv_transpose1d(x, w, stride=stride)
    y.backward(np.ones(y.shape))
    return y, x, w


def bars(node):
    """The derivation of a 1-D layer's recorded 2-D node, and its bars frames."""
    from viz.derive import derive
    d = derive(node)
    return d, [k for k, f in enumerate(d.frames) if f.draw is not None]


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the same small example (it is quick already)")
    ap.add_argument("--out", default="chainrule-out")
    args = ap.parse_args(argv)
    out = Path(args.out) / "tdnn"
    y, x, w = tdnn()
    log("TDNN layer: 2 features x 6 time steps, two 3-tap filters (conv1d)")
    for o in range(y.shape[1]):
        log(f"  output channel {o}: " + "  ".join(f"{v:g}" for v in y.data[0, o]))
    t, xs, ws = expanding()
    log(f"expanding layer: 3 time steps, taps {TAPS[0, 0].tolist()}, stride 2 -> "
        f"(3 - 1) * 2 + 3 = {t.shape[-1]} outputs: " + "  ".join(f"{v:g}" for v in t.data[0, 0]))
    result = {"tdnn": (y, x, w), "expanding": (t, xs, ws)}
    try:
        import viz
        from viz.derive import drawings
        from viz.render import render_many

        paths = []
        for name, node in (("tdnn", y.parents[0]), ("expanding", t.parents[0])):
            d, picks = bars(node)
            dots = drawings(d)
            paths += render_many([dots[k] for k in picks],
                                 [out / f"{name}-bars-{j + 1}" for j in range(len(picks))])
        pages = [viz.save_stepper(root, out / f"{name}.html", grad=np.ones(root.shape), derivation=True)
                 for name, root in (("tdnn", y), ("expanding", t))]
    except Exception as e:          # no renderer: the numbers above still stand
        log(f"(no pictures: {e})")
        return result
    result["pictures"] = paths
    result["pages"] = [Path(str(p)).with_name(Path(str(p)).stem + "-derivation.html") for p in pages]
    log(f"\n{len(paths)} bars pictures and the derivation steppers "
        f"({', '.join(p.name for p in result['pages'])}) in {out}/")
    return result


if __name__ == "__main__":
    main()
