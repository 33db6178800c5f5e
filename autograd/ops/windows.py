"""Sliding-window geometry shared by conv, pooling and resampling.

Output sizes (with clear errors naming the numbers), the rows/cols no window reaches, and
the windows themselves: the index arithmetic of the lectures' pictures.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def effective(kernel, dilation):
    """Span of a dilated kernel: d * (k - 1) + 1 per axis."""
    return tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))


def out_size(op, size, kernel, stride, padding, dilation):
    """(Ho, Wo) of a window op, or a ValueError when the window cannot fit."""
    if 0 in tuple(size):
        raise ValueError(f"{op}: input has an empty spatial size {tuple(size)}")
    if min(kernel) < 1:
        raise ValueError(f"{op}: kernel size {tuple(kernel)} must be positive")
    span = effective(kernel, dilation)
    out = []
    for axis, n, k, s, p in zip("HW", size, span, stride, padding):
        if n + 2 * p < k:
            raise ValueError(f"{op}: kernel span {k} along {axis} is larger than the padded input "
                             f"({n} + 2*{p} = {n + 2 * p}); input {size}, kernel {kernel}, "
                             f"dilation {dilation}")
        out.append((n + 2 * p - k) // s + 1)
    return tuple(out)


def leftover(size, out, kernel, stride, padding, dilation):
    """Rows/cols at the end of the padded input that no window reaches (0 <= r < stride).

    They are the output_padding a transposed op needs to give back the input's size.
    """
    span = effective(kernel, dilation)
    return tuple(n + 2 * p - k - (o - 1) * s for n, o, k, s, p in zip(size, out, span, stride, padding))


def lowest(dtype):
    """The fill of max-pool's padding: never the max."""
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def padded(x, padding, fill=0.0):
    """x (..., H, W) with ``padding`` rows/cols of ``fill`` on each side."""
    ph, pw = padding
    return np.pad(x, ((0, 0),) * (x.ndim - 2) + ((ph, ph), (pw, pw)), constant_values=fill)


def sliding_windows(x, kernel, stride, padding, dilation, fill=0.0):
    """Every window of x (..., H, W): a read-only view (..., Ho, Wo, kh, kw) whose
    [..., a, b, i, j] is x_padded[..., a*s + i*d, b*s + j*d]."""
    span = effective(kernel, dilation)
    views = sliding_window_view(padded(x, padding, fill), span, axis=(-2, -1))
    return views[..., ::stride[0], ::stride[1], ::dilation[0], ::dilation[1]]


def strided(start, count, step):
    """Slice of ``count`` items from ``start`` every ``step``."""
    return slice(start, start + (count - 1) * step + 1, step)


def offsets(kernel):
    """The kernel offsets (i, j), row by row."""
    kh, kw = kernel
    return [(i, j) for i in range(kh) for j in range(kw)]


def window_view(xp, i, j, out, stride, dilation):
    """x_padded[..., i*d + a*s, j*d + b*s] for output positions (a, b): one kernel offset."""
    return xp[..., strided(i * dilation[0], out[0], stride[0]),
              strided(j * dilation[1], out[1], stride[1])]
