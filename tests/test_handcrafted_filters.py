"""Hand-crafted masks (demos/handcrafted_filters.py): the lecture's masks and what they detect."""

import numpy as np
import pytest

from demos import handcrafted_filters as hf


def test_robinson_masks_include_the_lectures_south_west_and_north_east():
    masks = hf.robinson()
    assert masks["SW"].tolist() == [[2, 1, 0], [1, 0, -1], [0, -1, -2]]
    assert masks["NE"].tolist() == [[-2, -1, 0], [-1, 0, 1], [0, 1, 2]]
    assert len({m.tobytes() for m in masks.values()}) == 8
    names = hf.DIRECTIONS
    for k, name in enumerate(names):      # two steps of 45 degrees are a quarter turn
        np.testing.assert_array_equal(masks[names[(k + 2) % 8]], np.rot90(masks[name]))
        np.testing.assert_array_equal(masks[names[(k + 4) % 8]], -masks[name])


def test_sobel_finds_a_step_edge_with_weight_1_2_1():
    step = np.zeros((1, 1, 8, 8))
    step[..., 4:] = 1.0                                          # dark left, bright right
    maps = hf.feature_maps(step, hf.SOBEL)
    v, h = maps["sobel vertical"], maps["sobel horizontal"]
    assert v[2:6, 3].tolist() == v[2:6, 4].tolist() == [4.0] * 4    # 1 + 2 + 1 across the edge
    assert np.all(v[1:7, 1:3] == 0) and np.all(v[1:7, 5:7] == 0)
    assert np.all(h[1:7, :] == 0)                                   # nothing changes downwards


def test_compass_responses_turn_with_the_image():
    x = np.random.default_rng(0).random((1, 1, 9, 9))
    masks = hf.robinson()
    a = hf.feature_maps(x, masks)
    b = hf.feature_maps(np.ascontiguousarray(np.rot90(x, axes=(2, 3))), masks)
    for k, name in enumerate(hf.DIRECTIONS):
        np.testing.assert_allclose(b[hf.DIRECTIONS[(k + 2) % 8]], np.rot90(a[name]), atol=1e-12)


def test_demo_quick_draws_masks_and_learned_filters(tmp_path):
    pytest.importorskip("sklearn")
    r = hf.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
    assert r["learned"].shape == (6, 5, 5) and len(r["maps"]) == 10
    svg = (tmp_path / "handcrafted_filters.svg").read_text()
    assert svg.count("learned filter") == 6 and "robinson NE" in svg
