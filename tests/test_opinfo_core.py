"""PyTorch's own reference inputs (OpInfo ``sample_inputs`` from torch's internal test
database, read at run time) for the core ops: arithmetic, the first activations, reductions,
shape ops, indexing, joins, matmul, softmax, conv_transpose2d and pooling. For each sample:
forward, first gradient (vs torch.autograd.grad) and double gradient (the gradient of a random
projection of the gradient) must match in float64, and in float32 (looser tolerances) with
float32 kept throughout.

cross_entropy, mse_loss, conv1d and conv2d run in test_opinfo_compositions.py; the ops of
issue 12's first part in test_opinfo_samples.py.

Optional: needs torch and ``pip install expecttest``. Samples that use what chainrule knowingly
lacks are skipped by ``KNOWINGLY_DIFFERENT`` (op -> reason), the list docs/parity.md mirrors.
"""

from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
oi = pytest.importorskip("torch.testing._internal.common_methods_invocations")

import autograd  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402

MAX_SAMPLES = 120     # max_pool2d has 1440 samples: an even spread of this many keeps it quick


def _reduce_kw(dim=None, keepdim=False):
    # torch's dim=() reduces everything (numpy's axis=() reduces nothing): translated here
    return {"axis": None if dim == () else dim, "keepdims": keepdim}


def _same_dtype(fn):
    """softmax(..., dtype=float64) on float64 input is softmax."""
    def call(x, dim, dtype=None):
        assert dtype in (None, torch.float64)
        return fn(x, axis=dim)
    return call


