"""PyTorch's own reference inputs (OpInfo ``sample_inputs``) for the compositions: losses,
normalization, pad, interpolate, adaptive pooling, max-pool indices and unpooling, conv
padding strings and unbatched inputs. Forward, gradient and double gradient must match.

Optional: needs torch and its internal test database (``pip install expecttest``).
Samples of what chainrule knowingly does not do are skipped by the rules in ``UNSUPPORTED``
(and listed in docs/parity.md).
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
oi = pytest.importorskip("torch.testing._internal.common_methods_invocations")

import autograd  # noqa: E402
from autograd import Tensor  # noqa: E402
from autograd import functional as F  # noqa: E402


def _interp_ok(s):
    kw = s.kwargs
    return kw.get("mode", "nearest") in ("nearest", "linear", "bilinear") and not kw.get("antialias")


def _unpool_ok(s):
    idx = s.args[0].reshape(*s.args[0].shape[:-2], -1)
    return all(len(np.unique(row)) == len(row) for row in idx.reshape(-1, idx.shape[-1]).numpy())


# op name -> (our function, which samples we support)
OPS = {
    "nn.functional.nll_loss": (F.nll_loss, None),
    "nn.functional.cross_entropy": (F.cross_entropy, None),
    "nn.functional.binary_cross_entropy": (F.binary_cross_entropy, None),
    "nn.functional.binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits, None),
    "nn.functional.mse_loss": (F.mse_loss, None),
    "nn.functional.batch_norm": (F.batch_norm, lambda s: s.input.ndim >= 2),
    "nn.functional.layer_norm": (F.layer_norm, None),
    "nn.functional.pad": (F.pad, None),
    "nn.functional.interpolate": (F.interpolate, _interp_ok),
    "nn.functional.adaptive_avg_pool2d": (F.adaptive_avg_pool2d, None),
    "nn.functional.max_unpool2d": (F.max_unpool2d, _unpool_ok),
    "nn.functional.conv1d": (F.conv1d, None),
    "nn.functional.conv2d": (F.conv2d, None),
}
# variants whose every sample lies outside chainrule (with the reason)
UNSUPPORTED = {
    ("nn.functional.pad", "circular"): "circular pads wider than the axis (torch allows > size)",
}


def _np(v):
    if isinstance(v, torch.Tensor):
        return v.detach().numpy().copy()
    if isinstance(v, torch.Size):
        return tuple(v)
    if isinstance(v, (list, tuple)):
        return type(v)(_np(a) for a in v)
    return v


def _cases():
    for info in oi.op_db:
        if info.name not in OPS:
            continue
        samples = list(info.sample_inputs("cpu", torch.float64, requires_grad=True))
        yield pytest.param(info.name, info.variant_test_name, samples,
                           id=f"{info.name}.{info.variant_test_name}".rstrip("."))


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("name", "variant", "samples"), list(_cases()))
def test_opinfo_samples_match(name, variant, samples):
    fn, supported = OPS[name]
    ran = 0
    for s in samples:
        if (supported and not supported(s)) or not isinstance(s.input, torch.Tensor):
            continue
        args, kwargs = _np(list(s.args)), {k: _np(v) for k, v in s.kwargs.items()}
        x = Tensor(s.input.detach().numpy().copy(), requires_grad=True)
        try:
            ours = fn(x, *args, **kwargs)
        except ValueError:
            if (name, variant) in UNSUPPORTED:
                continue
            raise
        t = s.input.detach().clone().requires_grad_(True)
        theirs = getattr(torch.nn.functional, name.rsplit(".", 1)[1])(t, *s.args, **s.kwargs)
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=f"forward {s}")
        if name == "nn.functional.batch_norm" and kwargs.get("training") and args[0] is not None:
            np.testing.assert_allclose(args[0], s.args[0].numpy(), rtol=1e-7, err_msg="running mean")
        ran += 1
        if not theirs.requires_grad or theirs.numel() == 0 or t.numel() == 0:
            continue
        rng = np.random.default_rng(ran)
        up, probe = rng.normal(size=ours.shape), rng.normal(size=x.shape)
        (g,) = autograd.grad(ours, [x], grad_output=Tensor(up), create_graph=True)
        (tg,) = torch.autograd.grad(theirs, t, torch.tensor(up), create_graph=True)
        np.testing.assert_allclose(np.asarray(g.data), tg.detach().numpy(), rtol=1e-7, atol=1e-9,
                                   err_msg=f"gradient {s}")
        inner, tinner = (g * probe).sum(), (tg * torch.tensor(probe)).sum()
        gg = autograd.grad(inner, [x])[0].data if inner.requires_grad else np.zeros(x.shape)
        tgg = (torch.autograd.grad(tinner, t, allow_unused=True)[0] if tinner.requires_grad else None)
        tgg = np.zeros(x.shape) if tgg is None else tgg.numpy()
        np.testing.assert_allclose(np.asarray(gg), tgg, rtol=1e-6, atol=1e-8,
                                   err_msg=f"double gradient {s}")
    assert ran or (name, variant) in UNSUPPORTED or supported
