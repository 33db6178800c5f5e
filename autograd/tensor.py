"""Tensor: numpy-array nodes on the same graph core as Value."""

from __future__ import annotations

import functools
import numbers

import numpy as np

from . import elementwise as ew
from . import reductions as rd
from . import registry, watch
from . import shape_ops as so
from . import tensor_ops as ts
from .errors import check_axis
from .graph import Node, all_threads, grad_mode
from .kernels import broadcast

_new = object.__new__
_NO_PARAMS: dict = {}
_LARGE = broadcast.MIN_SIZE


def _apply(op, args, params, forward=None):
    """Run ``op`` on Tensors (and constants) and record the node when a gradient is needed.

    This is the hot path of every tensor op: no per-op cases, no dict or array copies.
    forward: computes the output of a two-input op in place of ``op.forward`` on large
    arrays (the same function run through a kernel: see _elementwise).
    """
    for a in args:
        if not isinstance(a, Tensor):
            args = _nodes(op, args)
            break
    record = False
    if all_threads.everywhere or grad_mode.enabled:     # is_grad_enabled(), the fast way
        for n in args:
            if n.requires_grad:
                record = True
                break
    saved = None
    try:
        if op.saves:      # told whether its node is recorded: saves nothing when not
            data, saved = op.forward(*[n._data for n in args], record=record, **params)
        elif len(args) == 2:
            a, b = args[0]._data, args[1]._data
            if forward is not None and a.size + b.size >= _LARGE:
                data = forward(a, b)            # see _elementwise
            else:
                data = op.forward(a, b, **params)
        else:
            data = op.forward(*[n._data for n in args], **params)
        if data.__class__ is not np.ndarray:
            data = np.asarray(data)
        if data.dtype.kind != "f":        # integer inputs: computed again in float64
            args, data, saved = _in_float(op, args, params, record)
    except (ValueError, IndexError, TypeError) as e:
        raise _explain(op, args, params, e) from None
    out = _new(Tensor)
    out._data = data
    out._version = 0
    out.grad = None
    out.label = ""
    if record:
        out.requires_grad = True
        _link(out, args)
        out._op = op
        out._params = params or None
        out._saved = saved
        out._versions = ((args[0]._version, args[1]._version) if len(args) == 2
                         else tuple([n._version for n in args]))
        if watch.state.anomaly:
            watch.note_site(out)
    else:
        out.requires_grad = False
        _link(out, ())
        out._op = out._params = out._saved = out._versions = None
    return out


def _link(out, args):
    """Record a node's inputs (a tuple, empty for a leaf): the first two in slots, any
    further ones in _more."""
    out._in0 = args[0] if args else None
    out._in1 = args[1] if len(args) > 1 else None
    out._more = args[2:]


def _in_float(op, args, params, record):
    """The one promotion rule for integer and bool tensors: an op computes as numpy would,
    except that a result that would be integer (or bool) is computed again with the integer
    inputs made float64, so uint8 data never wraps around (200 + 100 is 300.0)."""
    args = tuple(a if a._data.dtype.kind == "f" else _wrap(a._data.astype(np.float64))
                 for a in args)
    raws = [a._data for a in args]
    if op.saves:
        data, saved = op.forward(*raws, record=record, **params)
    else:
        data, saved = op.forward(*raws, **params), None
    return args, np.asarray(data), saved


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


def _binary(op, forward=None):
    """The method ``self <op> other``: one call per gate on the hot path."""
    return lambda self, other: _apply(op, (self, other), _NO_PARAMS, forward)


def _reflected(op, forward=None):
    """The method ``other <op> self`` for a number or array on the left."""
    return lambda self, other: _apply(op, (other, self), _NO_PARAMS, forward)


# The ops of two inputs that the registry makes methods (+ - * /, max, min) are elementwise
# (Value has them too). On large arrays (_LARGE elements) their forward goes through
# kernels.broadcast, which lays out a small operand broadcast along trailing axes for
# numpy's long loops; on small ones the call would cost more than it saves.

def _elementwise(op):
    return _binary(op, functools.partial(broadcast.binary, op.forward))


def _reflected_elementwise(op):
    return _reflected(op, functools.partial(broadcast.binary, op.forward))


