"""derive(node): the frames of one recorded node, by op; drawings(derivation): one Digraph each."""

from __future__ import annotations

import contextlib

import numpy as np

import autograd
from autograd import Tensor
from autograd.ops.conv import CONV2D, CONV_TRANSPOSE2D
from autograd.ops.pool import AVG_POOL2D, MAX_POOL2D

from .bars import is_one_d, stamp_bar_frames, tdnn_frames
from .channels import channel_frames
from .conv_input import input_frames
from .conv_weight import weight_frames
from .forward import conv_scan_frames, pool_scan_frames
from .grid import frame_dot
from .matrix import fits, matrix_frames
from .model import DERIVABLE, Derivation, Numbers, check_small, engine_grads, upstream_of
from .pooling import pool_frames
from .resampling import sampling_frames, strided_route
from .scatter import both_ways_frame, scatter_frames
from .symbolic import symbolic_frames
from .transposed import backward_frames, stamp_frames

SYMBOLIC = (CONV2D, MAX_POOL2D, AVG_POOL2D)


def derive(node, upstream=None, digits=3, symbolic=False):
    """The derivation of ``node``'s backward as a Derivation (a list of Frames).

    node: a recorded op node (N=1, up to 4 channels, maps up to 8x8). upstream: dE/d(node)
    (default: node.grad, so call backward first). digits: significant digits shown.
    symbolic: write conv2d and pooling in the lectures' notation (X11, F11, dE/dO11), each
    equation followed by its numbers (other ops keep their numeric frames).
    """
    number = Numbers(digits)
    op = getattr(node, "gate", None)
    if op not in DERIVABLE:
        raise ValueError(f"derive: no derivation for {getattr(node, 'op', '') or type(node).__name__!r} "
                         f"(derivable ops: {', '.join(d.name for d in DERIVABLE)})")
    conv = op in (CONV2D, CONV_TRANSPOSE2D)
    check_small(node, *(p.data for p in node.parents if np.ndim(p.data) == 4
                        and not (conv and p is node.parents[1])))
    up = upstream_of(node, upstream)
    engine = engine_grads(node, up)
    engine["output"] = np.asarray(node.data)
    frames = []
    strided = node.params.get("stride", (1, 1)) != (1, 1)
    if op is CONV2D:
        engine["bias"] = _bias_grad(node, up)
    if symbolic and op in SYMBOLIC:
        return Derivation(node, op.name, symbolic_frames(node, up, number), engine, up, digits)
    if op is CONV2D:
        frames += (tdnn_frames if is_one_d(node) else conv_scan_frames)(node, engine, number)
        frames += channel_frames(node, engine, number)
        gather = _tag(input_frames(node, up, engine, number), "gather view")
        scatter, sums, texts = scatter_frames(node, up, engine, number)
        frames += [gather[0], *scatter, *gather[1:]]
        frames.append(both_ways_frame(node, engine, sums, texts, gather[1:], number))
        if strided:
            frames += _tag([strided_route(node, up, engine, number)], "route")
        frames += _tag(weight_frames(node, up, engine, number), "weight")
        frames[-1].kind = "bias"
    elif op is CONV_TRANSPOSE2D:
        stamps = _tag(stamp_frames(node, up, engine, number), "forward")
        frames += [*stamp_bar_frames(node, engine, number), stamps[-1]] if is_one_d(node) else stamps
        frames += _tag(backward_frames(node, up, engine, number), "gather view")
    elif op in (MAX_POOL2D, AVG_POOL2D):
        frames += pool_scan_frames(node, engine, number)
        frames += _tag(pool_frames(node, up, engine, number), "backward")
        if strided:
            frames += _tag([strided_route(node, up, engine, number)], "route")
    else:
        frames += _tag(sampling_frames(node, up, engine, number), "backward")
    if conv and fits(node):
        with contextlib.suppress(ValueError):
            frames += _tag(matrix_frames(node, up, engine, number), "matrix")
    return Derivation(node, op.name, frames, engine, up, digits)


def _tag(frames, kind):
    """Mark frames that do not say which part of the story they tell."""
    for f in frames:
        f.kind = f.kind or kind
    return frames


def _bias_grad(node, up):
    """The engine's gradient of a bias added to this conv's output (a distributor)."""
    b = Tensor(np.zeros(node.data.shape[1]), requires_grad=True)
    out = Tensor(np.asarray(node.data, dtype=np.float64)) + b.reshape(1, -1, 1, 1)
    return np.asarray(autograd.grad(out, [b], grad_output=up)[0].data)


def drawings(derivation, text=True):
    """One graphviz Digraph per frame (deterministic DOT text)."""
    number = Numbers(derivation.digits)
    return [frame_dot(f, number, text) for f in derivation.frames]


