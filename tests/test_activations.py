"""The elementwise ops and activations of issue 12 (sqrt ... hardtanh): first- and second-order
gradchecks over hypothesis shapes, their kinks, stability, the F functions and nn modules,
Value and the CLI, one-line errors, and torch in float64 and float32 where installed."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd
import nn
from autograd import Pattern, Tensor, Value
from autograd import functional as F
from viz import parse


def _away(x, kinks, gap=0.05):
    """x moved off the points where an op is not twice differentiable."""
    for k in kinks:
        x = np.where(np.abs(x - k) < gap, k + np.copysign(gap, x - k) * 2, x)
    return x


# name -> (ours, torch's (module-level name, kwargs), input transform)
CASES = {
    "sqrt": (lambda t: t.sqrt(), ("sqrt", {}), lambda x: np.abs(x) + 0.2),
    "square": (lambda t: t.square(), ("square", {}), None),
    "sin": (lambda t: t.sin(), ("sin", {}), None),
    "cos": (lambda t: t.cos(), ("cos", {}), None),
    "log1p": (lambda t: t.log1p(), ("log1p", {}), lambda x: np.abs(x) - 0.7),
    "expm1": (lambda t: t.expm1(), ("expm1", {}), None),
    "erf": (lambda t: t.erf(), ("erf", {}), None),
    "abs": (lambda t: abs(t), ("abs", {}), lambda x: _away(x, [0])),
    "leaky_relu": (lambda t: F.leaky_relu(t, 0.2), ("nn.functional.leaky_relu", {"negative_slope": 0.2}),
                   lambda x: _away(x, [0])),
    "elu": (lambda t: F.elu(t, 1.3), ("nn.functional.elu", {"alpha": 1.3}), lambda x: _away(x, [0])),
    "gelu": (lambda t: F.gelu(t), ("nn.functional.gelu", {}), None),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"),
                  ("nn.functional.gelu", {"approximate": "tanh"}), None),
    "silu": (lambda t: F.silu(t), ("nn.functional.silu", {}), None),
    "softplus": (lambda t: F.softplus(t, beta=2.0, threshold=3.0),
                 ("nn.functional.softplus", {"beta": 2.0, "threshold": 3.0}),
                 lambda x: _away(x, [1.5])),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 1.5),
                 ("nn.functional.hardtanh", {"min_val": -0.5, "max_val": 1.5}),
                 lambda x: _away(x, [-0.5, 1.5])),
}


def _inputs(x, name):
    fix = CASES[name][2]
    return x if fix is None else fix(x)


@st.composite
def arrays(draw):
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4))
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(-2.5, 2.5, width=64)))


@pytest.mark.parametrize("name", sorted(CASES))
@given(x=arrays())
def test_first_and_second_order_gradients_match_finite_differences(name, x):
    t = Tensor(_inputs(x, name), requires_grad=True)
    fn = CASES[name][0]
    assert autograd.gradcheck(fn, [t])
    assert autograd.gradgradcheck(fn, [t])


def _torch_fn(torch, name):
    path, kwargs = CASES[name][1]
    fn = torch
    for part in path.split("."):
        fn = getattr(fn, part)
    return lambda t: fn(t, **kwargs)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_gradient_and_double_gradient_match_torch(name, dtype, tol, rng):
    torch = pytest.importorskip("torch")
    x = _inputs(rng.uniform(-3, 3, size=(4, 5)), name).astype(dtype)
    up = rng.normal(size=(4, 5)).astype(dtype)
    ours_x = Tensor(x, requires_grad=True)
    ours = CASES[name][0](ours_x)
    (g,) = autograd.grad(ours, [ours_x], grad_output=Tensor(up), create_graph=True)
    (gg,) = autograd.grad((g * g * ours_x).sum(), [ours_x])
    tx = torch.tensor(x, requires_grad=True)
    theirs = _torch_fn(torch, name)(tx)
    (tg,) = torch.autograd.grad(theirs, tx, torch.tensor(up), create_graph=True)
    (tgg,) = torch.autograd.grad((tg * tg * tx).sum(), tx)
    assert ours.dtype == dtype and g.dtype == dtype
    for a, b in ((ours, theirs), (g, tg), (gg, tgg)):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=tol, atol=tol)


# ---------------------------------------------------------------- worked numbers, kinks

def test_gelu_is_x_times_the_normal_cdf():
    for v in (-1.5, 0.0, 1.0, 2.0):
        cdf = 0.5 * (1 + math.erf(v / math.sqrt(2)))
        assert Value(v).gelu().data == pytest.approx(v * cdf, rel=1e-15, abs=1e-15)
    np.testing.assert_allclose(F.gelu(Tensor([1.0])).data, [0.8413447460685429], rtol=1e-15)


def test_numpy_erf_agrees_with_math_erf_to_float64_precision():
    x = np.linspace(-7, 7, 20001)
    ours = Tensor(x).erf().data
    np.testing.assert_allclose(ours, [math.erf(v) for v in x], rtol=0, atol=3e-15)
    assert Tensor(np.float32([0.5])).erf().dtype == np.float32


def test_softplus_is_stable_for_huge_inputs():
    x = Tensor([-1000.0, 0.0, 1000.0], requires_grad=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        y = F.softplus(x)
        y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, math.log(2.0), 1000.0])
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 1.0])
    assert Value(-1000.0).softplus().data == 0.0 and Value(1000.0).softplus().data == 1000.0


def test_elu_does_not_overflow_for_large_positive_inputs():
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        np.testing.assert_array_equal(F.elu(Tensor([1000.0, -1000.0])).data, [1000.0, -1.0])


@pytest.mark.parametrize("fn, at, slope", [
    (lambda t: abs(t), 0.0, 0.0),                          # torch: sign(0) = 0
    (lambda t: F.leaky_relu(t, 0.1), 0.0, 0.1),            # the leak at the kink
    (lambda t: F.elu(t, 2.0), 0.0, 2.0),                   # alpha * exp(0)
    (lambda t: F.hardtanh(t), 1.0, 0.0),                   # edges route nothing
    (lambda t: F.hardtanh(t), -1.0, 0.0),
    (lambda t: F.hardtanh(t), 0.999, 1.0),
])
def test_kinks_follow_torch(fn, at, slope):
    x = Tensor([at], requires_grad=True)
    fn(x).sum().backward()
    assert x.grad.data[0] == slope


def test_patterns_are_declared():
    x = Tensor([1.0, -2.0], requires_grad=True)
    assert F.leaky_relu(x).pattern is Pattern.LEAKY_ROUTER
    assert F.hardtanh(x).pattern is Pattern.ROUTER
    assert abs(x).pattern is Pattern.SIGNED_ROUTER
    assert x.square().pattern is Pattern.POWER and x.sin().pattern is Pattern.ELEMENTWISE


# ---------------------------------------------------------------- Value, steps and the CLI

SCALAR = ["sqrt", "square", "sin", "cos", "log1p", "expm1", "erf", "abs", "leaky_relu", "elu",
          "gelu", "silu", "softplus", "hardtanh"]


@pytest.mark.parametrize("name", SCALAR)
def test_value_and_tensor_agree(name):
    for v in (0.7, -0.4):
        if name == "sqrt" and v < 0:
            continue
        a = Value(v)
        y = getattr(a, name)()
        y.backward()
        t = Tensor([v], requires_grad=True)
        u = getattr(t, name)()
        u.sum().backward()
        assert y.data == pytest.approx(u.data[0], rel=1e-13, abs=1e-15)
        assert a.grad == pytest.approx(t.grad.data[0], rel=1e-13, abs=1e-15)
        assert y.op == name and name in parse.UNARY


def test_the_cli_parser_builds_the_new_functions():
    built = parse.build("gelu(x) + sqrt(y) * abs(z)", {"x": 1.0, "y": 4.0, "z": -3.0})
    assert built.root.data == pytest.approx(0.8413447460685429 + 6.0)
    step = next(s for s in autograd.backprop_steps(Value(-3.0).abs()) if s.op == "abs")
    assert step.pattern is Pattern.SIGNED_ROUTER and step.local == (-1.0,)


def test_value_gets_second_derivatives():
    x = Value(0.3)
    (g,) = autograd.grad(x.sin(), [x], create_graph=True)
    (gg,) = autograd.grad(g, [x])
    assert g.data == pytest.approx(math.cos(0.3)) and gg.data == pytest.approx(-math.sin(0.3))


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("call, kind, text", [
    (lambda: Value(-1.0).sqrt(), ValueError, "sqrt: undefined at x=-1.0"),
    (lambda: Value(-2.0).log1p(), ValueError, "log1p: undefined"),
    (lambda: F.gelu(Tensor([1.0]), approximate="fast"), ValueError, "approximate must be"),
    (lambda: F.hardtanh(Tensor([1.0]), 2.0, 1.0), ValueError, "min_val 2.0 is greater"),
    (lambda: F.softplus(Tensor([1.0]), beta=0), ValueError, "beta must be non-zero"),
    (lambda: F.leaky_relu(Tensor([1.0]), "0.1"), TypeError, "negative_slope must be a number"),
    (lambda: F.elu(Tensor([1.0]), None), TypeError, "alpha must be a number"),
    (lambda: nn.GELU("fast"), ValueError, "GELU: approximate"),
    (lambda: nn.Hardtanh(1.0, 0.0), ValueError, "Hardtanh: min_val"),
])
def test_bad_arguments_give_one_line_errors(call, kind, text):
    with pytest.raises(kind, match=text) as info:
        call()
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------- nn modules

MODULES = [
    (nn.LeakyReLU(0.3), lambda t: F.leaky_relu(t, 0.3), "LeakyReLU", {"negative_slope": 0.3}),
    (nn.ELU(0.5), lambda t: F.elu(t, 0.5), "ELU", {"alpha": 0.5}),
    (nn.GELU("tanh"), lambda t: F.gelu(t, "tanh"), "GELU", {"approximate": "tanh"}),
    (nn.SiLU(), F.silu, "SiLU", {}),
    (nn.Softplus(2.0, 5.0), lambda t: F.softplus(t, 2.0, 5.0), "Softplus", {"beta": 2.0, "threshold": 5.0}),
    (nn.Hardtanh(-2.0, 0.5), lambda t: F.hardtanh(t, -2.0, 0.5), "Hardtanh",
     {"min_val": -2.0, "max_val": 0.5}),
]


@pytest.mark.parametrize("module, fn, torch_name, kwargs", MODULES, ids=[m[2] for m in MODULES])
def test_modules_apply_their_function_and_match_torch(module, fn, torch_name, kwargs, rng):
    x = rng.normal(size=(3, 4)).astype(np.float32) * 3
    ours = module(Tensor(x))
    np.testing.assert_array_equal(ours.data, fn(Tensor(x)).data)
    assert ours.dtype == np.float32 and module.parameters() == []
    assert torch_name in repr(module)
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, torch_name)(**kwargs)(torch.tensor(x))
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, atol=1e-6)


def test_activation_names_make_the_new_modules():
    from nn.activation import activation
    assert isinstance(activation("gelu"), nn.GELU) and isinstance(activation("silu"), nn.SiLU)
    mlp = nn.MLP(3, [4, 2], activation="leaky_relu", dtype=np.float64)
    assert isinstance(mlp[1], nn.LeakyReLU) and mlp(Tensor(np.ones((2, 3)))).shape == (2, 2)


def test_every_new_unary_registry_op_is_checked_here():
    """A unary op added to the registry without a row in CASES fails here."""
    from autograd.core import registry
    older = {"exp", "log", "tanh", "sigmoid", "relu"}          # tests/test_tensor_grad.py
    assert set(registry.functions(1)) - older <= set(CASES)
