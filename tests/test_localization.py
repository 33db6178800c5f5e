"""Localization as a multi-task loss (demos/localization.py): two heads, one trunk, an adder."""

import numpy as np
import pytest

from demos import localization as loc


def test_place_puts_each_digit_inside_its_box():
    images = np.random.default_rng(0).random((20, 8, 8))
    x, _, boxes = loc.place(images, np.arange(20), np.random.default_rng(1))
    assert x.shape == (20, 1, 24, 24)
    for img, canvas, box in zip(images, x[:, 0], boxes):
        t, left, b, r = np.round(box * 24).astype(int)
        assert (b - t, r - left) == (8, 8)
        np.testing.assert_allclose(canvas[t:b, left:r], img, atol=1e-6)
        assert canvas.sum() == pytest.approx(img.sum(), rel=1e-5)    # nothing outside the box


def test_iou():
    a = np.array([[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1]], float)
    b = np.array([[0, 0, 2, 2], [1, 1, 3, 3], [2, 2, 3, 3]], float)
    np.testing.assert_allclose(loc.iou(a, b), [1.0, 1 / 7, 0.0])


def test_demo_quick_gradients_meet_at_the_shared_features(tmp_path):
    pytest.importorskip("sklearn")
    r = loc.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
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
    assert "shared features" in gv and "cross-entropy" in gv and "locate.weight" in gv
