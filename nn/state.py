"""Loading a state into a Module: the one validation path of ``Module.load`` (an .npz file)
and ``Module.load_state_dict`` (ndarrays, Tensors, torch tensors).

Every value is checked and cast first (staged), then all are assigned (committed): a bad
value anywhere changes nothing. The checks, in order:

  names   the module's parameter and buffer names (strict: exactly those)
  member  dtype kind (real floats for float arrays, integers for integer buffers; no
          objects, strings, dates, complex or booleans) and shape, from the header alone
          (an .npz member is checked before its data is decompressed)
  values  no NaN or inf (unless allow_nonfinite), no value the cast to the module's dtype
          makes inf (1e300 into float32), and the module's own rules (a BatchNorm's
          running variance is not negative)
"""

from __future__ import annotations

import numpy as np

_KINDS = {"f": "a real float", "i": "an integer", "u": "an unsigned integer", "b": "a boolean"}


def expected(module):
    """name -> (shape, dtype) of each Parameter and buffer ``module`` loads."""
    spec = {k: (p.data.shape, p.data.dtype) for k, p in module.named_parameters()}
    spec.update((k, (b.shape, b.dtype)) for k, b in module.named_buffers())
    return spec


def kinds_for(dtype):
    """The dtype kinds a file or a state may give for an array of ``dtype``: a model's floats
    take real floats only, its integer buffers (counters) integers."""
    return "f" if np.dtype(dtype).kind == "f" else "iu"


def check_member(shape, dtype, expect=None, kinds="fiub"):
    """Why an array of ``shape`` and ``dtype`` is refused, or None (its data unread).

    expect: (shape, dtype) the module has, or None (any shape)."""
    if dtype.hasobject:
        return "contains pickled objects; refusing to load them"
    if expect is not None:
        kinds = kinds_for(expect[1])
    if dtype.fields is not None or dtype.subdtype is not None or dtype.kind not in kinds:
        allowed = " or ".join(_KINDS[k] for k in kinds)
        return f"has dtype {dtype}, expected {allowed} array"
    if not all(isinstance(d, int) and d >= 0 for d in shape):
        return f"declares an invalid shape {shape}"
    if expect is not None and tuple(shape) != tuple(expect[0]):
        return f"expects {tuple(expect[0])} but got {tuple(shape)}"
    return None


def check_names(spec, names, strict, fail_names):
    """The names to load: all of ``spec``'s when ``strict`` (else ``fail_names(text)`` is
    raised listing the missing and unexpected ones); without ``strict``, those in both."""
    missing = [k for k in spec if k not in names]
    unexpected = [k for k in names if k not in spec]
    if strict and (missing or unexpected):
        parts = ([f"missing {_listed(missing)}"] if missing else []) + \
                ([f"unexpected {_listed(unexpected)}"] if unexpected else [])
        raise fail_names("; ".join(parts))
    return [k for k in names if k in spec]


def check_members(spec, headers, fail):
    """Check every (shape, dtype) in ``headers`` (name -> header) against ``spec``: the first
    dtype problem raises ``fail(name, why)``; shape mismatches are all listed in one
    ``fail(None, 'shape mismatch: ...')``."""
    shapes = []
    for name, (shape, dtype) in headers.items():
        why = check_member(shape, dtype, spec[name])
        if why is not None and why.startswith("expects"):
            shapes.append(f"{name} {why}")
        elif why is not None:
            raise fail(name, why)
    if shapes:
        raise fail(None, f"shape mismatch: {'; '.join(shapes)}")


def stage(module, arrays, fail, allow_nonfinite=False):
    """name -> the array cast to the module's dtype, every value checked; raises
    ``fail(name, why)`` (an exception) at the first bad one. Nothing is assigned."""
    spec = expected(module)
    rules = _rules(module)
    staged = {}
    for name, a in arrays.items():
        if a.dtype.kind == "f" and not allow_nonfinite and not np.isfinite(a).all():
            raise fail(name, "holds NaN or inf values (pass allow_nonfinite=True to load them anyway)")
        dtype = spec[name][1]
        with np.errstate(over="ignore", invalid="ignore"):
            cast = np.array(a, dtype=dtype, copy=True)
        if a.dtype.kind == "f":
            overflow = np.isfinite(a) & ~np.isfinite(cast)
            if overflow.any():
                raise fail(name, f"holds {a[overflow].flat[0]:g}, out of the range of the "
                                 f"parameter's {dtype} (it would become inf)")
        elif a.dtype != dtype and not np.array_equal(cast, a):
            raise fail(name, f"holds {a.flat[int(np.argmax(cast != a))]}, out of the range of "
                             f"the buffer's {dtype}")
        owner, attr = rules.get(name, (None, None))
        why = owner._check_state(attr, cast) if owner is not None else None
        if why is not None:
            raise fail(name, why)
        staged[name] = cast
    return staged


def commit(module, staged):
    """Assign staged arrays (from ``stage``) to the module's Parameters and buffers."""
    params = dict(module.named_parameters())
    slots = _rules(module)
    for name, a in staged.items():
        if name in params:
            params[name].data = a
        else:
            owner, attr = slots[name]
            setattr(owner, attr, a)


def _rules(module):
    """Dotted name -> (owning module, attribute name), for parameters and buffers."""
    out = {}
    for m_name, m in module.named_modules():
        for attr in [*vars(m), *m._buffers]:
            name = f"{m_name}.{attr}" if m_name else attr
            out.setdefault(name, (m, attr))
    return out


def as_array(value, name, fail):
    """An ndarray from an ndarray, a Tensor, a torch tensor or a nested list, never through
    pickle; anything else (a torch dtype numpy has not, a ragged list) is ``fail(name, why)``."""
    from autograd import Tensor

    if isinstance(value, Tensor):
        return np.asarray(value.data)
    if hasattr(value, "detach") and hasattr(value, "cpu") and hasattr(value, "dtype"):  # torch
        dtype = str(value.dtype).replace("torch.", "")
        if dtype in ("bfloat16",) or dtype.startswith(("float8", "complex", "qint", "quint")):
            raise fail(name, f"has dtype torch.{dtype}, expected a real float array")
        try:
            return value.detach().cpu().numpy()
        except Exception as e:  # sparse, meta, ... tensors: one line, whatever torch says
            raise fail(name, f"cannot be read as an array ({type(e).__name__})") from None
    try:
        a = np.asarray(value)
    except (ValueError, TypeError, OverflowError) as e:
        raise fail(name, f"is not an array ({str(e).splitlines()[0] if str(e) else type(e).__name__})") \
            from None
    return a


def _listed(names, shown=8):
    """'a, b, c' or 'a, b, ... (1000 more)': many names still make one short line."""
    more = f", ... ({len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(str(n) for n in names[:shown]) + more
