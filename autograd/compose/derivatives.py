"""The Jacobian and its products, the PyTorch way (torch.autograd.functional), for teaching.

    jacobian(f, x) the explicit Jacobian, one backward pass per output element (small
                   inputs only: it refuses what would not fit, the reason engines never
                   form it)
    vjp(f, x, v)   v^T J   one backward pass with upstream v (what backprop computes)
    jvp(f, x, v)   J v     forward-mode by the double-vjp trick: g(u) = J^T u is linear in a
                           dummy upstream u, so the gradient of <g(u), v> with respect to u
                           is J v (two backward passes, no forward-mode engine)
    hessian(f, x)  the Jacobian of the gradient (small inputs only: it is formed explicitly,
                   with jacobian's size refusal)

Inputs are copied into fresh leaves, so a Tensor that does not require grad (or a plain
array) is fine and the caller's graph is left alone.
"""

from __future__ import annotations

import numpy as np

from ..core import grad, raw
from ..nodes import Tensor


def jacobian_bytes(out_size, in_size, itemsize=8):
    return int(out_size) * int(in_size) * itemsize


def jacobian(fn, x, max_bytes=64 * 2**20):
    """Explicit Jacobian d fn(x) / d x as an (out.size, x.size) float64 array (teaching only).

    Refuses when it would not fit in ``max_bytes``, saying how much memory it would take:
    the reason engines never form Jacobians.
    """
    if not isinstance(x, Tensor) or not x.requires_grad:
        # like torch's jacobian: the input is differentiated whether or not it asked for it
        x = Tensor(np.asarray(raw(x), dtype=np.float64), requires_grad=True)
    out = fn(x)
    need = jacobian_bytes(out.data.size, x.data.size)
    if need > max_bytes:
        entries = out.data.size * x.data.size
        raise MemoryError(
            f"jacobian: output {out.shape} by input {x.shape} has {entries:,} entries: "
            f"{entries * 4 / 2**30:,.1f} GiB as float32, {need / 2**30:,.1f} GiB as float64 "
            f"(limit {max_bytes / 2**20:.0f} MiB); backprop never forms it")
    J = np.zeros((out.data.size, x.data.size))
    if not out.requires_grad:               # fn does not depend on x: the zero Jacobian
        return J
    for row in range(out.data.size):
        seed = np.zeros(out.data.size)
        seed[row] = 1.0
        (g,) = grad(out, [x], grad_output=seed.reshape(out.shape))
        J[row] = np.asarray(g.data, dtype=np.float64).reshape(-1)
    return J


def _leaves(inputs, op):
    """Fresh leaves requiring grad (float64 unless the data is float32) and whether the
    caller passed one input rather than a tuple."""
    single = not isinstance(inputs, (tuple, list))
    items = [inputs] if single else list(inputs)
    if not items:
        raise ValueError(f"{op}: needs at least one input")
    leaves = []
    for i, x in enumerate(items):
        data = np.asarray(x.data if isinstance(x, Tensor) else x)
        if data.dtype.kind not in "biuf":
            raise TypeError(f"{op}: input {i} must be numbers, got dtype {data.dtype}")
        if data.dtype.kind != "f":
            data = data.astype(np.float64)
        leaves.append(Tensor(data.copy(), requires_grad=True))
    return leaves, single


def _vectors(v, like, op, what):
    """v matched one-to-one with ``like`` (Tensors), each of the same shape."""
    one_array = isinstance(v, (tuple, list)) and len(v) == 1 and isinstance(v[0], (Tensor, np.ndarray))
    vs = [v] if len(like) == 1 and not one_array else list(v)
    if len(vs) != len(like):
        raise ValueError(f"{op}: expected {len(like)} {what} vector(s), got {len(vs)}")
    out = []
    for a, ref in zip(vs, like):
        try:
            arr = np.asarray(a.data if isinstance(a, Tensor) else a)
        except ValueError:                                      # ragged lists
            arr = np.empty(0, dtype=object)
        if arr.dtype.kind not in "biuf":                        # numpy would make None nan
            raise TypeError(f"{op}: v must be numbers, got {type(a).__name__} {a!r:.40}")
        arr = arr.astype(ref.dtype, copy=False)
        if arr.shape != ref.shape:
            raise ValueError(f"{op}: v has shape {arr.shape} but the {what} has shape {ref.shape}")
        out.append(arr)
    return out


def _outputs(fn, xs, op):
    out = fn(*xs)
    if not isinstance(out, Tensor):
        raise TypeError(f"{op}: the function must return a Tensor, got {type(out).__name__}")
    return out


def _grads(out, xs, seed, create_graph):
    if not out.requires_grad:               # the output does not depend on the inputs
        return [Tensor(np.zeros_like(x.data)) for x in xs]
    return grad(out, xs, grad_output=seed, create_graph=create_graph)


def _give(values, single):
    return values[0] if single else tuple(values)


def vjp(func, inputs, v=None, create_graph=False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass.

    inputs: a Tensor (or array) or a tuple of them; v: func's output shape (may be omitted
    for a single-element output). Returns (output, gradient) with one gradient per input.
    """
    op = "vjp"
    xs, single = _leaves(inputs, op)
    out = _outputs(func, xs, op)
    if v is None:
        if out.size != 1:
            raise ValueError(f"vjp: the output has shape {out.shape}; pass v of that shape")
        seed = None
    else:
        (seed,) = _vectors(v, [out], op, "output")
    gs = _grads(out, xs, seed, create_graph)
    return (out if create_graph else out.detach()), _give(gs, single)


def jvp(func, inputs, v=None, create_graph=False):
    """(func(inputs), J v): the Jacobian-vector product, by differentiating a vjp.

    v: one array per input, of its shape (may be omitted for a single-element input).
    """
    op = "jvp"
    xs, _ = _leaves(inputs, op)
    if v is None:
        if len(xs) != 1 or xs[0].size != 1:
            raise ValueError("jvp: pass v (one array per input, of its shape)")
        vs = [np.ones_like(xs[0].data)]
    else:
        vs = _vectors(v, xs, op, "input")
    out = _outputs(func, xs, op)
    if not out.requires_grad:
        return out.detach(), Tensor(np.zeros_like(out.data))
    u = Tensor(np.zeros_like(out.data), requires_grad=True)       # the dummy upstream
    gs = grad(out, xs, grad_output=u, create_graph=True)           # J^T u, linear in u
    inner = None
    for g, w in zip(gs, vs):
        term = (g * w).sum()
        inner = term if inner is None else inner + term
    if not inner.requires_grad:             # J^T u does not depend on u: J v is 0
        return out.detach(), Tensor(np.zeros_like(out.data))
    (jv,) = grad(inner, [u], create_graph=create_graph)
    return (out if create_graph else out.detach()), jv


def hessian(func, inputs, max_bytes=64 * 2**20):
    """The Hessian of a scalar function of one input x, shape x.shape + x.shape.

    Formed explicitly (teaching only): refused, like ``jacobian``, when it would not fit in
    ``max_bytes``.
    """
    op = "hessian"
    (x,), _ = _leaves(inputs, op)

    def gradient(z):
        out = _outputs(func, [z], op)
        if out.size != 1:
            raise ValueError(f"hessian: the function must return one number, got shape {out.shape}")
        if not out.requires_grad:
            return z * 0.0
        (g,) = grad(out, [z], create_graph=True)
        return g if g.requires_grad else g + z * 0.0    # a constant gradient: the Hessian is 0

    H = jacobian(gradient, x, max_bytes=max_bytes)
    return H.reshape(x.shape + x.shape)
