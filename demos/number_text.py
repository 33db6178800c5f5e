"""Shared by the demos: arrays printed with the one number policy (autograd.display), the way
the CLI, the steps and the drawings print numbers: 4 not 4., 3.35e-4 never 0.00."""

from __future__ import annotations

import numpy as np

from autograd.teaching.display import format_number


def array_text(a, separator=", ", prefix=""):
    """numpy's layout of ``a`` (brackets, one row a line) with every number formatted by the
    policy and right-aligned in equal columns; ``prefix`` as in np.array2string."""
    a = np.asarray(a, dtype=float)
    width = max((len(format_number(v)) for v in a.ravel()), default=1)
    return np.array2string(a, separator=separator, prefix=prefix, max_line_width=200,
                           formatter={"float_kind": lambda v: format_number(v).rjust(width)})
