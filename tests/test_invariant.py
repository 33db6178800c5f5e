"""nn.InvariantConv2d: filters in several orientations + max; the engine derives its backward."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import Tensor
from autograd import functional as F
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
    assert r["maps"].shape == (4, 4, 16, 16) and r["moved"] < 1e-12             # keep="all"
    assert (tmp_path / "invariant_conv_maps.svg").read_text().count("= r") == 4
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


# ---------------------------------------------------------------- keep="all": one map per transform

def test_keep_all_gives_one_map_per_filter_and_transform_in_the_lectures_order():
    rng = np.random.default_rng(4)
    layer = InvariantConv2d(2, 3, 3, padding=1, transforms="dihedral", keep="all", dtype=np.float64, rng=rng)
    x = rng.standard_normal((2, 2, 6, 6))
    y = layer(Tensor(x)).data
    assert y.shape == (2, 3 * 8, 6, 6)
    w, b = layer.weight.data, layer.bias.data
    m = 0
    for j in range(3):                                  # the lecture's loop: for j, for t, m += 1
        for _, turns, mirrored in nn.invariant.TRANSFORMS["dihedral"]:
            tw = np.rot90(w[j:j + 1, :, :, ::-1] if mirrored else w[j:j + 1], turns, axes=(2, 3))
            expected = F.conv2d(x, np.ascontiguousarray(tw), padding=1).data[:, 0] + b[j]
            np.testing.assert_allclose(y[:, m], expected, atol=1e-12)
            m += 1
    maxed = InvariantConv2d(2, 3, 3, padding=1, transforms="dihedral", dtype=np.float64, rng=rng)
    maxed.weight.data, maxed.bias.data = w, b
    np.testing.assert_allclose(maxed(Tensor(x)).data, y.reshape(2, 3, 8, 6, 6).max(axis=2), atol=1e-12)


def test_keep_all_turning_the_input_turns_each_map_and_moves_it_one_orientation_on():
    rng = np.random.default_rng(5)
    layer = InvariantConv2d(1, 2, 3, padding=1, keep="all", dtype=np.float64, rng=rng)
    x = rng.standard_normal((1, 1, 7, 7))
    maps = layer(Tensor(x)).data.reshape(1, 2, 4, 7, 7)
    turned = layer(Tensor(np.ascontiguousarray(np.rot90(x, axes=(2, 3))))).data.reshape(1, 2, 4, 7, 7)
    np.testing.assert_allclose(turned, np.rot90(np.roll(maps, 1, axis=2), axes=(3, 4)), atol=1e-12)


def test_keep_all_gradchecks_and_is_named():
    rng = np.random.default_rng(6)
    layer = InvariantConv2d(2, 2, 2, keep="all", dtype=np.float64, rng=rng)
    x = Tensor(rng.standard_normal((1, 2, 4, 4)), requires_grad=True)
    assert autograd.gradcheck(lambda x, w, b: layer(x), [x, layer.weight, layer.bias])
    assert "keep='all'" in repr(layer) and "keep" not in repr(InvariantConv2d(1, 1, 3))
    with pytest.raises(ValueError, match="keep must be 'max' or 'all'"):
        InvariantConv2d(1, 1, 3, keep="mean")
    assert nn.summary(nn.Sequential(layer), (1, 2, 4, 4), run=False).rows[0].output_shape == (1, 8, 3, 3)


# ---------------------------------------------------------------- rot45: the lecture's 45-degree turns

def test_rotation_matrix_is_bilinear_turning_and_exact_at_quarter_turns():
    w = np.random.default_rng(8).standard_normal((2, 3, 5, 5))
    for quarter in range(4):
        np.testing.assert_array_equal(nn.invariant.rotate(Tensor(w), 90 * quarter).data,
                                      np.rot90(w, quarter, axes=(2, 3)))
    # a 45-degree turn reads the filter bilinearly, 0 outside: what nn.transforms.affine does to images
    turned = nn.invariant.rotate(Tensor(w), 45).data
    np.testing.assert_allclose(turned, nn.transforms.affine(w, angle=45), atol=1e-12)


def test_rot45_bank_turning_the_input_by_90_moves_each_map_two_turns_on():
    rng = np.random.default_rng(9)
    layer = InvariantConv2d(1, 2, 3, padding=1, transforms="rot45", keep="all", dtype=np.float64, rng=rng)
    assert layer.num_transforms == 8 and layer.num_parameters() == 2 * 9 + 2
    x = rng.standard_normal((1, 1, 7, 7))
    maps = layer(Tensor(x)).data.reshape(1, 2, 8, 7, 7)
    turned = layer(Tensor(np.ascontiguousarray(np.rot90(x, axes=(2, 3))))).data.reshape(1, 2, 8, 7, 7)
    np.testing.assert_allclose(turned, np.rot90(np.roll(maps, 2, axis=2), axes=(3, 4)), atol=1e-12)
    x64 = Tensor(rng.standard_normal((1, 1, 4, 4)), requires_grad=True)
    assert autograd.gradcheck(lambda x, w: layer(x), [x64, layer.weight])
