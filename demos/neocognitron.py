"""From the neocognitron to the CNN (CNN II), and the CNN's 1-D twin, the time-delay network.

Fukushima's S-cells respond to a pattern at one place, with the same weights at every place:
that is a convolution followed by a ReLU. His C-cells respond when any S-cell in a small
neighbourhood does: that is max-pooling. The demo measures what each stage does when the
input moves by one pixel: the S map moves with it (its values change a lot, place by place),
the C map mostly stays. A TDNN (Waibel et al.) is the same idea along time: conv1d over the
frames and a max over time, so a pattern is found wherever it starts.

    python demos/neocognitron.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd import Pattern, Tensor
from autograd import functional as F
from autograd.teaching.display import format_number
from demos.augmentation import a_digit
from demos.handcrafted_filters import robinson


def s_and_c_cells(x, pool=2):
    """S-cells: the eight compass masks as one conv + ReLU; C-cells: pool x pool max-pool over them."""
    bank = np.stack(list(robinson().values()))[:, None]
    s = F.relu(F.conv2d(Tensor(x.astype(np.float64)), bank, padding=1))
    return s.data, F.max_pool2d(s, pool).data


def shift_tolerance(x, rng, trials=20, pool=2):
    """Mean relative change of the S and C maps when the input moves one pixel in a random
    direction: ||f(x) - f(shifted x)|| / ||f(x)||."""
    s0, c0 = s_and_c_cells(x, pool)
    ds, dc = [], []
    for _ in range(trials):
        dr, dcol = [(0, 1), (1, 0), (0, -1), (-1, 0)][rng.integers(4)]
        moved = np.roll(x, (dr, dcol), axis=(2, 3))
        s1, c1 = s_and_c_cells(moved, pool)
        ds.append(np.linalg.norm(s1 - s0) / np.linalg.norm(s0))
        dc.append(np.linalg.norm(c1 - c0) / np.linalg.norm(c0))
    return float(np.mean(ds)), float(np.mean(dc))


# ---------------------------------------------------------------- the TDNN

class TDNN(nn.Module):
    """x: (N, C, T) frames -> (N, classes). conv1d over time (the same weights at every delay)
    -> ReLU -> conv1d -> max over time (where the pattern occurred does not matter)."""

    pattern = Pattern.SWAP_MULTIPLIER

    def __init__(self, channels, hidden=8, classes=2, k1=5, k2=3, dtype=np.float32, rng=None):
        init = nn.init
        shape1, shape2 = (hidden, channels, k1), (classes, hidden, k2)
        self.w1 = nn.Parameter(init.kaiming_uniform(shape1, dtype=dtype, rng=rng))
        self.b1 = nn.Parameter(init.bias_uniform(hidden, init.fan_in(shape1), dtype=dtype, rng=rng))
        self.w2 = nn.Parameter(init.kaiming_uniform(shape2, dtype=dtype, rng=rng))
        self.b2 = nn.Parameter(init.bias_uniform(classes, init.fan_in(shape2), dtype=dtype, rng=rng))

    def forward(self, x):
        if len(x.shape) != 3 or x.shape[1] != self.w1.shape[1]:
            raise ValueError(f"TDNN: expected input (N, {self.w1.shape[1]}, T), got shape {tuple(x.shape)}")
        h = F.relu(F.conv1d(x, self.w1, self.b1))
        return F.conv1d(h, self.w2, self.b2).max(axis=2)


def sequences(n, rng, length=40, channels=3):
    """Noisy frames (N, channels, length) holding one of two 6-frame patterns at a random time:
    class 0 rises across the channels, class 1 falls."""
    x = 0.3 * rng.standard_normal((n, channels, length))
    y = rng.integers(0, 2, n)
    ramp = np.linspace(0, 1, 6)
    patterns = [np.stack([np.roll(ramp, c) for c in range(channels)]),
                np.stack([np.roll(ramp[::-1], c) for c in range(channels)])]
    starts = rng.integers(0, length - 6, n)
    for i in range(n):
        x[i, :, starts[i]:starts[i] + 6] += 2 * patterns[y[i]]
    return x.astype(np.float32), y, starts


def train_tdnn(steps, rng):
    x, y, _ = sequences(512, rng)
    xt, yt, _ = sequences(256, rng)
    model = TDNN(3, rng=rng)
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(steps):
        idx = rng.integers(0, len(x), 64)
        opt.zero_grad()
        F.cross_entropy(model(Tensor(x[idx])), y[idx]).backward()
        opt.step()
    with autograd.no_grad():
        acc = float((model(Tensor(xt)).data.argmax(1) == yt).mean())
    return model, acc


def time_shift_invariance(model):
    """Scores of one clean pattern placed at 23 start times: every 7-frame window that sees the
    pattern stays inside the sequence, and the max over time does not care where they are.
    Returns the largest difference between the scores."""
    ramp = np.linspace(0, 1, 6)
    pattern = 2 * np.stack([np.roll(ramp, c) for c in range(3)])
    starts = range(6, 29)
    x = np.zeros((len(starts), 3, 40), np.float32)
    for i, t in enumerate(starts):
        x[i, :, t:t + 6] = pattern
    with autograd.no_grad():
        scores = model(Tensor(x)).data
    return float(np.abs(scores - scores[0]).max())


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer TDNN training steps")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)

    x = a_digit()
    ds, dc = shift_tolerance(x, np.random.default_rng(0))
    dc4 = shift_tolerance(x, np.random.default_rng(0), pool=4)[1]
    log("neocognitron stages on a digit moved by one pixel (mean relative change over 20 moves):")
    log(f"  S-cells (conv + ReLU, 8 compass masks): {ds:.0%}")
    log(f"  C-cells (2x2 max-pool over S):           {dc:.0%}")
    log(f"  C-cells (4x4 max-pool over S):           {dc4:.0%}")

    model, acc = train_tdnn(60 if args.quick else 300, rng)
    spread = time_shift_invariance(model)
    log(f"\nTDNN (conv1d 3->8 over 5 frames, ReLU, conv1d 8->2 over 3, max over time): rising vs "
        f"falling pattern at a random time in noise, test accuracy {acc:.1%}")
    log(f"  one pattern placed at 23 different times: scores differ by at most {format_number(spread, 2)}")
    return {"s_change": ds, "c_change": dc, "c4_change": dc4, "tdnn_accuracy": acc, "time_spread": spread}


if __name__ == "__main__":
    main()
