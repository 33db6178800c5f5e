"""nn.fit / output_size / summary and the classic architectures: the lectures' layer arithmetic."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import nn
from autograd import functional as F
from demos import layer_arithmetic


def test_the_7x7_input_under_a_3x3_filter():
    assert nn.output_size(7, 3) == 5
    assert nn.output_size(7, 3, stride=2) == 3
    assert nn.output_size(7, 3, padding=1) == 7
    assert nn.fit(7, 3, stride=3) == (2, 1)                        # the slide's "doesn't fit"
    with pytest.raises(ValueError, match="leaves the last 1 column unused"):
        nn.output_size(7, 3, stride=3, exact=True)
    assert nn.output_size(7, 3, stride=2, exact=True) == 3


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2))
def test_fit_matches_conv2d_and_counts_the_unvisited_pixels(n, k, s, p, d):
    span = d * (k - 1) + 1
    if span > n + 2 * p:
        with pytest.raises(ValueError, match="does not fit"):
            nn.fit(n, k, s, p, d)
        return
    size, left = nn.fit(n, k, s, p, d)
    out = F.conv2d(np.zeros((1, 1, n, n)), np.zeros((1, 1, k, k)), stride=s, padding=p, dilation=d)
    assert out.shape[-1] == size
    # the last window ends at (size-1) s + span; everything after it is left over
    assert (size - 1) * s + span + left == n + 2 * p and 0 <= left < s


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_fit_names_a_bad_argument(bad):
    with pytest.raises(ValueError, match="fit: stride must be a positive int"):
        nn.fit(7, 3, stride=bad)


def test_summary_lists_shapes_parameters_and_leftover_pixels():
    model = nn.Sequential(nn.Conv2d(1, 2, 3, stride=3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(2, 4))
    s = nn.summary(model, (1, 1, 7, 7))
    assert [r.output_shape for r in s.rows] == [(1, 2, 2, 2), (1, 2, 2, 2), (1, 2, 1, 1), (1, 2), (1, 4)]
    assert [r.parameters for r in s.rows] == [2 * 9 + 2, 0, 0, 0, 2 * 4 + 4]
    assert s.total == 32 == model.num_parameters()
    assert s.rows[0].note == "last 1 row of 7 left over; last 1 column of 7 left over"
    assert all(r.note == "" for r in s.rows[1:])
    text = str(s)
    assert "0 (Conv2d)" in text and "! last 1 row" in text and "total parameters: 32" in text
    assert "forward" not in vars(model[0])                        # the watcher is removed


def test_summary_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"expected an nn\.Module"):
        nn.summary(lambda x: x, (1, 1, 4, 4))
    with pytest.raises(ValueError, match="input_shape must be positive ints"):
        nn.summary(nn.ReLU(), (1, 0, 4))
    model = nn.LeNet5()
    with pytest.raises(ValueError, match="LeNet5: expects input"):
        nn.summary(model, (1, 1, 28, 28))
    assert all("forward" not in vars(m) for m in model.modules())  # cleaned up after an error


def test_lecture_numbers_from_the_demo():
    r = layer_arithmetic.main(["--quick"], log=lambda *a: None)
    assert [row[2:] for row in r["7x7"]] == [(5, 0), (3, 0), (2, 1), (7, 0)]
    assert r["stack"] == [(1, 6, 28, 28), (1, 10, 24, 24)]
    assert r["pad2"] == ((1, 10, 32, 32), 760)
    assert r["big"] == ((1, 400, 89, 89), 3_168_400)
    assert r["1x1"][0] == 2_080 and r["1x1"][1] < 1e-12
    assert r["fc"] < 1e-12
    params, _, rows = r["AlexNet"]
    assert params == 61_100_840
    convs = [r.output_shape for r in rows if r.kind == "Conv2d"]
    assert convs == [(1, 64, 55, 55), (1, 192, 27, 27), (1, 384, 13, 13), (1, 256, 13, 13),
                     (1, 256, 13, 13)]
    assert rows[-1].output_shape == (1, 1000)
    assert rows[0].note == "last 1 row of 224 left over; last 1 column of 224 left over"


def test_classic_models_check_their_input():
    model = nn.AlexNet(num_classes=10, dtype=np.float32)
    with pytest.raises(ValueError, match=r"AlexNet: expects input \(N, 3, 224, 224\)"):
        model(autograd.Tensor(np.zeros((1, 3, 227, 227), np.float32)))


@pytest.mark.slow
def test_vgg16_has_torchvisions_138_million_parameters():
    assert nn.VGG16().num_parameters() == 138_357_544     # the demo's full mode runs it too


def test_classic_layouts_match_torchvision():
    torchvision = pytest.importorskip("torchvision")
    for ours, theirs in ((nn.AlexNet, torchvision.models.alexnet), (nn.VGG16, torchvision.models.vgg16)):
        t = theirs(weights=None)
        shapes = [tuple(p.shape) for p in t.parameters()]
        assert [p.shape for p in ours().parameters()] == shapes