def _avg_pool(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    stride = None if stride == () else stride                  # torch: () means "the kernel"
    padding = padding[0] if isinstance(padding, tuple) and len(padding) == 1 else padding
    return F.avg_pool2d(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _with_arg(x, name, *args):
    """torch's max(dim, keepdim) gives (values, indices); max(other) is the elementwise max."""
    if args and isinstance(args[0], Tensor):
        return getattr(x, name)(args[0])
    if not args:
        return getattr(x, name)()
    return getattr(x, name)(*args), getattr(x, f"arg{name}")(*args)


def _spread_of(name):
    """torch's var/std(dim, correction, keepdim, unbiased), or var/std(unbiased) (the
    'unbiased' variant): unbiased=False is correction 0, correction=None (or unbiased) 1."""
    def call(x, dim=None, correction=None, keepdim=False, unbiased=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        correction = (0 if unbiased is False else 1) if correction is None else correction
        return getattr(x, name)(axis=dim, correction=correction, keepdims=keepdim)
    return call


def _scaled(y, alpha):
    return y if alpha == 1 else y * alpha


# torch op name -> chainrule's call, arguments translated (dim -> axis, keepdim -> keepdims)
OPS = {
    "add": lambda x, y, alpha=1: x + _scaled(y, alpha),
    "sub": lambda x, y, alpha=1: x - _scaled(y, alpha),
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "true_divide": lambda x, y: x / y,
    "rsub": lambda x, y, alpha=1: y - _scaled(x, alpha),
    "neg": lambda x: -x,
    "pow": lambda x, y: x ** y,
    "exp": lambda x: x.exp(),
    "log": lambda x: x.log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "nn.functional.relu": F.relu,
    "maximum": lambda x, y: x.maximum(y),
    "minimum": lambda x, y: x.minimum(y),
    "max": lambda x, *a: _with_arg(x, "max", *a),
    "min": lambda x, *a: _with_arg(x, "min", *a),
    "amax": lambda x, **kw: x.max(**_reduce_kw(**kw)),
    "amin": lambda x, **kw: x.min(**_reduce_kw(**kw)),
    "sum": lambda x, **kw: x.sum(**_reduce_kw(**kw)),
    "mean": lambda x, **kw: x.mean(**_reduce_kw(**kw)),
    "reshape": lambda x, shape: x.reshape(shape),
    "view": lambda x, shape: x.reshape(shape),
    "transpose": lambda x, a, b: x.swapaxes(a, b),          # torch's transpose swaps two axes
    "permute": lambda x, dims: x.permute(dims),
    "__getitem__": lambda x, index: x[index],
    "cat": lambda xs, dim=0: autograd.concat(xs, axis=dim),
    "stack": lambda xs, dim=0: autograd.stack(xs, axis=dim),
    "matmul": lambda x, y: x @ y,
    "__radd__": lambda x, y: y + x,
    "__rsub__": lambda x, y: y - x,
    "__rmul__": lambda x, y: y * x,
    "__rdiv__": lambda x, y: y / x,
    "__rmatmul__": lambda x, y: y @ x,
    "T": lambda x: x.T,
    "softmax": _same_dtype(F.softmax),
    "log_softmax": _same_dtype(F.log_softmax),
    "nn.functional.conv_transpose2d": F.conv_transpose2d,
    "nn.functional.max_pool2d": F.max_pool2d,
    "nn.functional.avg_pool2d": _avg_pool,
    "flip": lambda x, dims: x.flip(dims),
    "squeeze": lambda x, *dim: x.squeeze(*dim),
    "unsqueeze": lambda x, dim: x.unsqueeze(dim),
    "flatten": lambda x, start_dim=0, end_dim=-1: x.flatten(start_dim, end_dim),
    "expand": lambda x, sizes: x.expand(sizes),
    "repeat": lambda x, reps: x.repeat(reps),
    "tile": lambda x, reps: x.tile(reps),
    "split": lambda x, size, dim=0: x.split(size, dim),
    "chunk": lambda x, chunks, dim=0: x.chunk(chunks, dim),
    "where": lambda x, cond, y: autograd.where(cond, x, y),
    "masked_fill": lambda x, mask, value: x.masked_fill(mask, value),
    "clamp": lambda x, lo=None, hi=None: x.clamp(lo, hi),
    "clamp_min": lambda x, lo: x.clamp(lo, None),
    "clamp_max": lambda x, hi: x.clamp(None, hi),
    "var": _spread_of("var"),
    "std": _spread_of("std"),
}


def _tensor_arg(s):
    return any(isinstance(a, torch.Tensor) for a in s.args)


# ops whose second operand chainrule takes as a number: a 0-d tensor there becomes a float on
# both sides (a constant, so its own gradient is not compared)
AS_NUMBER = {"pow", "clamp_min", "clamp_max"}


def _numbers(s):
    """The sample with its 0-d tensor arguments as Python floats."""
    args = tuple(a.item() if isinstance(a, torch.Tensor) and a.ndim == 0 else a for a in s.args)
    return oi.SampleInput(s.input, args=args, kwargs=s.kwargs)


# What chainrule knowingly does not do, in ONE place: (op, variant) -> (reason, which samples;
# None = all of them). docs/parity.md, "Knowingly different from PyTorch", mirrors these reasons.
KNOWINGLY_DIFFERENT = {
    ("pow", ""): ("pow takes a number exponent, not a Tensor (write (b * a.log()).exp())", _tensor_arg),
    ("div", "trunc_rounding"): ("div has no rounding_mode= (a step function)", None),
    ("div", "floor_rounding"): ("div has no rounding_mode= (a step function)", None),
    ("clamp", ""): ("clamp/clip bounds are numbers, not Tensors", _tensor_arg),
    ("clamp_min", ""): ("clamp/clip bounds are numbers, not Tensors", _tensor_arg),
    ("clamp_max", ""): ("clamp/clip bounds are numbers, not Tensors", _tensor_arg),
    ("cat", ""): ("cat does not skip 1-d empty tensors of another rank (torch's legacy rule)",
                  lambda s: len({t.ndim for t in s.input}) > 1),
    ("nn.functional.avg_pool2d", ""): ("avg_pool2d's divisor_override must be positive",
                                       lambda s: len(s.args) > 5 and (s.args[5] or 1) <= 0),
    ("var", ""): ("var/std's correction must be a finite number >= 0 (more degrees of freedom than "
                  "values has no meaning)", lambda s: (s.kwargs.get("correction") or 0) < 0),
    ("std", ""): ("var/std's correction must be a finite number >= 0 (more degrees of freedom than "
                  "values has no meaning)", lambda s: (s.kwargs.get("correction") or 0) < 0),
}


def _ours(v):
    """torch sample value -> chainrule's: float tensors become Tensors, others numpy arrays."""
    if isinstance(v, torch.Tensor):
        a = v.detach().numpy().copy()
        return Tensor(a, requires_grad=v.requires_grad) if v.is_floating_point() else a
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, (list, tuple)):
        return type(v)(_ours(a) for a in v)
    return v


def _leaves(v):
    """The tensors that require grad, in a fixed traversal order (torch or ours alike)."""
    if isinstance(v, (torch.Tensor, Tensor)):
        return [v] if v.requires_grad else []
    if isinstance(v, (list, tuple)):
        return [leaf for a in v for leaf in _leaves(a)]
    if isinstance(v, dict):
        return [leaf for a in v.values() for leaf in _leaves(a)]
    return []


def _outputs(y):
    """Float outputs as a list (split/chunk give tuples, max(dim) and max_pool2d indices too)."""
    if isinstance(y, (tuple, list)):
        return [o for part in y for o in _outputs(part)]
    if isinstance(y, Tensor) or (isinstance(y, torch.Tensor) and y.is_floating_point()):
        return [y]
    return []


def _indices(y):
    """Integer outputs (max(dim)'s and max_pool2d's indices), compared exactly."""
    if isinstance(y, (tuple, list)):
        return [o for part in y for o in _indices(part)]
    if isinstance(y, torch.Tensor) and not y.is_floating_point():
        return [y.numpy()]
    return [y] if isinstance(y, np.ndarray) else []


def _spread(samples):
    if len(samples) <= MAX_SAMPLES:
        return samples
    return [samples[int(i)] for i in np.linspace(0, len(samples) - 1, MAX_SAMPLES)]


def _cases():
    for info in oi.op_db:
        if info.name in OPS:
            yield pytest.param(info, id=f"{info.name}.{info.variant_test_name}".rstrip("."))


# (rtol, atol) of forward, gradient, double gradient; float32 keeps its dtype throughout
TOLERANCES = {torch.float64: ((1e-10, 1e-12), (1e-9, 1e-10), (1e-8, 1e-9)),
              torch.float32: ((1e-5, 1e-5), (1e-4, 1e-4), (1e-3, 1e-3))}


def _check_sample(info, s, seed, dtype=torch.float64):
    """Forward, gradient and double gradient of one sample against torch."""
    (frtol, fatol), (grtol, gatol), (ggrtol, ggatol) = TOLERANCES[dtype]
    np_dtype = np.float64 if dtype == torch.float64 else np.float32
    ours_in = _ours([s.input, *s.args]), {k: _ours(v) for k, v in s.kwargs.items()}
    theirs = info.op(s.input, *s.args, **s.kwargs)
    ours = OPS[info.name](*ours_in[0], **ours_in[1])
    ys, tys = _outputs(ours), _outputs(theirs)
    assert len(ys) == len(tys), f"{len(ys)} outputs, torch {len(tys)}"
    for y, ty in zip(ys, tys):
        assert y.dtype == np_dtype, f"forward gives {y.dtype} for {np_dtype.__name__} input"
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=frtol, atol=fatol,
                                   err_msg=f"forward {s}")
    for i, ti in zip(_indices(ours), _indices(theirs), strict=True):
        np.testing.assert_array_equal(i, ti, err_msg=f"indices {s}")
    xs, ts = _leaves(ours_in), _leaves([s.input, s.args, s.kwargs])
    assert len(xs) == len(ts)
    live = [i for i, ty in enumerate(tys) if ty.requires_grad and ty.numel()]
    if not xs or not live:
        return
    rng = np.random.default_rng(seed)
    ups = [rng.normal(size=tys[i].shape).astype(np_dtype) for i in live]
    # one scalar through every output: sum of <output, random upstream>
    out = sum((ys[i] * up).sum() for i, up in zip(live, ups))
    tout = sum((tys[i] * torch.tensor(up)).sum() for i, up in zip(live, ups))
    gs = autograd.grad(out, xs, create_graph=True)
    tgs = torch.autograd.grad(tout, ts, create_graph=True, allow_unused=True)
    for g, tg in zip(gs, tgs):
        expect = np.zeros(g.shape) if tg is None else tg.detach().numpy()
        assert g.dtype == np_dtype, f"gradient {g.dtype} for {np_dtype.__name__} input"
        np.testing.assert_allclose(np.asarray(g.data), expect, rtol=grtol, atol=gatol,
                                   err_msg=f"gradient {s}")
    probes = [rng.normal(size=t.shape).astype(np_dtype) for t in ts]
    inner = sum((g * p).sum() for g, p in zip(gs, probes))
    tinner = sum((tg * torch.tensor(p)).sum() for tg, p in zip(tgs, probes) if tg is not None)
    ggs = (autograd.grad(inner, xs) if getattr(inner, "requires_grad", False)
           else [np.zeros(x.shape) for x in xs])
    tggs = (torch.autograd.grad(tinner, ts, allow_unused=True)
            if getattr(tinner, "requires_grad", False) else [None] * len(ts))
    for gg, tgg in zip(ggs, tggs):
        expect = np.zeros(np.shape(gg)) if tgg is None else tgg.numpy()
        np.testing.assert_allclose(np.asarray(getattr(gg, "data", gg)), expect, rtol=ggrtol,
                                   atol=ggatol, err_msg=f"double gradient {s}")


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("info", list(_cases()))
def test_opinfo_samples_match_torch(info, dtype):
    reason, which = KNOWINGLY_DIFFERENT.get((info.name, info.variant_test_name), (None, False))
    if which is None:
        pytest.skip(reason)
    samples = _spread(list(info.sample_inputs("cpu", dtype, requires_grad=True)))
    ran = 0
    for i, s in enumerate(samples):
        s = _numbers(s) if info.name in AS_NUMBER else s
        if which and which(s):
            continue
        _check_sample(info, s, seed=i, dtype=dtype)
        ran += 1
    if not ran:
        pytest.skip(reason)


def test_the_parity_page_lists_every_knowingly_different_reason():
    page = " ".join((Path(__file__).parents[1] / "docs" / "parity.md").read_text().split())
    for reason, _ in KNOWINGLY_DIFFERENT.values():
        assert f"- {reason}" in page, reason
