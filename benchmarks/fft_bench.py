"""Direct vs FFT correlation as the filter grows (CNN II's cost argument): times for one
M x M single-channel image against N x N filters, for the lecture's scan (N^2 multiply-adds of
the whole image), chainrule's conv2d (im2col + BLAS) and the FFT recipe in
demos/fft_correlation.py. Best of --repeat runs, wall clock, float64.

    python benchmarks/fft_bench.py [--size 256] [--filters 1] [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demos.fft_correlation import cost_table, format_table


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--filters", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kernels", default="3,5,9,15,25,41,63", help="comma-separated filter sizes")
    args = ap.parse_args(argv)
    sizes = [int(k) for k in args.kernels.split(",")]
    print(format_table(cost_table(args.size, sizes, args.filters, args.repeat), args.size, args.filters))


if __name__ == "__main__":
    main()
