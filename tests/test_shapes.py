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


def test_demo_shows_the_lecture_alexnet_and_the_slides_stride_slip():
    r = layer_arithmetic.main(["--quick"], log=lambda *a: None)
    params, seconds, rows = r["AlexNet lecture"]
    assert params == 60_965_224 and seconds is None
    assert next(r.output_shape for r in rows if r.kind == "Conv2d") == (1, 96, 55, 55)
    assert [r.output_shape for r in rows if r.kind == "Flatten"] == [(1, 9216)]
    assert r["conv2 stride 2"][0] == (1, 256, 14, 14) and r["conv2 stride 2"][-1] == (1, 1024)


def test_classic_models_check_their_input():
    with nn.meta():
        model = nn.AlexNet(num_classes=10, dtype=np.float32)
    with pytest.raises(ValueError, match=r"AlexNet: expects input \(N, 3, 224, 224\)"):
        model(autograd.Tensor(np.zeros((1, 3, 227, 227), np.float32)))


# ---------------------------------------------------------------- summary(run=False)

def run_and_shape_rows(model, shape):
    ran = nn.summary(model, shape).rows
    shaped = nn.summary(model, shape, run=False).rows
    return ran, shaped


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 11), k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2),
       d=st.integers(1, 2), g=st.sampled_from([1, 2]), ceil=st.booleans(), same=st.booleans())
def test_shape_rules_equal_the_layers_run_on_zeros(n, k, s, p, d, g, ceil, same):
    span = d * (k - 1) + 1
    if span > n + 2 * p or p > span // 2:
        return
    layers = [nn.Conv2d(2, 4, k, stride=s, padding=p, dilation=d, groups=g, dtype=np.float64),
              nn.MaxPool2d(k, stride=s, padding=p, dilation=d, ceil_mode=ceil),
              nn.AvgPool2d(k, stride=s, padding=p, ceil_mode=ceil),
              nn.ConvTranspose2d(2, 4, k, stride=s, padding=min(p, k - 1), dilation=d, groups=g,
                                 output_padding=(s - 1 if s > 1 and d > 1 else 0), dtype=np.float64),
              nn.InvariantConv2d(2, 3, k, stride=s, padding=p, keep="all" if same else "max")]
    if same:
        layers.append(nn.Conv2d(2, 3, k, padding="same", dilation=d, dtype=np.float64))
    for layer in layers:
        if isinstance(layer, nn.AvgPool2d) and d > 1:
            continue
        ran, shaped = run_and_shape_rows(nn.Sequential(layer), (1, 2, n, n + 1))
        assert ran == shaped, layer


@pytest.mark.parametrize("layer, shape", [
    (nn.AdaptiveAvgPool2d((3, None)), (2, 3, 7, 5)), (nn.AdaptiveAvgPool2d(1), (2, 3, 7, 5)),
    (nn.Flatten(), (2, 3, 4, 5)), (nn.Flatten(1, 2), (2, 3, 4, 5)), (nn.Linear(5, 2), (2, 3, 5)),
    (nn.Conv1d(3, 4, 3, stride=2, padding=1), (2, 3, 9)), (nn.Conv1d(3, 4, 3, padding="same"), (2, 3, 9)),
    (nn.BatchNorm2d(3), (2, 3, 4, 4)), (nn.BatchNorm1d(3), (2, 3)), (nn.LayerNorm(4), (2, 3, 4)),
    (nn.Softmax(), (2, 5)), (nn.Dropout(), (2, 5)), (nn.GELU(), (2, 5)),
    (nn.DenseBlock(2, 3, 2), (1, 2, 5, 5)), (nn.ResidualBlock(2, 4, stride=2), (1, 2, 6, 6)),
    (nn.LeNet5(), (1, 1, 32, 32)), (nn.ResNet((1, 1), (4, 8)), (1, 3, 8, 8)),
])
def test_shape_path_equals_the_run_path(layer, shape):
    ran, shaped = run_and_shape_rows(nn.Sequential(layer) if not layer.children() else layer, shape)
    assert ran == shaped


def test_shape_path_names_what_it_cannot_follow():
    class Twice(nn.Module):
        def __init__(self):
            self.conv = nn.Conv2d(1, 1, 1)

        def forward(self, x):
            return self.conv(x) + self.conv(x)

    with pytest.raises(ValueError, match=r"no shape rule for Twice; give it an output_shape"):
        nn.summary(Twice(), (1, 1, 3, 3), run=False)
    with pytest.raises(ValueError, match=r"Conv2d: expected input \(N, C=2, H, W\), got shape \(1, 3, 4, 4"):
        nn.summary(nn.Sequential(nn.Conv2d(2, 1, 1)), (1, 3, 4, 4), run=False)
    with pytest.raises(ValueError, match=r"Linear\(4, 2\): input has shape \(1, 3\)"):
        nn.summary(nn.Sequential(nn.Linear(4, 2)), (1, 3), run=False)


def test_meta_models_count_without_memory_and_refuse_training():
    with nn.meta():
        layer = nn.Linear(1000, 1000)
        conv = nn.Conv2d(3, 8, 3)
    plain = nn.Linear(2, 2)
    assert layer.num_parameters() == 1_001_000
    assert all(nn.init.is_placeholder(p.data) and p.data.base.nbytes <= 8 for p in layer.parameters())
    assert not any(nn.init.is_placeholder(p.data) for p in plain.parameters())
    assert nn.summary(nn.Sequential(conv), (1, 3, 5, 5)).rows[0].output_shape == (1, 8, 3, 3)  # runs, zeros
    with pytest.raises(ValueError, match=r"SGD: parameter 0 \(1000, 1000\) is a placeholder"):
        nn.optim.SGD(layer.parameters(), lr=0.1)
