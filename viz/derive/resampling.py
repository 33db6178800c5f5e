"""Down- and up-sampling, each the other's backward, and the strided route: a strided conv
or pool is the stride-1 op followed by downsampling, so both ways give the same gradient.
"""

from __future__ import annotations

import numpy as np

import autograd
from autograd import Tensor
from autograd import functional as F
from autograd.ops.conv import CONV2D
from autograd.ops.pool import MAX_POOL2D
from autograd.ops.sampling import DOWNSAMPLE2D

from .maps import rows
from .model import Frame, Panel


def _kept(shape, f):
    return {(r, c): ("source" if r % f[0] == 0 and c % f[1] == 0 else "inserted")
            for r in range(shape[0]) for c in range(shape[1])}


def sampling_frames(node, up, engine, number):
    f = node.params["factor"]
    dX = engine["input"][0]
    G = up[0]
    checks, picture = [], []
    down = node.gate is DOWNSAMPLE2D
    for c in range(dX.shape[0]):
        if down:      # dX = upsample(dO): dO[a, b] goes back to (a*f, b*f), zeros between
            for i in range(dX.shape[1]):
                for j in range(dX.shape[2]):
                    kept = i % f[0] == 0 and j % f[1] == 0
                    checks.append(("input", (0, c, i, j),
                                   float(G[c, i // f[0], j // f[1]]) if kept else 0.0))
            picture.append([Panel(f"dE/dO[{c}]", rows(G[c])), "upsample ->",
                            Panel(f"dE/dX[{c}]", rows(dX[c]), _kept(dX.shape[1:], f))])
        else:         # dX = downsample(dO): only the kept positions had an input behind them
            for i in range(dX.shape[1]):
                for j in range(dX.shape[2]):
                    checks.append(("input", (0, c, i, j), float(G[c, i * f[0], j * f[1]])))
            picture.append([Panel(f"dE/dO[{c}]", rows(G[c]), _kept(G.shape[1:], f)),
                            "downsample ->", Panel(f"dE/dX[{c}]", rows(dX[c]))])
    text = (f"downsample2d kept every {f[0]}th row and {f[1]}th column, so its backward puts "
            "each upstream value back there\nand zeros in between (upsampling)." if down else
            "upsample2d inserted zeros that no input produced: its backward keeps the upstream "
            "at the original positions (downsampling).")
    return [Frame(f"{node.op} backward is {'upsample2d' if down else 'downsample2d'}",
                  picture, text, checks)]


def _stride_one(node, x, w=None):
    prm = dict(node.params)
    s = prm.pop("stride")
    if node.gate is CONV2D:
        full = F.conv2d(x, w, stride=1, **prm)
    elif node.gate is MAX_POOL2D:
        full = F.max_pool2d(x, stride=1, **prm)
    else:
        full = F.avg_pool2d(x, stride=1, **prm)
    return F.downsample2d(full, s), full.shape[-2:]


def strided_route(node, up, engine, number):
    """The stride-1 op then downsample2d, differentiated by the engine: same dE/dX."""
    s = node.params["stride"]
    leaves = [Tensor(np.asarray(p.data, dtype=np.float64), requires_grad=True)
              for p in node.parents]
    out, size = _stride_one(node, *leaves)
    routed = np.asarray(autograd.grad(out, leaves[:1], grad_output=up)[0].data)[0]
    U = F.upsample2d(Tensor(up), s, size=size).data[0]
    direct = engine["input"][0]
    checks = [("input", (0, c, i, j), float(routed[c, i, j])) for c in range(routed.shape[0])
              for i in range(routed.shape[1]) for j in range(routed.shape[2])]
    worst = float(np.max(np.abs(routed - direct))) if routed.size else 0.0
    picture = [[Panel(f"upsample2d(dE/dO[{o}])", rows(U[o]), _kept(U.shape[1:], s))
                for o in range(U.shape[0])]]
    picture += [[Panel(f"dE/dX[{c}] via stride 1", rows(routed[c])), "=",
                 Panel(f"dE/dX[{c}] strided rule", rows(direct[c]))] for c in range(routed.shape[0])]
    kind = "conv" if node.gate is CONV2D else "pool"
    return Frame(f"two routes: strided {kind} = stride-1 {kind}, then downsample2d",
                 picture,
                 f"Backward through downsample2d upsamples dE/dO (zeros for the skipped "
                 f"outputs); the stride-1 {kind}'s backward then gives\nthe same dE/dX as the "
                 f"strided rule (largest difference {number(worst)}).", checks)
