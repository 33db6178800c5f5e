"""Tensor: numpy-array nodes on the same graph core as Value."""

from __future__ import annotations

import numbers

import numpy as np

from . import elementwise as ew
from . import reductions as rd
from . import registry
from . import tensor_ops as ts
from .graph import Node, grad_mode

_new = object.__new__
_NO_PARAMS: dict = {}


def _apply(op, args, params):
    """Run ``op`` on Tensors (and constants) and record the node when a gradient is needed.

    This is the hot path of every tensor op: no per-op cases, no dict or array copies.
    """
    for a in args:
        if not isinstance(a, Tensor):
            args = _nodes(op, args)
            break
    record = False
    if grad_mode.enabled:
        for n in args:
            if n.requires_grad:
                record = True
                break
    saved = None
    try:
        if op.saves:      # told whether its node is recorded: saves nothing when not
            data, saved = op.forward(*[n.data for n in args], record=record, **params)
        elif len(args) == 2:
            data = op.forward(args[0].data, args[1].data, **params)
        else:
            data = op.forward(*[n.data for n in args], **params)
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(op, args, params, e) from None
    out = _new(Tensor)
    out.data = data if data.__class__ is np.ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    if record:
        out.requires_grad = True
        _link(out, args)
        out._op = op
        out._params = params or None
        out._saved = saved
    else:
        out.requires_grad = False
        _link(out, ())
        out._op = out._params = out._saved = None
    return out


def _link(out, args):
    """Record a node's inputs (a tuple, empty for a leaf): the first two in slots, any
    further ones in _more."""
    out._in0 = args[0] if args else None
    out._in1 = args[1] if len(args) > 1 else None
    out._more = args[2:]


def _nodes(op, args):
    ref = next(a for a in args if isinstance(a, Tensor))
    dtype = ref.data.dtype
    return tuple(a if isinstance(a, Tensor) else _constant(a, dtype, op) for a in args)


def _explain(op, args, params, error):
    """The error to raise when a forward failed: the op's own check names the shapes."""
    raws = [n.data for n in args]
    if op.check is not None:
        try:
            op.check(*raws, **params)
        except ValueError as bad:
            return ValueError(f"{op.name}: {bad}")
    return type(error)(f"{op.name}: {error}")


def _binary(op):
    """The method ``self <op> other``: one call per gate on the hot path."""
    return lambda self, other: _apply(op, (self, other), _NO_PARAMS)


def _reflected(op):
    """The method ``other <op> self`` for a number or array on the left."""
    return lambda self, other: _apply(op, (other, self), _NO_PARAMS)


def _unary(op):
    return lambda self: _apply(op, (self,), _NO_PARAMS)


def _is_operand(x):
    """True for the other operand of an elementwise max/min; False for an axis (None, an
    int or a tuple/list of ints)."""
    if x is None or (isinstance(x, (int, np.integer)) and not isinstance(x, bool)):
        return False
    return not (isinstance(x, (tuple, list)) and all(isinstance(a, (int, np.integer)) for a in x))


