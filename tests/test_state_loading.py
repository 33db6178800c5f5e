"""nn/state.py: Module.load_state_dict refuses exactly what Module.load refuses, and is all or
nothing. Each case is loaded both ways, from an .npz file and from a dict, and must give the
same reason; the model must be unchanged after either refusal."""

import numpy as np
import pytest

import nn
from autograd import Tensor

BAD = {
    "complex": np.ones((3, 2), np.complex128),
    "string": np.full((3, 2), "ab"),
    "bytes": np.full((3, 2), b"ab"),
    "bool": np.ones((3, 2), bool),
    "int": np.ones((3, 2), np.int64),
    "datetime": np.full((3, 2), np.datetime64("2020-01-01")),
    "object": np.full((3, 2), None, dtype=object),
    "nan": np.full((3, 2), np.nan),
    "inf": np.full((3, 2), -np.inf, np.float32),
    "1e300": np.full((3, 2), 1e300),       # becomes inf in the layer's float32
    "shape": np.ones((2, 3)),
}


def snapshot(m):
    return {k: v.copy() for k, v in m.state_dict().items()}


def unchanged(m, before):
    return all(np.array_equal(a, m.state_dict()[k], equal_nan=True) for k, a in before.items())


def from_file(tmp_path, layer, state):
    path = tmp_path / "w.npz"
    np.savez(path, **state)   # numpy's own writer: nn.save would refuse most of these
    with pytest.raises((ValueError, KeyError)) as e:
        layer.load(path)
    return str(e.value).split(f"load: {path}", 1)[1]


def from_dict(layer, state):
    with pytest.raises((ValueError, KeyError)) as e:
        layer.load_state_dict(state)
    return str(e.value).split("load_state_dict: Linear", 1)[1]


@pytest.mark.parametrize("kind", list(BAD))
def test_load_state_dict_refuses_what_load_refuses_for_the_same_reason(tmp_path, kind):
    layer = nn.Linear(2, 3)
    before = snapshot(layer)
    good_bias = np.full(3, 7.0, np.float32)
    state = {"bias": good_bias, "weight": BAD[kind]}   # the good value first: nothing may stay
    why_file, why_dict = from_file(tmp_path, layer, state), from_dict(layer, state)
    assert unchanged(layer, before)
    # ", member 'weight' has dtype ..." and ": 'weight' has dtype ...": the same reason
    assert why_file.replace(", member 'weight'", "").replace(": shape", ": shape") == \
        why_dict.replace(": 'weight'", ""), (why_file, why_dict)


def test_every_value_is_checked_before_any_is_assigned():
    """A bad later key left the model half-loaded, although the docstring promised otherwise."""
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1))
    before = snapshot(net)
    state = {k: np.full(v.shape, 0.5, v.dtype) for k, v in before.items()}
    state["2.bias"] = np.array([np.inf])
    with pytest.raises(ValueError, match=r"^load_state_dict: Sequential: '2\.bias' holds NaN or inf"):
        net.load_state_dict(state)
    assert unchanged(net, before)
    del state["2.bias"]
    with pytest.raises(KeyError):
        net.load_state_dict(state)
    assert unchanged(net, before)
    net.load_state_dict(state, strict=False)
    loaded = net.state_dict()
    assert all(np.array_equal(loaded[k], v) for k, v in state.items())
    assert np.array_equal(loaded["2.bias"], before["2.bias"])


@pytest.mark.parametrize("buffer, value, why", [
    ("running_var", -1.0, "holds -1.0, but a running var is never negative"),
    ("running_var", np.nan, "holds NaN or inf values"),
    ("running_mean", np.nan, "holds NaN or inf values"),
    ("num_batches_tracked", -3, "holds -3, but a num batches tracked is never negative"),
])
def test_batchnorm_buffers_are_checked_both_ways(tmp_path, buffer, value, why):
    bn = nn.BatchNorm1d(2)
    before = snapshot(bn)
    state = snapshot(bn)
    state[buffer] = np.full_like(state[buffer], value, dtype=state[buffer].dtype
                                 if buffer == "num_batches_tracked" else np.float32)
    path = tmp_path / "bn.npz"
    np.savez(path, **state)
    with pytest.raises(ValueError) as e:
        bn.load(path)
    assert str(e.value).startswith(f"load: {path}, member '{buffer}' {why}")
    with pytest.raises(ValueError) as e:
        bn.load_state_dict(state)
    assert str(e.value).startswith(f"load_state_dict: BatchNorm1d: '{buffer}' {why}")
    assert unchanged(bn, before)


def test_values_load_cast_and_copied_from_arrays_tensors_and_lists():
    layer = nn.Linear(2, 3)
    w = np.arange(6.0).reshape(3, 2)                       # float64 into float32
    layer.load_state_dict({"weight": Tensor(w), "bias": [1.0, 2.0, 3.0]})
    assert layer.weight.data.dtype == np.float32 and np.array_equal(layer.weight.data, w)
    w[0, 0] = 99.0
    assert layer.weight.data[0, 0] == 0.0                  # a copy, not a view
    layer.load_state_dict({"weight": np.full((3, 2), np.nan), "bias": np.zeros(3)}, allow_nonfinite=True)
    assert np.isnan(layer.weight.data).all()
    with pytest.raises(ValueError, match=r"^load_state_dict: Linear: 'weight' is not an array \("):
        layer.load_state_dict({"weight": [[1.0, 2.0], [3.0]], "bias": np.zeros(3)})


@pytest.mark.parametrize("dtype", ["complex64", "int64", "bool", "bfloat16", "int8", "float8_e4m3fn"])
def test_torch_tensors_of_other_dtypes_are_refused(dtype):
    torch = pytest.importorskip("torch")
    if not hasattr(torch, dtype):
        pytest.skip(f"torch has no {dtype}")
    layer = nn.Linear(2, 3)
    before = snapshot(layer)
    weight = torch.ones(3, 2).to(getattr(torch, dtype))
    with pytest.raises(ValueError) as e:
        layer.load_state_dict({"weight": weight, "bias": torch.zeros(3)})
    assert str(e.value).startswith("load_state_dict: Linear: 'weight' has dtype ")
    assert str(e.value).endswith(", expected a real float array")
    assert unchanged(layer, before)
    layer.load_state_dict({"weight": torch.ones(3, 2, dtype=torch.float64), "bias": torch.zeros(3)})
    assert layer.weight.data.dtype == np.float32 and np.all(layer.weight.data == 1)
