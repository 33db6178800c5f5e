"""Correlation in the frequency domain (CNN II): Y = IDFT(DFT(X) . conj(DFT(W))).

Scanning an M x M image with an N x N filter costs M^2 N^2 multiplications; with the FFT the
cost is about M^2 log M whatever N is, so large filters (or many of them) get cheap.

The filter is zero-padded to the image's size, both are transformed, multiplied (conj turns
the product into a correlation), summed over input channels and transformed back. That
product is a *circular* correlation: the output wraps around the image's edges. The first
H - kH + 1 rows and W - kW + 1 columns never wrap, and they are exactly conv2d's valid output.
Drop the conj and the same recipe computes a convolution (the filter flipped): then the
rows and columns that never wrap are the last ones.

``fft_conv2d`` is a demo-level Op: its forward uses numpy.fft, its backward is written in the
library's own conv ops (conv_transpose2d for the input, conv2d_weight for the filter), so
create_graph and gradgradcheck work as for conv2d.

    python demos/fft_correlation.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
from autograd import Op, Pattern, Tensor
from autograd import functional as F
from autograd.ops.arguments import pair
from autograd.teaching.display import format_number
from demos.timing import best_of


def circular(x, w, conj=True):
    """x: (N, C, H, W), w: (O, C, kH, kW) raw arrays -> (N, O, H, W): IDFT(sum over C of
    DFT(x) . conj(DFT(w))), w zero-padded to H x W. With conj=False: circular convolution."""
    size = x.shape[-2:]
    xf = np.fft.rfft2(x, s=size)                        # (N, C, H, W//2 + 1), complex
    wf = np.fft.rfft2(w, s=size)                        # (O, C, H, W//2 + 1)
    if conj:
        wf = np.conj(wf)
    return np.fft.irfft2(np.einsum("nchw,ochw->nohw", xf, wf), s=size)


def _forward(x, w, padding):
    ph, pw = padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    h, wd = x.shape[-2] - w.shape[-2] + 1, x.shape[-1] - w.shape[-1] + 1
    y = circular(x, w)[..., :h, :wd]                    # the part that never wraps around
    return np.ascontiguousarray(y, dtype=np.result_type(x.dtype, w.dtype))


FFT_CONV2D = Op(
    "fft_conv2d", Pattern.SWAP_MULTIPLIER, _forward,
    backward=(
        lambda g, out, x, w, padding: F.conv_transpose2d(g, w, padding=padding),
        lambda g, out, x, w, padding: F.conv2d_weight(x, g, w.shape[-2:], padding=padding),
    ),
    jacobian=("full convolution of upstream with the flipped filter (conv_transpose2d)",
              "correlation of the input with the upstream (conv2d_weight)"))


def fft_conv2d(x, w, b=None, padding=0):
    """conv2d (stride 1, dilation 1, groups 1) computed with FFTs.

    x: (N, C, H, W), w: (O, C, kH, kW), b: (O,) -> (N, O, H + 2p - kH + 1, W + 2p - kW + 1).
    """
    padding = pair(padding, "padding", "fft_conv2d", 0)
    xs, ws = np.shape(x), np.shape(w)
    if len(xs) != 4 or len(ws) != 4 or xs[1] != ws[1]:
        raise ValueError(f"fft_conv2d: expected x (N, C, H, W) and w (O, C, kH, kW), got {xs} and {ws}")
    if any(n + 2 * p < k for n, p, k in zip(xs[2:], padding, ws[2:])):
        raise ValueError(f"fft_conv2d: filter {ws[2:]} is larger than the padded input {xs[2:]} "
                         f"+ 2 x {padding}")
    x = x if isinstance(x, Tensor) else Tensor(x)
    y = FFT_CONV2D(x, w, padding=padding)
    return y if b is None else y + (b if isinstance(b, Tensor) else Tensor(b)).reshape(1, -1, 1, 1)


# ---------------------------------------------------------------- the demo

def agreement(rng, geometries):
    """Max |fft_conv2d - conv2d| over (N, C, O, H, W, k, padding) geometries."""
    worst = 0.0
    for n, c, o, h, w_, k, p in geometries:
        x, w = rng.standard_normal((n, c, h, w_)), rng.standard_normal((o, c, k, k))
        b = rng.standard_normal(o)
        a = fft_conv2d(x, w, b, padding=p).data
        d = F.conv2d(x, w, b, padding=p).data
        worst = max(worst, float(np.abs(a - d).max()))
    return worst


GRID = [(n, c, o, h, w, k, p) for n, c, o in ((1, 1, 1), (2, 3, 4)) for h, w in ((5, 5), (8, 11))
        for k in (1, 2, 3, 5) for p in (0, 1, 2)]


def without_conj(rng):
    """Dropping conj: what comes out is a convolution. Returns (error as a correlation, error
    as the convolution = correlation with the flipped filter, read from the last rows/cols)."""
    x, w = rng.standard_normal((1, 1, 9, 9)), rng.standard_normal((1, 1, 3, 3))
    y = circular(x, w, conj=False)
    corr = F.conv2d(x, w).data
    conv = F.conv2d(x, w[..., ::-1, ::-1].copy()).data
    return float(np.abs(y[..., :7, :7] - corr).max()), float(np.abs(y[..., 2:, 2:] - conv).max())


def scan(x, w):
    """The lecture's direct correlation: one multiply-add of the whole image per filter tap,
    N^2 passes over M^2 positions (single channel)."""
    k = w.shape[-1]
    h, wd = x.shape[-2] - k + 1, x.shape[-1] - k + 1
    y = np.zeros((h, wd))
    for p in range(k):
        for q in range(k):
            y += w[p, q] * x[p:p + h, q:q + wd]
    return y


def cost_table(m, sizes, filters=1, repeat=3):
    """[(N, scan ms, conv2d ms, fft ms)] for an m x m single-channel image and ``filters``
    N x N filters (scan once per filter)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, m, m))
    rows = []
    for k in sizes:
        w = rng.standard_normal((filters, 1, k, k))
        t_scan = best_of(lambda w=w: [scan(x[0, 0], w[o, 0]) for o in range(filters)], repeat)
        t_conv = best_of(lambda w=w: F.conv2d(x, w), repeat)
        t_fft = best_of(lambda w=w: FFT_CONV2D(x, w, padding=(0, 0)), repeat)
        rows.append((k, 1e3 * t_scan, 1e3 * t_conv, 1e3 * t_fft))
    return rows


