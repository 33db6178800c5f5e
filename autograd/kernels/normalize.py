"""Serves batch norm's and layer norm's normalization (autograd/compose/normalization.py) in a
plain backward:

    xhat = (x - mu) / std,   mu = mean(x),   std = (mean((x - mu) ** 2) + eps) ** 0.5

The lesson records it as seven gates (mean, sub, pow, mean, add, pow, div), and its backward
runs their rules one by one: on a batch larger than the caches, a pass or two over the
whole batch per rule, each written to memory and read back by the next. Here, when the
backward reaches xhat (whose own gradient has arrived), one rule gives the six gates below
it their gradients at once, from the same chain rule written out (A: the normalized axes,
m: the count they hold):

    d std  = -sum_A(g xhat) / std                 div's rule for the divisor
    d var  = d std * 0.5 (var + eps) ** -0.5      pow 0.5, then add's distributor
    d sq   = d var / m, on every element          mean's distributor
    d xc   = g / std + 2 xc d sq                  div's rule for the dividend + pow 2's
    d mu   = -sum_A(d xc)                         sub's signed distributor
    x gets d xc + d mu / m                        sub's and mean's, added: the fan-out

in seven passes (measured in benchmarks/NOTES.md). The forward and the recorded graph stay
the lesson's, so drawings, steps and create_graph see the seven gates, and every member
still keeps its .grad after backward.
A gradient that reaches a member from outside the seven (a graph built on xc, say) still
goes through that member's own rule: the rules are linear, so the parts add up. The
driver (driver.py) takes the group only where the lesson's loop would give the same
.grad everywhere: every member needing a gradient, none of them asked for, no input in the
graph changed.
"""

from __future__ import annotations

import numpy as np

from ..ops.arithmetic import ADD, DIV, POW, SUB
from ..ops.reductions import MEAN
from . import driver
from .attach import Attachments
from .reduce import sum_axes, sum_product


def members(xhat):
    """(x, mu, xc, sq, var, ve, std) when ``xhat`` is the lesson's normalization of x, as
    compose.normalization records it, every node of it needing a gradient; else None."""
    xc, std = xhat._in0, xhat._in1
    if xc is None or std is None or xc._op is not SUB or std._op is not POW:
        return None
    ve = std._in0
    if std._params != {"exponent": 0.5} or ve._op is not ADD:
        return None
    var, eps = ve._in0, ve._in1
    if var._op is not MEAN or eps._op is not None or eps.requires_grad or eps._data.size != 1:
        return None
    sq = var._in0
    x, mu = xc._in0, xc._in1
    if (sq._op is not POW or sq._params != {"exponent": 2} or sq._in0 is not xc
            or mu._op is not MEAN or mu._in0 is not x or mu._params != var._params
            or not var._params["keepdims"]):
        return None
    group = (x, mu, xc, sq, var, ve, std)
    if (not all(node.requires_grad for node in group) or x._data.size == 0
            or x._data.dtype != xhat._data.dtype or x._data.shape != xhat._data.shape):
        return None
    return group


def gradients(g, xhat, group):
    """([(member, its gradient)] for the six members below xhat, x's part), for upstream g
    at xhat; group: members(xhat)."""
    x, mu, xc, sq, var, ve, std = group
    axis = mu._params["axis"]
    s, v = std._data, ve._data
    m = x._data.size // var._data.size          # the values behind each mean
    d_std = -sum_product(g, xhat._data, axis, keepdims=True) / s
    d_var = d_std * (0.5 * v ** -0.5)
    d_sq = d_var / m
    d_xc = np.divide(g, s)
    d_xc += xc._data * (2 * d_sq)
    d_mu = -sum_axes(d_xc, axis, keepdims=True)
    part = d_xc + d_mu / m
    full_sq = np.broadcast_to(d_sq, x._data.shape).copy()
    return [(std, d_std), (ve, d_var), (var, d_var), (sq, full_sq), (xc, d_xc), (mu, d_mu)], part


def attach(attachments: Attachments):
    attachments.set(driver, "GROUPS", {DIV: (members, gradients)})