class Tensor(Node):
    """An n-d array node.

    float64 by default; float32 is kept when given (array dtype or ``dtype=``). Integer and
    bool data that requires grad becomes float64. ``.grad`` is None until backward, then a
    Tensor of the same shape (``np.asarray(t.grad)`` gives the array). The array is not
    copied: a Tensor made from an ndarray shares its memory.
    """

    __slots__ = ("_in0", "_in1", "_more", "_op", "_params", "_saved", "data", "grad", "label",
                 "requires_grad")
    _broadcasts = True
    __array_ufunc__ = None  # numpy defers to our reflected operators: ndarray * Tensor works

    def __init__(self, data, requires_grad=False, dtype=None, label=""):
        if isinstance(data, Tensor):
            data = data.data
        try:
            arr = np.asarray(data, dtype=dtype)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Tensor: cannot make an array from {type(data).__name__} ({e})") from None
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"Tensor: unsupported dtype {arr.dtype} (use numbers)")
        if dtype is None and arr.dtype.kind == "f" and arr.dtype not in (np.float32, np.float64):
            arr = arr.astype(np.float64)
        if requires_grad and arr.dtype.kind != "f":
            arr = arr.astype(np.float64)
        self.data = arr
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        _link(self, ())
        self._op = self._params = self._saved = None

    # ------------------------------------------------------------ array facts

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)

    def numpy(self):
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item: tensor of shape {self.shape} has {self.data.size} elements, not 1")
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def detach(self):
        """The same data, cut from the graph."""
        return Tensor(self.data, label=self.label)

    def zero_grad(self):
        self.grad = None

    def __repr__(self):
        data = self.data + 0.0 if self.data.dtype.kind == "f" else self.data  # no "-0."
        body = np.array2string(data, precision=4, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        if self._op is not None:
            extra += f", op={self._op.name}"
        return f"Tensor({body}{extra})"

    # ------------------------------------------------------------ core hooks

    _apply = staticmethod(_apply)

    def _seed(self, grad, create_graph):
        """The gradient backward starts from: ones for one element, else ``grad`` (checked)."""
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad (no graph was recorded)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: output has shape {self.shape}; grad can be implied only for a "
                    "single-element output: pass an upstream gradient of that shape "
                    "(backward(grad=...) or autograd.grad(..., grad_output=...))")
            seed = np.ones_like(self.data)
        else:
            if isinstance(grad, Tensor) and create_graph:
                seed = grad
            else:
                # a copy: .grad arrays never alias the caller's array
                seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
            if tuple(seed.shape) != self.shape:
                raise ValueError(f"backward: grad has shape {tuple(seed.shape)} "
                                 f"but the output has shape {self.shape}")
        if create_graph and not isinstance(seed, Tensor):
            seed = Tensor(seed)
        return seed

    def _fit_grad(self, c):
        """Reduce a contribution over broadcast axes (the copy gate's adder) and cast it."""
        shape = self.data.shape
        if c.shape != shape:
            c = ts.SUM_TO(c, shape=shape)
        if c.__class__ is not Tensor and c.dtype != self.data.dtype:
            c = np.asarray(c, dtype=self.data.dtype)
        return c

    def _accumulate_grad(self, g):
        if g.__class__ is not Tensor:
            if g.__class__ is np.ndarray and not g.flags.writeable:
                g = g.copy()  # a broadcast view (e.g. from sum's backward): .grad owns its array
            g = _wrap(g)
        self.grad = g if self.grad is None else self.grad + g

    def _as_grad(self, g, create_graph):
        if g is None:
            return Tensor(np.zeros_like(self.data))
        return g if isinstance(g, Tensor) else _wrap(g)

    # ------------------------------------------------------------ operators
    # + - * / unary -, exp, log, tanh, sigmoid, relu, and elementwise max/min come from the
    # ops' declarations (registry.carry below); comparisons compare the data (Node)

    __matmul__ = _binary(ts.MATMUL)
    __rmatmul__ = _reflected(ts.MATMUL)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor):
            raise TypeError("pow: the exponent must be a number, not a Tensor "
                            "(write (b * a.log()).exp() for a positive base a)")
        if not isinstance(exponent, numbers.Real) or isinstance(exponent, bool):
            raise TypeError(f"pow: exponent must be a number, got {type(exponent).__name__}")
        return _apply(ew.POW, (self,), {"exponent": exponent})

    __rpow__ = ew.rpow
    __hash__ = Node.__hash__

    def maximum(self, other):
        """Elementwise max with broadcasting (router); the same as ``self.max(other)``."""
        return _apply(ew.MAX, (self, other), _NO_PARAMS)

    def minimum(self, other):
        """Elementwise min with broadcasting (router); the same as ``self.min(other)``."""
        return _apply(ew.MIN, (self, other), _NO_PARAMS)

    # ------------------------------------------------------------ reductions

    def sum(self, axis=None, keepdims=False):
        return _apply(ts.SUM, (self,), {"axis": _axes(axis, self.ndim, "sum"), "keepdims": keepdims})

    def mean(self, axis=None, keepdims=False):
        return _apply(ts.MEAN, (self,), {"axis": _axes(axis, self.ndim, "mean"), "keepdims": keepdims})

    def max(self, axis=None, keepdims=False):
        """Max reduction over ``axis`` (None, an int or a tuple of ints); the gradient goes to
        the first arg-max along an int axis and is split evenly among ties for full or
        multi-axis reductions (like PyTorch). Given a Tensor, array or float instead of an
        axis, the elementwise max with it (like ``Value.max``)."""
        if _is_operand(axis):
            return _apply(ew.MAX, (self, axis), _NO_PARAMS)
        return self._reduce(ts.MAX, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Min reduction over ``axis``, or the elementwise min with a Tensor, array or float."""
        if _is_operand(axis):
            return _apply(ew.MIN, (self, axis), _NO_PARAMS)
        return self._reduce(ts.MIN, axis, keepdims)

    def _reduce(self, op, axis, keepdims):
        if self.data.size == 0:
            raise ValueError(f"{op.name}: empty tensor")
        return _apply(op, (self,), {"axis": _axes(axis, self.ndim, op.name), "keepdims": keepdims})

    # ------------------------------------------------------------ more reductions (issue 12)

    def prod(self, axis=None, keepdims=False):
        """Product over ``axis``; each element's gradient is the product of the others
        (exact with zeros, like torch)."""
        return _apply(rd.PROD, (self,), {"axis": _axes(axis, self.ndim, "prod"), "keepdims": keepdims})

    def logsumexp(self, axis=None, keepdims=False):
        """log(sum(exp(x))) over ``axis``, computed without overflow; gradient softmax(x)."""
        return _apply(rd.LOGSUMEXP, (self,),
                      {"axis": _axes(axis, self.ndim, "logsumexp"), "keepdims": keepdims})

    def var(self, axis=None, correction=1, keepdims=False):
        """Variance over ``axis``: sum((x - mean)^2) / (n - correction), torch's default
        correction=1 (unbiased); correction=0 is the population variance. A composition of
        mean, sub, mul and sum (drawn as such)."""
        if isinstance(correction, bool) or not isinstance(correction, numbers.Real):
            raise TypeError(f"var: correction must be a number, got {type(correction).__name__}")
        axes = _axes(axis, self.ndim, "var")
        n = self.data.size if axes is None else int(np.prod([self.shape[a] for a in axes]))
        dev = self - self.mean(axis=axes, keepdims=True)
        denom = max(n - correction, 0)
        return (dev * dev).sum(axis=axes, keepdims=keepdims) * (1.0 / denom if denom else np.inf)

    def std(self, axis=None, correction=1, keepdims=False):
        """Standard deviation: the square root of ``var`` (same arguments); its gradient is 0
        where the std is 0, like torch."""
        return _apply(rd.STD, (self.var(axis=axis, correction=correction, keepdims=keepdims),),
                      _NO_PARAMS)

    def cumsum(self, axis):
        """Running sum along ``axis`` (required, like torch's dim)."""
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"cumsum: axis must be an int, got {type(axis).__name__}")
        (ax,) = _axes(axis, self.ndim, "cumsum") or (0,)
        if self.ndim == 0:
            return self.reshape(())
        return _apply(rd.CUMSUM, (self,), {"axis": ax})

    def argmax(self, axis=None, keepdims=False):
        """Index of the max (flat when axis is None): a plain integer array, no gradient."""
        return self._arg(np.argmax, axis, keepdims, "argmax")

    def argmin(self, axis=None, keepdims=False):
        """Index of the min (flat when axis is None): a plain integer array, no gradient."""
        return self._arg(np.argmin, axis, keepdims, "argmin")

    def _arg(self, fn, axis, keepdims, name):
        if self.data.size == 0:
            raise ValueError(f"{name}: empty tensor")
        if axis is not None:
            (axis,) = _axes(axis, self.ndim, name) or (None,)
        return np.asarray(fn(self.data, axis=axis, keepdims=keepdims))

    # ------------------------------------------------------------ shape

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        shape = tuple(int(d) for d in shape)
        try:
            target = np.reshape(self.data, shape).shape
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {self.shape} ({self.data.size} elements) "
                             f"into {shape}") from None
        return _apply(ts.RESHAPE, (self,), {"shape": target})

    def transpose(self, *axes):
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)) or len(axes) != self.ndim:
            raise ValueError(f"transpose: axes {axes} are not a permutation for shape {self.shape}")
        return _apply(ts.TRANSPOSE, (self,), {"axes": tuple(a % self.ndim for a in axes)})

    @property
    def T(self):
        return self.transpose()

    def swapaxes(self, a, b):
        for ax in (a, b):
            if not -self.ndim <= ax < self.ndim:
                raise ValueError(f"swapaxes: axis {ax} is out of range for shape {self.shape}")
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return _apply(ts.TRANSPOSE, (self,), {"axes": tuple(axes)})

    def flatten(self):
        return self.reshape(-1)

    def broadcast_to(self, shape):
        return _apply(ts.BROADCAST_TO, (self,), {"shape": tuple(shape)})

    def __getitem__(self, index):
        return _apply(ts.GETITEM, (self,), {"index": _index(index)})