def format_table(rows, m, filters):
    head = f"{m}x{m} image, {filters} filter{'s' if filters > 1 else ''} of N x N (float64, best of 3):"
    lines = [head, "     N   scan (N^2 passes)   conv2d (im2col)     fft   scan / fft"]
    for k, s, c, f in rows:
        lines.append(f"  {k:4d}   {s:12.2f} ms   {c:10.2f} ms   {f:6.2f} ms   {s / f:8.1f}x")
    return "\n".join(lines)


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="a smaller image and fewer sizes")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)

    worst = agreement(rng, GRID)
    log(f"fft_conv2d vs conv2d over {len(GRID)} geometries (batch, channels, sizes, kernels, "
        f"paddings): max difference {format_number(worst, 2)}")

    x = Tensor(rng.standard_normal((2, 2, 6, 7)), requires_grad=True)
    w = Tensor(rng.standard_normal((3, 2, 3, 2)), requires_grad=True)
    ok = autograd.gradcheck(lambda x, w: fft_conv2d(x, w, padding=1), [x, w])
    ok2 = autograd.gradgradcheck(lambda x, w: (fft_conv2d(x, w, padding=1) ** 2).sum(), [x, w])
    log(f"gradcheck {ok}, gradgradcheck {ok2} (backward: conv_transpose2d and conv2d_weight)")

    as_corr, as_conv = without_conj(rng)
    log(f"without conj: differs from the correlation by {format_number(as_corr)}; equals conv2d with the "
        f"flipped filter (read from the last rows and columns) to {format_number(as_conv, 2)}")

    m, sizes = (64, (3, 9, 27)) if args.quick else (256, (3, 5, 9, 15, 25, 41, 63))
    rows = cost_table(m, sizes)
    log("\n" + format_table(rows, m, 1))
    return {"worst": worst, "gradcheck": ok and ok2, "without_conj": (as_corr, as_conv), "rows": rows}


if __name__ == "__main__":
    main()