_maximum, _minimum = _elementwise(ew.MAX), _elementwise(ew.MIN)   # Tensor.max/min's own


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

    # _hooks is set only by register_hook (read with getattr while hooks exist). _version
    # counts assignments to .data; _versions holds the inputs' versions when the node was
    # recorded (None for a leaf), so backward can refuse inputs changed since the forward.
    __slots__ = ("_data", "_hooks", "_in0", "_in1", "_more", "_op", "_params", "_saved",
                 "_version", "_versions", "grad", "label", "requires_grad")
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
        self._data = arr
        self._version = 0
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        _link(self, ())
        self._op = self._params = self._saved = self._versions = None

    # ------------------------------------------------------------ array facts

    @property
    def data(self):
        """The ndarray (not a copy)."""
        return self._data

    @data.setter
    def data(self, value):
        # a new version: a node that saved this tensor for its backward refuses it now
        # (``t.data[...] = v`` writes into the array and is not seen; ``t.data += v`` is)
        self._data = value
        self._version += 1

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

    def register_hook(self, fn):
        """Call ``fn(grad)`` with this tensor's gradient during backward (once it is summed
        over all uses); a Tensor or array it returns replaces the gradient. Returns a handle
        with ``.remove()``."""
        return watch.register_hook(self, fn)

    def retain_grad(self):
        """For PyTorch code: here every tensor that needs a gradient keeps ``.grad`` after
        backward, intermediates included (a teaching engine shows them all), so this only
        checks that the tensor needs one."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")

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
        held = self.grad
        if g.__class__ is not Tensor:
            if held.__class__ is Tensor and not held.requires_grad:
                self.grad = _wrap(held._data + g)   # numbers to numbers: no node to record
                return
            if g.__class__ is np.ndarray and not g.flags.writeable:
                g = g.copy()  # a broadcast view (e.g. from sum's backward): .grad owns its array
            g = _wrap(g)
        self.grad = g if held is None else held + g

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
        return _maximum(self, other)

    def minimum(self, other):
        """Elementwise min with broadcasting (router); the same as ``self.min(other)``."""
        return _minimum(self, other)

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
            return _maximum(self, axis)
        return self._reduce(ts.MAX, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Min reduction over ``axis``, or the elementwise min with a Tensor, array or float."""
        if _is_operand(axis):
            return _minimum(self, axis)
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
        """numpy's meaning: ``t.transpose()`` reverses the axes, ``t.transpose(axes)`` permutes.
        ``t.transpose(0, 1)`` on a 2-D tensor is refused: numpy reads it as "keep the order",
        torch as "swap", and the two disagree (use .T, .permute or .swapaxes)."""
        if not axes:
            axes = tuple(reversed(range(self.ndim)))
        elif len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        elif len(axes) == 2 and (self.ndim != 2 or [a % 2 for a in axes] == [0, 1]):
            raise ValueError(f"transpose{axes} on a {self.ndim}-d tensor is ambiguous (numpy keeps "
                             "the order, torch swaps): use .T, .permute(...) or .swapaxes(a, b)")
        if sorted(a % max(self.ndim, 1) for a in axes) != list(range(self.ndim)) or len(axes) != self.ndim:
            raise ValueError(f"transpose: axes {axes} are not a permutation for shape {self.shape}")
        return _apply(ts.TRANSPOSE, (self,), {"axes": tuple(a % self.ndim for a in axes)})

    @property
    def T(self):
        return self.transpose()

    def swapaxes(self, a, b):
        a, b = (check_axis(ax, self.ndim, "swapaxes", self.shape) for ax in (a, b))
        if self.ndim == 0:
            return _apply(ts.TRANSPOSE, (self,), {"axes": ()})
        axes = list(range(self.ndim))
        axes[a], axes[b] = axes[b], axes[a]
        return _apply(ts.TRANSPOSE, (self,), {"axes": tuple(axes)})

    def broadcast_to(self, shape):
        return _apply(ts.BROADCAST_TO, (self,), {"shape": tuple(shape)})

    def __getitem__(self, index):
        return _apply(ts.GETITEM, (self,), {"index": _index(index)})

    # torch's shape methods (shape_ops.py); dim= and axis= are the same thing

    def flip(self, dims):
        """Reverse the order along ``dims`` (an int or a tuple): the lecture's flipped filter
        is ``w.flip((-2, -1))``."""
        axes = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        axes = tuple(check_axis(a, self.ndim, "flip", self.shape) for a in axes)
        if len(set(axes)) != len(axes):
            raise ValueError(f"flip: repeated axis in {dims}")
        return _apply(so.FLIP, (self,), {"axes": axes})

    def squeeze(self, dim=None):
        """Drop axes of size 1 (all of them, or ``dim``: an int or a tuple; a ``dim`` whose
        size is not 1 is kept, like torch)."""
        if dim is None:
            dims = range(self.ndim)
        else:
            dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
            dims = [check_axis(d, self.ndim, "squeeze", self.shape) for d in dims]
        shape = tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1))
        return _apply(so.SQUEEZE, (self,), {"shape": shape})

    def unsqueeze(self, dim):
        """A new axis of size 1 at ``dim`` (-ndim-1 <= dim <= ndim, like torch)."""
        dim = check_axis(dim, self.ndim + 1, "unsqueeze", self.shape)
        shape = (*self.shape[:dim], 1, *self.shape[dim:])
        return _apply(so.UNSQUEEZE, (self,), {"shape": shape})

    def permute(self, *dims):
        """Reorder the axes: ``t.permute(2, 0, 1)`` (or a tuple), like torch."""
        dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        axes = tuple(check_axis(d, self.ndim, "permute", self.shape) for d in dims)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} axes "
                             f"of shape {self.shape}")
        return _apply(so.PERMUTE, (self,), {"axes": axes})

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge axes start_dim..end_dim (inclusive) into one; ``t.flatten()`` is 1-D."""
        if self.ndim == 0:
            return _apply(so.FLATTEN, (self,), {"shape": (1,)})
        a = check_axis(start_dim, self.ndim, "flatten", self.shape)
        b = check_axis(end_dim, self.ndim, "flatten", self.shape)
        if a > b:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for shape {self.shape}")
        merged = int(np.prod(self.shape[a:b + 1], dtype=np.int64))
        return _apply(so.FLATTEN, (self,), {"shape": (*self.shape[:a], merged, *self.shape[b + 1:])})

    def expand(self, *sizes):
        """Broadcast to ``sizes`` (new axes in front; -1 keeps a size), like torch: the copy
        gate, whose backward sums the copies."""
        sizes = tuple(sizes[0]) if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {len(sizes)} sizes for a {self.ndim}-d tensor {self.shape}")
        shape = []
        for i, n in enumerate(sizes):
            if n == -1:
                if i < lead:
                    raise ValueError(f"expand: -1 is not allowed for the new leading axis {i}")
                n = self.shape[i - lead]
            elif not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0:
                raise ValueError(f"expand: sizes must be non-negative ints or -1, got {sizes}")
            elif i >= lead and self.shape[i - lead] not in (1, n):
                raise ValueError(f"expand: cannot expand shape {self.shape} to {sizes} "
                                 f"(axis {i} has size {self.shape[i - lead]}, not 1)")
            shape.append(int(n))
        return _apply(ts.BROADCAST_TO, (self,), {"shape": tuple(shape)})

    def repeat(self, *reps):
        """Tile the tensor: ``t.repeat(2, 3)`` (torch's repeat, numpy's tile); at least one
        count per axis. Backward sums the copies (adder)."""
        reps = tuple(reps[0]) if len(reps) == 1 and isinstance(reps[0], (tuple, list)) else reps
        if len(reps) < self.ndim:
            raise ValueError(f"repeat: {len(reps)} counts for a {self.ndim}-d tensor "
                             f"{self.shape}: give at least one per axis")
        if not all(isinstance(r, (int, np.integer)) and not isinstance(r, bool) and r >= 0
                   for r in reps):
            raise ValueError(f"repeat: counts must be non-negative ints, got {reps}")
        return _apply(so.TILE, (self,), {"reps": tuple(int(r) for r in reps)})

    def tile(self, *reps):
        """numpy's tile: fewer counts than axes repeat the last axes (torch's tile)."""
        reps = tuple(reps[0]) if len(reps) == 1 and isinstance(reps[0], (tuple, list)) else reps
        return self.repeat(*((1,) * (self.ndim - len(reps)) + tuple(reps)))

    def split(self, split_size_or_sections, dim=0):
        """Pieces along ``dim``: each of size ``split_size`` (the last may be smaller), or of
        the listed sizes (which must add up to the axis length), like torch. Each piece is a
        getitem (gather) node."""
        d = check_axis(dim, self.ndim, "split", self.shape)
        n = self.shape[d]
        sizes = split_size_or_sections
        if isinstance(sizes, (int, np.integer)) and not isinstance(sizes, bool):
            if sizes < 1:
                raise ValueError(f"split: split_size must be positive, got {sizes}")
            sizes = [min(sizes, n - s) for s in range(0, n, sizes)] or [0]
        elif isinstance(sizes, (tuple, list)) and all(
                isinstance(s, (int, np.integer)) and not isinstance(s, bool) and s >= 0 for s in sizes):
            if sum(sizes) != n:
                raise ValueError(f"split: sizes {list(sizes)} add up to {sum(sizes)}, but axis "
                                 f"{dim} of shape {self.shape} has length {n}")
        else:
            raise ValueError(f"split: give an int or a list of sizes, got {sizes!r}")
        pieces, start = [], 0
        for size in sizes:
            pieces.append(self[(slice(None),) * d + (slice(start, start + size),)])
            start += size
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        """``chunks`` pieces (or fewer) of equal size ceil(n / chunks) along ``dim``."""
        if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = self.shape[check_axis(dim, self.ndim, "chunk", self.shape)]
        return self.split(max(-(-n // chunks), 1), dim)

    def masked_fill(self, mask, value):
        """``value`` where ``mask`` is True, self elsewhere (where with a constant: the
        upstream reaches self only where the mask is False)."""
        return where(mask, value, self)

    def clip(self, min=None, max=None):
        """Values limited to [min, max] (either may be None): a router whose upstream passes
        where min <= x <= max (the bounds included, like torch)."""
        for name, b in (("min", min), ("max", max)):
            if b is not None and (isinstance(b, bool) or not isinstance(b, (int, float, np.number))):
                raise TypeError(f"clip: {name} must be a number or None, got {type(b).__name__}")
        if min is None and max is None:
            raise ValueError("clip: give min, max or both")
        return _apply(so.CLIP, (self,), {"lo": min, "hi": max})

    clamp = clip


registry.carry(Tensor, unary=_unary, binary=_elementwise, reflected=_reflected_elementwise)


# ---------------------------------------------------------------- helpers

def _wrap(arr):
    t = _new(Tensor)
    t._data = arr if arr.__class__ is np.ndarray else np.asarray(arr)
    t._version = 0
    t.grad = None
    t.requires_grad = False
    t.label = ""
    _link(t, ())
    t._op = t._params = t._saved = t._versions = None
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
    out = [check_axis(a, ndim, name) for a in axes]
    if len(set(out)) != len(out):
        raise ValueError(f"{name}: repeated axis in {axis}")
    return tuple(sorted(out)) if ndim else None


def _index(index):
    """Tensors and lists used as indices become integer arrays (no gradient through indices)."""
    if isinstance(index, tuple):
        return tuple(_index_part(i) for i in index)
    return _index_part(index)


def _index_part(i):
    # a tuple inside the index tuple is an integer array to numpy (x[:, (0, 0)]): made one
    # here so the backward scatters with np.add.at and repeats accumulate
    if isinstance(i, Tensor):
        return i.data
    if isinstance(i, (list, tuple)):
        return np.asarray(i)
    return i


def where(condition, a, b):
    """``a`` where ``condition`` is True, else ``b`` (broadcast together), like torch.where:
    a router, each element's upstream goes to the input it came from. a and b may be
    Tensors, arrays or numbers; condition is a boolean array (or Tensor), never
    differentiated."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if cond.dtype != np.bool_:
        raise TypeError(f"where: condition must be boolean, got dtype {cond.dtype}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor(a)
    try:
        shape = np.broadcast_shapes(cond.shape, np.shape(raw_data(a)), np.shape(raw_data(b)))
    except ValueError:
        raise ValueError(f"where: condition {cond.shape}, a {np.shape(raw_data(a))} and "
                         f"b {np.shape(raw_data(b))} cannot broadcast") from None
    return _apply(so.WHERE, (a, b), {"cond": np.broadcast_to(cond, shape)})


def raw_data(x):
    return x.data if isinstance(x, Tensor) else x


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
    return ts.STACK(*tensors, axis=check_axis(axis, ndim, "stack"))