registry.carry(Tensor, unary=_unary, binary=_binary, reflected=_reflected)


# ---------------------------------------------------------------- helpers

def _wrap(arr):
    t = _new(Tensor)
    t.data = arr if arr.__class__ is np.ndarray else np.asarray(arr)
    t.grad = None
    t.requires_grad = False
    t.label = ""
    _link(t, ())
    t._op = t._params = t._saved = None
    return t


def _constant(x, dtype, op):
    """A non-differentiable operand: Python numbers and int/bool arrays take the tensor's dtype."""
    if isinstance(x, Node):
        raise TypeError(f"{op.name}: cannot combine a Tensor with a {type(x).__name__}")
    if isinstance(x, (numbers.Number, np.ndarray, np.generic, list, tuple)) and not isinstance(x, complex):
        arr = np.asarray(x)
        if arr.dtype.kind in "biu" or (arr.ndim == 0 and not isinstance(x, np.ndarray) and dtype.kind == "f"):
            arr = arr.astype(dtype if dtype.kind == "f" else np.float64)
        if arr.dtype.kind in "biuf":
            return _wrap(arr)
    raise TypeError(f"{op.name}: unsupported operand of type {type(x).__name__}")


def _axes(axis, ndim, name):
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < max(ndim, 1) or (ndim == 0 and a not in (0, -1)):
            raise ValueError(f"{name}: axis {a} is out of range for a {ndim}-d tensor")
        out.append(int(a) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis}")
    return tuple(sorted(out)) if ndim else None


def _index(index):
    """Tensors and lists used as indices become integer arrays (no gradient through indices)."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(i):
    if isinstance(i, Tensor):
        return i.data
    if isinstance(i, list):
        return np.asarray(i)
    return i


def concat(tensors, axis=0):
    """Join tensors along an existing axis."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concat: needs at least one tensor")
    ref = tensors[0] if isinstance(tensors[0], Tensor) else Tensor(tensors[0])
    ax = _axes(axis, ref.ndim, "concat")
    try:
        return ts.CONCAT(*[t if isinstance(t, Tensor) else Tensor(t) for t in tensors],
                        axis=ax[0] if ax else 0)
    except ValueError as e:
        shapes = ", ".join(str(np.shape(t)) for t in tensors)
        raise ValueError(f"concat: shapes {shapes} do not fit along axis {axis} ({e})") from None


def stack(tensors, axis=0):
    """Join same-shape tensors along a new axis."""
    tensors = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all shapes must match, got {sorted(shapes)}")
    ndim = tensors[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of range for {ndim}-d result")
    return ts.STACK(*tensors, axis=axis % ndim)
