"""Weight initialisation like PyTorch's defaults, from one seedable generator.

PyTorch's Linear/Conv default: weights kaiming-uniform with a=sqrt(5), which works out to
uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)); biases uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)).

Inside ``with nn.meta():`` layers get placeholder weights instead: read-only zeros that take
no memory, so a 143-million-parameter VGG-19 can be built to count its parameters and list
its shapes (``nn.summary(model, shape, run=False)``) without allocating 574 MB.
"""

from __future__ import annotations

import contextlib
import contextvars
import math

import numpy as np

_state = {"rng": np.random.default_rng()}
_meta = contextvars.ContextVar("chainrule_nn_meta", default=False)


@contextlib.contextmanager
def meta():
    """Build models with placeholder weights (for counting and summaries, not for training)."""
    token = _meta.set(True)
    try:
        yield
    finally:
        _meta.reset(token)


def placeholder(shape, dtype=np.float32):
    """Zeros of ``shape`` that take no memory: one number, broadcast and read-only."""
    return np.broadcast_to(np.zeros((), dtype), shape)


def is_placeholder(array):
    """True for an array made by ``placeholder`` (read-only, every stride 0)."""
    a = np.asarray(array)
    return a.ndim > 0 and not a.flags.writeable and not any(a.strides)


def manual_seed(seed):
    """Seed the generator used by layer initialisation and dropout (like torch.manual_seed)."""
    _state["rng"] = np.random.default_rng(seed)


def generator(rng=None):
    """``rng`` if given, else the shared generator."""
    return _state["rng"] if rng is None else rng


def fan_in(shape):
    """Inputs feeding one output: shape[1] * receptive field (weights (out, in, kH, kW))."""
    if len(shape) < 2:
        raise ValueError(f"fan_in: needs a weight with at least 2 dimensions, got shape {shape}")
    return int(shape[1] * np.prod(shape[2:], dtype=np.int64))


def float_dtype(dtype, layer):
    """np.dtype(dtype) when it is float32 or float64 (the float types a Tensor keeps); else
    one ValueError (integer weights would round every initial value to 0)."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt not in (np.float32, np.float64):
        got = dt.name if dt is not None else repr(dtype)
        raise ValueError(f"{layer}: dtype must be np.float32 or np.float64, got {got}")
    return dt


def uniform(shape, bound, dtype=np.float32, rng=None):
    """Samples from uniform(-bound, bound) (a placeholder inside ``meta()``)."""
    if _meta.get():
        return placeholder(shape, dtype)
    return generator(rng).uniform(-bound, bound, size=shape).astype(dtype)


SQRT5 = math.sqrt(5)


def kaiming_uniform(shape, a=SQRT5, dtype=np.float32, rng=None, fan=None):
    """He-uniform with leaky-relu slope ``a``: bound = sqrt(6 / ((1 + a^2) fan_in))."""
    fan = fan_in(shape) if fan is None else fan
    gain = math.sqrt(2.0 / (1 + a * a))
    bound = math.sqrt(3.0) * gain / math.sqrt(fan) if fan else 0.0
    return uniform(shape, bound, dtype, rng)


def bias_uniform(n, fan, dtype=np.float32, rng=None):
    """uniform(+-1/sqrt(fan_in)), PyTorch's default bias."""
    return uniform((n,), 1.0 / math.sqrt(fan) if fan else 0.0, dtype, rng)
