"""nn.InvariantConv2d: filters in several orientations + max; the engine derives its backward."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from demos import invariant_conv
from nn.invariant import InvariantConv2d, flip, rot90, transformed


@pytest.mark.parametrize("times", [0, 1, 2, 3, 5, -1])
def test_rot90_and_flip_match_numpy(times):
    w = np.arange(2 * 3 * 4 * 4.0).reshape(2, 3, 4, 4)
    assert np.array_equal(rot90(Tensor(w), times).data, np.rot90(w, times, axes=(2, 3)))
    assert np.array_equal(flip(Tensor(w)).data, w[..., ::-1])


def test_the_bank_holds_the_eight_symmetries_once_each():
    w = np.random.default_rng(0).standard_normal((1, 1, 3, 3))
    bank = [c.data if isinstance(c, Tensor) else c for c in transformed(Tensor(w), "dihedral")]
    flat = {tuple(np.round(b.ravel(), 12)) for b in bank}
    assert len(bank) == len(flat) == 8


@settings(max_examples=20, deadline=None)
@given(size=st.integers(5, 9), k=st.sampled_from([1, 2, 3, 4]), pad=st.integers(0, 2),
       kind=st.sampled_from(["rot90", "dihedral"]), seed=st.integers(0, 99))
def test_turning_the_input_turns_the_output(size, k, pad, kind, seed):
    rng = np.random.default_rng(seed)
    layer = InvariantConv2d(2, 3, k, padding=pad, transforms=kind, dtype=np.float64, rng=rng)
    x = rng.standard_normal((2, 2, size, size))
    y = layer(Tensor(x)).data
    turned = layer(Tensor(np.ascontiguousarray(np.rot90(x, axes=(2, 3))))).data
    np.testing.assert_allclose(turned, np.rot90(y, axes=(2, 3)), atol=1e-12)
    mirrored = layer(Tensor(np.ascontiguousarray(x[..., ::-1]))).data
    if kind == "dihedral":
        np.testing.assert_allclose(mirrored, y[..., ::-1], atol=1e-12)
    else:                             # 4 rotations alone do not cover mirror images
        assert np.abs(mirrored - y[..., ::-1]).max() > 1e-6 or k == 1


@pytest.mark.parametrize("kind", ["rot90", "dihedral"])
def test_gradcheck_and_gradgradcheck(kind):
    rng = np.random.default_rng(3)
    layer = InvariantConv2d(2, 2, 3, padding=1, transforms=kind, dtype=np.float64, rng=rng)
    x = Tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    inputs = [x, layer.weight, layer.bias]
    assert autograd.gradcheck(lambda x, w, b: layer(x), inputs)
    assert autograd.gradgradcheck(lambda x, w, b: (layer(x) ** 2).sum(), inputs)


def test_demo_invariance_router_and_adder(tmp_path):
    r = invariant_conv.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
    assert r["invariant"] < 1e-12 < 0.01 < r["plain"]           # plain conv is not invariant
    assert all(r["gradcheck"].values())
    assert r["share"].sum() == pytest.approx(1.0) and (r["share"] > 0).sum() >= 2
    assert r["summed"] < 1e-12
    assert (tmp_path / "invariant_conv.svg").exists()
    gv = (tmp_path / "invariant_conv_graph.gv").read_text()
    assert gv.count("transpose") >= 6 and "concat" in gv and "max" in gv


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="kernel_size must be square"):
        InvariantConv2d(1, 1, (3, 2))
    with pytest.raises(ValueError, match="transforms must be one of"):
        InvariantConv2d(1, 1, 3, transforms="scale")
    with pytest.raises(ValueError, match="out_channels must be a positive int"):
        InvariantConv2d(1, 0, 3)
    with pytest.raises(ValueError, match=r"expected input \(N, 2, H, W\), got shape \(1, 3, 5, 5\)"):
        InvariantConv2d(2, 1, 3)(Tensor(np.zeros((1, 3, 5, 5))))


def test_exported_and_counted():
    layer = nn.InvariantConv2d(3, 4, 5)
    assert layer.num_parameters() == 4 * 3 * 25 + 4              # 4 filters, not 16: copies share
    assert "transforms='rot90'" in repr(layer)
