"""Gradient checks by central differences, in float64: gradcheck and gradgradcheck."""

from __future__ import annotations

import numpy as np

from ..core import grad
from ..nodes import Tensor, Value


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def _arrays(inputs):
    """Views of each input's data as a float64 array we can perturb in place."""
    out = []
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor):
            if not x.requires_grad:
                raise TypeError(f"gradcheck: input {i} does not require grad "
                                "(make it with requires_grad=True)")
            if x.dtype != np.float64:
                raise TypeError(f"gradcheck: input {i} is {x.dtype}; finite differences need float64")
            out.append(x.data)
        elif not isinstance(x, Value):
            raise TypeError(f"gradcheck: input {i} must be a Value or Tensor, got {type(x).__name__}")
        else:
            out.append(None)
    return out


def _scalar_of(out, projection):
    """The number whose gradient we check: out itself, or sum(out * projection)."""
    if isinstance(out, Value):
        return out.data
    return float(np.sum(np.asarray(out.data, dtype=np.float64) * projection))


def _projection(out, seed=0):
    if isinstance(out, Value) or out.data.size == 1:
        return None if isinstance(out, Value) else np.ones(out.shape)
    return np.random.default_rng(seed).normal(size=out.shape)


def numerical_grad(fn, inputs, eps=1e-6, projection=None):
    """Central differences of fn(*inputs) (reduced by ``projection``) for every input element.

    Runs with grad mode on: fn may itself differentiate (second-order checks).
    """
    def central(set_value, x0):
        set_value(x0 + eps)
        hi = _scalar_of(fn(*inputs), projection)
        set_value(x0 - eps)
        lo = _scalar_of(fn(*inputs), projection)
        set_value(x0)
        return (hi - lo) / (2 * eps)

    result = []
    for x, arr in zip(inputs, _arrays(inputs)):
        if arr is None:                                   # a Value
            result.append(central(lambda v, x=x: setattr(x, "data", v), x.data))
            continue
        if not arr.flags.c_contiguous:
            raise ValueError("gradcheck: input data must be C-contiguous")
        flat = arr.reshape(-1)
        g = np.zeros(arr.size)
        for j in range(flat.size):
            g[j] = central(lambda v, j=j, flat=flat: flat.__setitem__(j, v), float(flat[j]))
        result.append(g.reshape(arr.shape))
    return result


def analytic_grad(fn, inputs, projection=None, out=None):
    out = fn(*inputs) if out is None else out
    if isinstance(out, Tensor) and not out.requires_grad:
        return [np.zeros(x.shape) if isinstance(x, Tensor) else 0.0 for x in inputs]
    grads = grad(out, inputs, grad_output=None if isinstance(out, Value) else projection)
    return [g.data if isinstance(g, Value) else np.asarray(g.data, dtype=np.float64) for g in grads]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3):
    """True when autograd's gradients of fn(*inputs) match central differences.

    A non-scalar output is reduced with a fixed random projection. Raises GradcheckError
    naming the worst mismatch otherwise.
    """
    inputs = list(inputs)
    _arrays(inputs)                     # type checks before fn runs
    out = fn(*inputs)
    projection = _projection(out)
    if isinstance(out, Tensor):
        projection = np.ones(out.shape) if projection is None else projection
    analytic = analytic_grad(fn, inputs, projection, out)
    numeric = numerical_grad(fn, inputs, eps, projection)
    worst = None
    for i, (a, n) in enumerate(zip(analytic, numeric)):
        a, n = np.asarray(a, dtype=np.float64), np.asarray(n, dtype=np.float64)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and (worst is None or excess.max() > worst[0]):
            j = np.unravel_index(int(np.argmax(excess)), excess.shape) if excess.ndim else ()
            worst = (float(excess.max()), i, j, float(a[j]), float(n[j]))
    if worst is not None and worst[0] > 0:
        _, i, j, a, n = worst
        where = f"input {i}" + (f" element {tuple(int(k) for k in j)}" if j else "")
        raise GradcheckError(f"gradcheck: {where}: analytic {a:.6g} vs numerical {n:.6g} "
                             f"(|diff| {abs(a - n):.3g} > atol {atol} + rtol {rtol} * |numerical|)")
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=1):
    """Second order: checks d/dinputs of <grad(fn), v> (built with create_graph=True)."""
    inputs = list(inputs)
    rng = np.random.default_rng(seed)
    probe = fn(*inputs)
    projection = _projection(probe)
    weights = [rng.normal() if isinstance(x, Value) else rng.normal(size=x.shape) for x in inputs]

    def first_order(*xs):
        out = fn(*xs)
        if isinstance(out, Tensor) and not out.requires_grad:
            return Tensor(0.0)
        gs = grad(out, xs, grad_output=None if isinstance(out, Value) else projection,
                  create_graph=True)
        total = None
        for g, w in zip(gs, weights):
            term = (g * w).sum() if isinstance(g, Tensor) else g * w
            total = term if total is None else total + term
        return total

    return gradcheck(first_order, inputs, eps, atol, rtol)
