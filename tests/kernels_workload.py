"""A workload that touches every kind of kernel: conv (strided, padded, grouped, with bias),
max and avg pooling (overlapping windows), batch norm in training mode, GELU (erf), a loss,
matmul and broadcasting. tests/test_seam.py runs it with the kernels attached and, in a
fresh interpreter, with CHAINRULE_KERNELS=off, and compares the gradients.

    python tests/kernels_workload.py OUT.npz     # writes the gradients; exits 3 if any
                                                  # autograd.kernels module was imported
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd
from autograd import Tensor
from autograd import functional as F


def run(seed=0):
    """The gradients of a small CNN step, name -> float64 array."""
    rng = np.random.default_rng(seed)
    x = Tensor(rng.normal(size=(3, 4, 9, 9)), requires_grad=True)
    w1 = Tensor(rng.normal(size=(6, 2, 3, 3)) * 0.3, requires_grad=True)
    b1 = Tensor(rng.normal(size=6), requires_grad=True)
    gamma = Tensor(rng.uniform(0.5, 1.5, size=6), requires_grad=True)
    beta = Tensor(rng.normal(size=6), requires_grad=True)
    w2 = Tensor(rng.normal(size=(5, 6, 2, 2)) * 0.3, requires_grad=True)
    fc = Tensor(rng.normal(size=(5 * 2 * 2, 4)) * 0.3, requires_grad=True)
    h = F.conv2d(x, w1, b1, stride=2, padding=1, groups=2)                # (3, 6, 5, 5)
    h = F.batch_norm(h, weight=gamma, bias=beta, training=True)
    h = F.gelu(h)
    h = F.max_pool2d(h, 3, stride=1)                                      # overlapping: (3, 6, 3, 3)
    h = F.conv2d(h, w2, padding=1, dilation=2)                            # (3, 5, 3, 3)... then
    h = F.avg_pool2d(h.relu(), 2, stride=1)                               # (3, 5, 2, 2)
    logits = h.reshape(3, -1) @ fc - h.mean()
    loss = F.cross_entropy(logits, np.array([0, 3, 1])) + (logits ** 2).mean() * 0.1
    leaves = {"x": x, "w1": w1, "b1": b1, "gamma": gamma, "beta": beta, "w2": w2, "fc": fc}
    grads = autograd.grad(loss, list(leaves.values()))
    out = {name: np.asarray(g.data, dtype=np.float64) for name, g in zip(leaves, grads)}
    out["loss"] = np.asarray(loss.data, dtype=np.float64)
    return out


if __name__ == "__main__":
    np.savez(sys.argv[1], **run())
    sys.exit(3 if any(m.startswith("autograd.kernels") for m in sys.modules) else 0)
