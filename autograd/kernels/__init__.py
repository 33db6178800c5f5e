"""Speed only, attached to the lesson from underneath. Nothing here is needed to understand
what an op computes or how its gradient flows: the op's declaration in autograd/ops says
that, and the lesson alone gives the same numbers (CHAINRULE_KERNELS=off). A kernel computes
the same thing fast, and says which op it serves and why it is faster.

    attach.py     how: set an attribute of a lesson object, remember it, undo on detach
    mode.py       grad mode read without a thread-local (a shared "recording everywhere")
    scalar.py     Value's operators and methods, one call per gate
    tensor.py     Tensor's operators and one-input methods, one call per gate
    driver.py     the backward loop for a plain backward (unrolled scalar gates)
    broadcast.py  elementwise ops on a broadcast operand in long loops; sub/mul/div/pow's
                  rules summing a broadcast input's gradient first
    reduce.py     sums over several axes by einsum (sum, mean, sum_to)
    normalize.py  batch/layer norm's seven normalizing gates: their gradients from one rule
    erf.py        erf on whole arrays (exact GELU)
    relu.py       relu's forward in blocks against a block of zeros
    gelu.py       exact GELU: the forward saves the normal CDF for the backward; blocks, threads
    threads.py    the kernel threads: work of a millisecond or more shared over the cores
    parallel.py   when compute-bound work is shared over the kernel threads; blocks
    conv.py       im2col in batch-last memory: conv2d, conv2d_weight, conv_transpose2d
    positions.py  conv2d by output positions: one small product each, on the kernel threads
    pool.py       max/avg pooling and max-pool's backward scatter/gather
    memory.py     reused scratch buffers; tune_allocator() (opt-in, process-wide)
"""

from __future__ import annotations

from . import broadcast, conv, driver, erf, gelu, mode, normalize, pool, reduce, relu, scalar, tensor
from .attach import Attachments
from .memory import clear_scratch, tune_allocator

_attached = Attachments()
_mode = Attachments()       # grad mode's stand-in: attached once, kept through detach (mode.py)


def attach():
    """Attach every kernel to the lesson's objects (autograd does it at import unless
    CHAINRULE_KERNELS=off); a second call does nothing."""
    if len(_attached):
        return
    if not len(_mode):
        mode.attach(_mode)
    # scalar and tensor first: their methods keep the lesson's elementwise forwards, which
    # broadcast then wraps for every other caller
    for module in (scalar, tensor, driver, normalize, broadcast, reduce, erf, gelu, relu, conv,
                   pool):
        module.attach(_attached)


def detach():
    """Take every kernel off: the lesson's rules and driver run alone (tests compare the two
    in one process; the mistakes lab swaps lesson pieces). Grad mode's stand-in stays: it
    computes nothing (mode.py)."""
    _attached.undo()


def attached() -> bool:
    return bool(len(_attached))


__all__ = ["attach", "attached", "clear_scratch", "detach", "tune_allocator"]
