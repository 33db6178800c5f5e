"""Localization as a multi-task loss (demos/localization.py): the lecture's two output layers on
the flatten layer (10 classes, 8 corner coordinates), a weighted sum of CE and L2, one adder."""

import numpy as np
import pytest

from autograd import Tensor
from demos import localization as loc


def test_place_puts_each_digit_inside_its_four_corners():
    images = np.random.default_rng(0).random((20, 8, 8))
    x, _, corners = loc.place(images, np.arange(20), np.random.default_rng(1))
    assert x.shape == (20, 1, 24, 24) and corners.shape == (20, 8)
    for img, canvas, c in zip(images, x[:, 0], corners):
        (x1, y1), (x2, y2), (x3, y3), (x4, y4) = np.round(c.reshape(4, 2) * 24).astype(int)
        assert (y1, x2, y3, x4) == (y2, x3, y4, x1)                  # TL, TR, BR, BL of a rectangle
        assert (x2 - x1, y4 - y1) == (8, 8)
        np.testing.assert_allclose(canvas[y1:y4, x1:x2], img, atol=1e-6)
        assert canvas.sum() == pytest.approx(img.sum(), rel=1e-5)    # nothing outside the box


def test_corners_to_box_and_iou():
    corners = np.array([[0, 0, 2, 0, 2, 2, 0, 2], [1, 1, 3, 1, 3, 3, 1, 3.0]])
    np.testing.assert_allclose(loc.corners_to_box(corners), [[0, 0, 2, 2], [1, 1, 3, 3]])
    a = np.array([[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1]], float)
    b = np.array([[0, 0, 2, 2], [1, 1, 3, 3], [2, 2, 3, 3]], float)
    np.testing.assert_allclose(loc.iou(a, b), [1.0, 1 / 7, 0.0])


def test_the_loss_is_the_weighted_sum_of_cross_entropy_and_l2_over_eight_coordinates():
    rng = np.random.default_rng(2)
    x, labels, corners = loc.place(rng.random((5, 8, 8)), np.arange(5), rng)
    model = loc.Localizer(dtype=np.float64)
    _, ce, box = loc.losses(model, Tensor(x), labels, corners, (2.0, 3.0))
    features, scores, predicted = model(Tensor(x))
    assert features.shape == (5, 64 * 6 * 6) and scores.shape == (5, 10) and predicted.shape == (5, 8)
    s = scores.data - scores.data.max(axis=1, keepdims=True)
    by_hand_ce = np.mean(np.log(np.exp(s).sum(axis=1)) - s[np.arange(5), labels])
    by_hand_l2 = np.mean(((predicted.data - corners) ** 2).sum(axis=1))
    assert ce.item() == pytest.approx(2.0 * by_hand_ce) and box.item() == pytest.approx(3.0 * by_hand_l2)
    with pytest.raises(ValueError, match="class_from must be 'flatten' or 'max'"):
        loc.Localizer("mean")


@pytest.mark.parametrize("class_from", ["flatten", pytest.param("max", marks=pytest.mark.slow)])
def test_demo_quick_gradients_meet_at_the_shared_features(tmp_path, class_from):
    pytest.importorskip("sklearn")
    r = loc.main(["--quick", "--class-from", class_from, "--out", str(tmp_path)], log=lambda *a: None)
    for when in ("before", "after"):
        m = r[when]
        assert m["ce"] > 0 and m["l2"] > 0 and m["sum_error"] <= 1e-6 * (m["ce"] + m["l2"])
    step = r["step"]
    assert step is not None and (step.op, step.pattern) == ("copy", "adder")
    assert len(step.upstream) == 2
    np.testing.assert_allclose(np.asarray(step.downstream[0]),
                               np.asarray(step.upstream[0]) + np.asarray(step.upstream[1]), rtol=1e-6)
    assert r["iou"] > 0.3                                     # the box head learns within 2 epochs
    gv = (tmp_path / "localization_graph.gv").read_text()
    assert "shared features" in gv and "1 x cross-entropy" in gv and "locate.weight" in gv
