"""The classic wrong backprops, each a few lines next to the real rule it varies.

A mistake is not a second engine. It swaps ONE piece of the lesson (autograd/) for a wrong
variant while a `with` block runs, the way autograd/kernels attach their fast forms
(autograd/swaps.py): swaps.set(target, name, wrong) remembers what was there, undo() puts
it back.

    overwrite       core/backward.py add_part          = instead of += at a copy gate
    no-topo         core/order.py topological_order    (as the driver calls it) a recursion
    twice           nothing in the engine: backward() runs twice; gradcheck reads .grad
                    after both (teaching/check.py analytic_grad)
    no-unbroadcast  nodes/tensor.py Tensor._unbroadcast  one copy's gradient, not their sum
    pool-overwrite  ops/pool.py window_scatter          = instead of += where windows overlap
    no-flip         ops/conv.py _conv_grad_x            the filter is not rotated
    mean-no-divide  ops/reductions.py MEAN's rule, ops/pool.py _avg_rule: no 1/n

Reading a variant beside its real rule is the lesson; viz/mistakes/lab.py runs the wrong
engine beside the right one (with the kernels detached, so no fast form hides the swap).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from autograd import Tensor
from autograd.core import backward as driver
from autograd.core import raw
from autograd.ops.conv import CONV2D, CONV_TRANSPOSE2D
from autograd.ops.pool import AVG_POOL2D, MAX_POOL2D, WINDOW_SCATTER2D, stride_one
from autograd.ops.reductions import MEAN, SUM
from autograd.ops.shape import broadcast_axes
from autograd.ops.windows import leftover, offsets, window_view
from autograd.teaching import check


@dataclass(frozen=True)
class Mistake:
    """One classic wrong backprop.

    name      what --mistake takes
    summary   one sentence: what the wrong engine does
    real      where the real rule is, and what it does instead
    shows     what a graph needs for the mistake to change a gradient
    swap      swap(swaps): set the wrong pieces (swaps.set(target, name, value))
    example   a command line (or Python) that shows it
    calls     how many times backward() runs without zeroing .grad in between
    """

    name: str
    summary: str
    real: str
    shows: str
    swap: Callable
    example: str
    calls: int = 1


MISTAKES: dict = {}


def mistake(name, *, summary, real, shows, example, calls=1):
    """Register the decorated swap(swaps) as the mistake ``name``."""
    def register(swap):
        MISTAKES[name] = Mistake(name, summary, real, shows, swap, example, calls)
        return swap
    return register


# ---------------------------------------------------------------- the driver


def add_part_overwriting(grads, node, part):
    """The real add_part: grads[node] = part if node not in grads else grads[node] + part."""
    grads[node] = part


@mistake("overwrite",
         summary="= instead of += at a copy gate: a node used twice keeps only the last part",
         real="autograd/core/backward.py add_part adds every consumer's part",
         shows="a node used more than once (x*x + x)",
         example='chainrule explain "x*x + x" x=3 --mistake overwrite')
def _overwrite(swaps):
    swaps.set(driver, "add_part", add_part_overwriting)


def visit_when_reached(root):
    """A micrograd-style recursion: visit a node as soon as one consumer reaches it, then
    its inputs. The real order (core/order.py topological_order) lists a node after all its
    consumers, so backprop reaches it only once every part has arrived. run_backward visits
    reversed(order): this returns the visits reversed."""
    visits, seen = [], set()

    def visit(node):
        if node not in seen:
            seen.add(node)
            visits.append(node)
            for x in node.inputs:
                visit(x)
    visit(root)
    return visits[::-1]


@mistake("no-topo",
         summary="a recursion, no topological order: a node is visited before all its consumers are done",
         real="autograd/core/order.py topological_order lists a node after all its consumers",
         shows="a node whose consumers are reached one after another (x + x*x)",
         example='chainrule explain "x + x*x" x=3 --mistake no-topo')
def _no_topo(swaps):
    swaps.set(driver, "topological_order", visit_when_reached)


def grad_read_after_two_backwards(fn, inputs, projection=None, out=None):
    """teaching/check.py analytic_grad asks autograd.grad for fresh gradients; this reads
    .grad after backward() ran twice with no zero_grad() in between."""
    out = fn(*inputs) if out is None else out
    for x in inputs:
        x.grad = 0.0 if not isinstance(x, Tensor) else None
    seed = None if not isinstance(out, Tensor) else projection
    out.backward(seed)
    out.backward(seed)          # the second training step forgot optimizer.zero_grad()
    return [np.asarray(np.zeros(x.shape) if x.grad is None else x.grad.data, dtype=np.float64)
            if isinstance(x, Tensor) else x.grad for x in inputs]


@mistake("twice",
         summary="backward() twice without zeroing: every .grad holds the sum of both passes",
         real="zero_grad() (optimizer.zero_grad()) before each backward(); autograd.grad never adds",
         shows="any graph (the engine is right: the caller reads .grad after two passes)",
         example='chainrule explain "x*y" x=2 y=3 --mistake twice', calls=2)
def _twice(swaps):
    swaps.set(check, "analytic_grad", grad_read_after_two_backwards)


# ---------------------------------------------------------------- broadcasting


def unbroadcast_first_copy(self, g):
    """The real Tensor._unbroadcast sums g over the axes this tensor was broadcast along
    (every copy's gradient adds up: the copy gate). This keeps the first copy's."""
    if g.shape == self.shape:
        return g
    lead, copied = g.ndim - self.ndim, broadcast_axes(self.shape, g.shape)
    first = tuple(0 if a < lead else slice(0, 1) if a in copied else slice(None) for a in range(g.ndim))
    return np.asarray(g[first], dtype=self.dtype)       # real: sum over the copied axes


@mistake("no-unbroadcast",
         summary="a broadcast input's gradient is not summed over the broadcast axes: it keeps one copy's",
         real="autograd/nodes/tensor.py Tensor._unbroadcast sums the copies (sum_to)",
         shows="a tensor broadcast against a larger one (a bias added to every row)",
         example='viz.mistake(((x + b) * w).sum(), "no-unbroadcast") with x, w (2, 3) and b (3,)')
def _no_unbroadcast(swaps):
    swaps.set(Tensor, "_unbroadcast", unbroadcast_first_copy)


# ---------------------------------------------------------------- pooling


def window_scatter_assigning(g, index, size, kernel_size, stride, padding, dilation):
    """ops/pool.py window_scatter with = where it has +=: an input that wins several
    overlapping windows keeps the part written last."""
    ph, pw = padding
    out = np.zeros((*g.shape[:2], size[0] + 2 * ph, size[1] + 2 * pw), g.dtype)
    for k, (i, j) in enumerate(offsets(kernel_size)):
        target = window_view(out, i, j, g.shape[-2:], stride, dilation)
        np.copyto(target, g, where=index == k)      # real: target += np.where(index == k, g, 0)
    return out[..., ph:ph + size[0], pw:pw + size[1]]


@mistake("pool-overwrite",
         summary="= in overlapping max-pool windows: an input that wins two windows keeps one part",
         real="autograd/ops/pool.py window_scatter adds (+=) the parts of every window it won",
         shows="max-pool windows that overlap (stride smaller than the kernel)",
         example='chainrule pool --input "1 2 1; 2 9 2; 1 2 1" --kernel 2 --stride 1 '
                 '--mistake pool-overwrite')
def _pool_overwrite(swaps):
    swaps.set(WINDOW_SCATTER2D, "forward", window_scatter_assigning)
    swaps.set(MAX_POOL2D, "jacobian", ("one-hot at each window's arg-max; overlaps overwrite",))


# ---------------------------------------------------------------- convolution


def input_grad_unrotated(g, out, x, w, stride, padding, dilation, groups):
    """ops/conv.py _conv_grad_x: dX = conv_transpose2d(dY, W), the zero-padded upstream
    correlated with W rotated by 180 degrees (conv_transpose2d stamps W, which rotates it).
    This hands it W already rotated, so the two rotations cancel: the padded upstream is
    correlated with W as it is."""
    extra = leftover(x.shape[-2:], g.shape[-2:], w.shape[-2:], stride, padding, dilation)
    unrotated = np.flip(w, axis=(-2, -1))
    return CONV_TRANSPOSE2D(g, unrotated, stride=stride, padding=padding, output_padding=extra,
                            groups=groups, dilation=dilation)


@mistake("no-flip",
         summary="conv's input gradient without rotating the filter: dE/dO correlated with F, not rot180(F)",
         real="autograd/ops/conv.py _conv_grad_x: conv_transpose2d(dE/dO, F), a full convolution",
         shows="a filter that is not symmetric under a half turn",
         example='chainrule conv --input "1 2 3; 4 5 6; 7 8 9" --filter "1 2; 3 4" --mistake no-flip')
def _no_flip(swaps):
    swaps.set(CONV2D, "backward", (input_grad_unrotated, CONV2D.backward[1]))
    swaps.set(CONV2D, "jacobian", ("conv_transpose2d(upstream, rot180(W)): the filter never rotated",
                                   CONV2D.jacobian[1]))


# ---------------------------------------------------------------- averages


def avg_rule_not_dividing(g, out, x, kernel_size, stride, padding):
    """ops/pool.py _avg_rule with a uniform filter of ones, not 1/K^2."""
    c = x.shape[1]
    uniform = np.full((c, 1, *kernel_size), 1.0, raw(g).dtype)   # real: 1.0 / (kh * kw)
    g, stride, _ = stride_one(g, x.shape[-2:], kernel_size, stride, padding, (1, 1))
    extra = leftover(x.shape[-2:], g.shape[-2:], kernel_size, stride, padding, (1, 1))
    return CONV_TRANSPOSE2D(g, uniform, stride=stride, padding=padding, output_padding=extra,
                            groups=c, dilation=(1, 1))


@mistake("mean-no-divide",
         summary="mean's or avg-pool's backward without dividing by the count: n times too large",
         real="autograd/ops/reductions.py MEAN and autograd/ops/pool.py _avg_rule divide by n (K^2)",
         shows="a mean or an average pool",
         example='chainrule pool --input "1 2; 3 4" --kernel 2 --mode avg --mistake mean-no-divide')
def _mean_no_divide(swaps):
    swaps.set(MEAN, "backward", SUM.backward)     # mean's rule without 1/n is sum's
    swaps.set(AVG_POOL2D, "backward", (avg_rule_not_dividing,))
    # what the steps print as the local gradient
    swaps.set(MEAN, "jacobian", ("upstream copied to every element (no 1/n)",))
    swaps.set(AVG_POOL2D, "jacobian", ("upstream over each window (no 1/K^2); overlaps add",))
