"""Receptive fields marked by backprop agree with 1 + sum (k - 1) * jump (demos/receptive_field.py)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from demos import receptive_field as rf


def test_lenet5_fields_are_5_6_14_16():
    nn.manual_seed(0)
    fields = rf.receptive_fields(nn.LeNet5(dtype=np.float64))
    sizes = {name: box[2:] for name, (box, filled, size, g) in fields.items()}
    assert sizes == {"conv1": (5, 5), "pool1": (6, 6), "conv2": (14, 14), "pool2": (16, 16)}
    assert all(filled for _, filled, _, _ in fields.values())
    assert [fields[n][2] for n in rf.LAYERS] == [5, 6, 14, 16]
    # a corner of conv2's field is reached by one path through each of the 6 channels, and
    # the avg-pool between divides by 4
    g = fields["conv2"][3]
    top, left = fields["conv2"][0][:2]
    assert g[top, left] == pytest.approx(6 * 1 / 4)


@settings(max_examples=25, deadline=None)
@given(layers=st.lists(st.tuples(st.sampled_from(["conv", "pool"]), st.integers(1, 4), st.integers(1, 2)),
                       min_size=1, max_size=4))
def test_backprop_field_matches_the_formula_for_any_stack(layers):
    mods, jump, size = {}, 1, 1
    for i, (kind, k, s) in enumerate(layers):
        mods[f"l{i}"] = nn.Conv2d(1, 1, k, stride=s) if kind == "conv" else nn.MaxPool2d(k, stride=s)
        size += (k - 1) * jump
        jump *= s
        if size > 20:
            return
    model = nn.Sequential(**mods)
    x = np.ones((1, 1, 24, 24))
    probe = rf.opened(model)
    last = f"l{len(layers) - 1}"
    box, filled = rf.support(rf.unit_gradients(probe, x, last, channel=0)[0])
    assert box[2:] == (size, size) == (rf.formula(model, last),) * 2
    # the offsets a unit reaches, as a set: a stride longer than the field so far leaves holes
    reach, jump = {0}, 1
    for _, k, s in layers:
        reach = {r + jump * t for r in reach for t in range(k)}
        jump *= s
    assert filled == (len(reach) == size)


def test_formula_names_an_unknown_layer():
    with pytest.raises(ValueError, match="no layer named 'fc9'"):
        rf.formula(nn.LeNet5(), "fc9")


def test_demo_quick_draws_and_finds_a_centred_effective_field(tmp_path):
    pytest.importorskip("sklearn")
    out = rf.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
    assert out["erf_outside"] == 0.0                    # nothing outside the 16x16 field
    assert out["erf_share"] > 0.4                       # a uniform field would put 25% in the middle
    svg = (tmp_path / "receptive_field.svg").read_text()
    assert svg.count("<text") == 1 + 6 * 2 - 1           # title + two caption lines per panel (digit: 1)
