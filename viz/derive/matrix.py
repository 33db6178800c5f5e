"""Conv as a matrix: for a tiny conv, the Jacobian the engine never forms, written out.

Z = M y: each row of M is the filter shifted to one output position (zeros elsewhere).
Its transpose applied to the upstream gives dE/dy, the same numbers as the transposed conv:
the bridge between "the Jacobian is never formed" and "the input gradient is a transposed
conv". For a transposed conv the matrix is M^T: taller than wide.
"""

from __future__ import annotations

import numpy as np

from autograd.ops.conv import CONV_TRANSPOSE2D

from .maps import rows
from .model import Frame, Panel, products_sum

MAX_CELLS = 16     # a matrix at most 16 x 16 stays readable


def conv_matrix(kernel, size, stride, padding, dilation):
    """M (Ho*Wo, H*W) of a single-channel conv2d: rows are shifted copies of the filter."""
    kh, kw = kernel.shape
    H, W = size
    Ho = (H + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    Wo = (W + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    M = np.zeros((Ho * Wo, H * W))
    for a in range(Ho):
        for b in range(Wo):
            for u in range(kh):
                for v in range(kw):
                    r = a * stride[0] - padding[0] + u * dilation[0]
                    c = b * stride[1] - padding[1] + v * dilation[1]
                    if 0 <= r < H and 0 <= c < W:
                        M[a * Wo + b, r * W + c] = kernel[u, v]
    return M


def fits(node):
    """Single channel and small enough to draw as a matrix."""
    x, _w = node.parents
    if x.data.shape[1] != 1 or node.data.shape[1] != 1:
        return False
    return x.data[0, 0].size <= MAX_CELLS and node.data[0, 0].size <= MAX_CELLS


def _column(v):
    return [[float(a)] for a in np.ravel(v)]


def matrix_frames(node, up, engine, number):
    x, w = node.parents
    prm = node.params
    transposed = node.gate is CONV_TRANSPOSE2D
    kernel = np.asarray(w.data[0, 0], dtype=np.float64)
    if transposed:   # the conv whose input gradient this op is: its input is our output
        M = conv_matrix(kernel, node.data.shape[-2:], prm["stride"], prm["padding"],
                        prm["dilation"]).T
        name = "M^T"
    else:
        M = conv_matrix(kernel, x.data.shape[-2:], prm["stride"], prm["padding"], prm["dilation"])
        name = "M"
    y = np.asarray(x.data[0, 0], dtype=np.float64).ravel()
    if M.shape[1] != y.size:
        raise ValueError("derive: this geometry has no square-free matrix picture")
    z = [products_sum(list(zip(M[r], y))) for r in range(M.shape[0])]
    forward = Frame(
        f"{node.op} as a matrix: O = {name} X (flattened), {M.shape[0]}x{M.shape[1]}",
        [[Panel(name, rows(M)), "x", Panel("X", _column(y)), "=", Panel("O", _column(z))]],
        f"each row of {name} is the filter shifted to one output pixel"
        + (" (taller than wide: the expanding layer)" if transposed else "") +
        f"; row 0: {number.sum_text([(m, v) for m, v in zip(M[0], y) if m], z[0])}",
        [("output", (0, 0, *divmod(r, node.data.shape[-1])), z[r]) for r in range(len(z))])
    g = up[0, 0].ravel()
    dy = [products_sum(list(zip(M[:, c], g))) for c in range(M.shape[1])]
    width = x.data.shape[-1]
    back = "M" if transposed else "M^T"
    backward = Frame(
        f"its transpose gives the input gradient: dE/dX = {back} dE/dO",
        [[Panel(back, rows(M.T)), "x", Panel("dE/dO", _column(g)), "=",
          Panel("dE/dX", _column(dy)), " ", Panel("dE/dX (the engine)", rows(engine["input"][0, 0]))]],
        "The engine never forms this matrix: multiplying by its transpose is exactly the "
        + ("conv2d of the upstream." if transposed else "transposed conv (full conv with the "
                                                          "flipped filter)."),
        [("input", (0, 0, *divmod(c, width)), dy[c]) for c in range(len(dy))])
    return [forward, backward]
