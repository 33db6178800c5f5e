"""Which input pixel meets which filter entry at which output: the geometry every view reads.

A conv2d (or pooling window) with stride s, padding p and dilation d puts filter entry
(u, v) of output (a, b) on input pixel

    (i, j) = (a*s - p + u*d,  b*s - p + v*d)

A tap is one such meeting (a, b, u, v, i, j). The forward sums the taps of one output
(gather), the scatter view collects the taps of one input pixel, the symbolic view writes
them as F11 X11 + ...; all from this one rule, so no equation is ever typed in.
"""

from __future__ import annotations

from typing import NamedTuple


class Tap(NamedTuple):
    a: int   # output row
    b: int   # output column
    u: int   # filter row
    v: int   # filter column
    i: int   # input row (may lie in the padding: < 0 or >= H)
    j: int   # input column


class Geometry(NamedTuple):
    size: tuple       # input (H, W)
    kernel: tuple     # (kh, kw)
    stride: tuple
    padding: tuple
    dilation: tuple
    out: tuple        # output (Ho, Wo)

    @classmethod
    def of(cls, node):
        """The geometry of a recorded conv2d, max_pool2d or avg_pool2d node."""
        p = node.params
        kernel = p.get("kernel_size") or tuple(node.parents[1].data.shape[-2:])
        return cls(tuple(node.parents[0].data.shape[-2:]), tuple(kernel), p["stride"], p["padding"],
                   p.get("dilation", (1, 1)), tuple(node.data.shape[-2:]))

    def inside(self, i, j):
        return 0 <= i < self.size[0] and 0 <= j < self.size[1]

    def taps(self):
        """Every tap, output by output (row-major), each output's filter entries row-major."""
        (s0, s1), (p0, p1), (d0, d1) = self.stride, self.padding, self.dilation
        return [Tap(a, b, u, v, a * s0 - p0 + u * d0, b * s1 - p1 + v * d1)
                for a in range(self.out[0]) for b in range(self.out[1])
                for u in range(self.kernel[0]) for v in range(self.kernel[1])]

    def window(self, a, b):
        """The taps of output (a, b): its window, padding included."""
        return [t for t in self.taps() if (t.a, t.b) == (a, b)]

    def feeds(self, i, j):
        """The taps that read input pixel (i, j): every output it feeds, and through which
        filter entry (outputs row-major)."""
        return [t for t in self.taps() if (t.i, t.j) == (i, j)]

    def uses(self, u, v):
        """The taps of filter entry (u, v): every output it takes part in (row-major)."""
        return [t for t in self.taps() if (t.u, t.v) == (u, v)]
