"""Tensor: a node holding a numpy array, on the same graph core as Value.

Most of its methods and operators come from the ops' declarations (autograd/ops) through
the registry: + - * / ** @, exp ... relu, sum, mean, reshape, transpose, flip, indexing...
The few written here combine ops (max over an axis or against another tensor, var, split).
"""

from __future__ import annotations

import numbers

import numpy as np

from ..core import Node, registry
from ..core.watch import register_hook
from ..ops.arguments import axes, check_axis, finite_number, is_int
from ..ops.arithmetic import rpow
from ..ops.reductions import AMAX, AMIN, STD
from ..ops.routers import MAX, MIN
from ..ops.shape import SUM_TO


class Tensor(Node):
    """An n-d array node.

    float64 by default; float32 is kept when given (array dtype or ``dtype=``). Integer and
    bool data computes in float64. ``.grad`` is None until backward, then a Tensor of the
    same shape (``np.asarray(t.grad)`` gives the array). The array is not copied: a Tensor
    made from an ndarray shares its memory.
    """

    # _hooks is set only by register_hook. _version counts assignments to .data; _versions
    # holds the inputs' versions when the node was recorded, so backward can refuse inputs
    # changed since the forward.
    __slots__ = ("_data", "_hooks", "_in0", "_in1", "_more", "_op", "_params", "_saved",
                 "_version", "_versions", "grad", "label", "requires_grad")
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
        _fill(self, arr)
        self.requires_grad = bool(requires_grad)
        self.label = label

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
        return register_hook(self, fn)

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

    # comparisons compare the data elementwise and give arrays (like numpy and torch);
    # tensors hash by identity, so they can key dicts and sets
    def __eq__(self, other):
        return self.data == _raw(other)

    def __ne__(self, other):
        return self.data != _raw(other)

    __hash__ = Node.__hash__

    # ------------------------------------------------------------ what the core asks of a kind

    @classmethod
    def _operands(cls, op, args):
        """The inputs as Tensors: numbers and arrays become constant leaves of the tensors'
        float type; integer data is made float64 (an op never computes in integers)."""
        ref = next(a for a in args if isinstance(a, Tensor)).data.dtype
        out = [a if isinstance(a, Tensor) else _constant(a, ref, op) for a in args]
        if any(a._data.dtype.kind != "f" for a in out):
            # numpy's float type for the mix (uint8 with float32 computes in float32), or
            # float64 where numpy would compute in integers
            common = np.result_type(*[a._data for a in out])
            common = common if common.kind == "f" else np.dtype(np.float64)
            out = [a if a._data.dtype.kind == "f" else _wrap(a._data.astype(common)) for a in out]
        return tuple(out)

    @staticmethod
    def _result(data):
        """A new Tensor holding an op's output, not (yet) linked into the graph."""
        return _wrap(np.asarray(data))

    def _link(self, op, inputs, params, saved):
        super()._link(op, inputs, params, saved)
        self._versions = tuple(x._version for x in inputs)

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
        elif isinstance(grad, Tensor) and create_graph:
            seed = grad
        else:
            # a copy: .grad arrays never alias the caller's array
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)
        if tuple(seed.shape) != self.shape:
            raise ValueError(f"backward: grad has shape {tuple(seed.shape)} "
                             f"but the output has shape {self.shape}")
        return Tensor(seed) if create_graph and not isinstance(seed, Tensor) else seed

    def _accumulate_grad(self, g):
        if not isinstance(g, Tensor):
            if not g.flags.writeable:
                g = g.copy()    # a broadcast view (from sum's backward): .grad owns its array
            g = _wrap(g)
        self.grad = g if self.grad is None else self.grad + g

    def _unbroadcast(self, g):
        """A gradient for this tensor from one use: summed over the axes this tensor was
        broadcast along (each copy's gradient adds up: the copy gate), in its dtype."""
        if g.shape != self._data.shape:
            g = SUM_TO(g, shape=self._data.shape)
        if not isinstance(g, Tensor) and g.dtype != self._data.dtype:
            g = np.asarray(g, dtype=self._data.dtype)
        return g

    def _check_inputs_unchanged(self):
        """Refuse a node whose inputs' data was replaced after the forward (torch's version
        counter): its rules would read the new numbers and give a wrong gradient silently."""
        for i, (x, version) in enumerate(zip(self.inputs, self._versions)):
            if x._version != version:
                raise RuntimeError(
                    f"backward: input {i} of {self.op} (shape {x.shape}) had its .data changed "
                    f"after the forward (version {version} -> {x._version}); the gradient would "
                    "use the new numbers: run the forward again")

    def _as_grad(self, g):
        """g as a Tensor (zeros where no gradient reached this tensor)."""
        if g is None:
            return Tensor(np.zeros_like(self.data))
        return g if isinstance(g, Tensor) else _wrap(np.asarray(g))

    # ------------------------------------------------------------ methods that combine ops

    __rpow__ = rpow

    @property
    def T(self):
        """The axes reversed (a matrix transposed)."""
        return self.transpose()

    def max(self, axis=None, keepdims=False):
        """Max reduction over ``axis`` (None, an int or a tuple of ints); the gradient goes to
        the first arg-max along an int axis and is split evenly among ties for full or
        multi-axis reductions (like PyTorch). Given a Tensor, array or float instead of an
        axis, the elementwise max with it (like ``Value.max``)."""
        if _is_operand(axis):
            return MAX(self, axis)
        return AMAX.call(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Min reduction over ``axis``, or the elementwise min with a Tensor, array or float."""
        if _is_operand(axis):
            return MIN(self, axis)
        return AMIN.call(self, axis, keepdims)

    def maximum(self, other):
        """Elementwise max with broadcasting (router); the same as ``self.max(other)``."""
        return MAX(self, other)

    def minimum(self, other):
        """Elementwise min with broadcasting (router); the same as ``self.min(other)``."""
        return MIN(self, other)

    def var(self, axis=None, correction=1, keepdims=False):
        """Variance over ``axis``: sum((x - mean)^2) / (n - correction), torch's default
        correction=1 (unbiased); correction=0 is the population variance; a negative one
        (more degrees of freedom than values) is refused. A composition of mean, sub, mul
        and sum (drawn as such)."""
        correction = finite_number(correction, "correction", "var", minimum=0.0)
        over = axes(axis, self.ndim, "var", self.shape)
        n = self.data.size if over is None else int(np.prod([self.shape[a] for a in over]))
        dev = self - self.mean(axis=over, keepdims=True)
        denom = max(n - correction, 0)
        return (dev * dev).sum(axis=over, keepdims=keepdims) * (1.0 / denom if denom else np.inf)

    def std(self, axis=None, correction=1, keepdims=False):
        """Standard deviation: the square root of ``var`` (same arguments); its gradient is 0
        where the std is 0, like torch."""
        return STD(self.var(axis=axis, correction=correction, keepdims=keepdims))

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
            (axis,) = axes(axis, self.ndim, name, self.shape) or (None,)
        return np.asarray(fn(self.data, axis=axis, keepdims=keepdims))

    def split(self, split_size_or_sections, dim=0):
        """Pieces along ``dim``: each of size ``split_size`` (the last may be smaller), or of
        the listed sizes (which must add up to the axis length), like torch. Each piece is a
        getitem (gather) node."""
        d = check_axis(dim, self.ndim, "split", self.shape)
        n = self.shape[d]
        sizes = split_size_or_sections
        if is_int(sizes):
            if sizes < 1:
                raise ValueError(f"split: split_size must be positive, got {sizes}")
            sizes = [min(sizes, n - s) for s in range(0, n, sizes)] or [0]
        elif isinstance(sizes, (tuple, list)) and all(is_int(s) and s >= 0 for s in sizes):
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
        if not is_int(chunks) or chunks < 1:
            raise ValueError(f"chunk: chunks must be a positive int, got {chunks!r}")
        n = self.shape[check_axis(dim, self.ndim, "chunk", self.shape)]
        return self.split(max(-(-n // chunks), 1), dim)


registry.carry(Tensor, registry.method)


# ---------------------------------------------------------------- helpers

def _fill(t, arr):
    t._data = arr
    t._version = 0
    t.grad = None
    t._in0 = t._in1 = t._op = t._params = t._saved = t._versions = None
    t._more = ()


def _wrap(arr):
    """A constant Tensor around ``arr`` (not copied)."""
    t = object.__new__(Tensor)
    _fill(t, arr if arr.__class__ is np.ndarray else np.asarray(arr))
    t.requires_grad = False
    t.label = ""
    return t


def _raw(x):
    return x.data if isinstance(x, Node) else x


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


def _is_operand(x):
    """True for the other operand of an elementwise max/min; False for an axis (None, an
    int or a tuple/list of ints)."""
    if x is None or is_int(x):
        return False
    return not (isinstance(x, (tuple, list)) and all(is_int(a) for a in x))
