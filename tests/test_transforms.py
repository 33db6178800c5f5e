"""nn.transforms: numpy-only shifts, rotations and scalings for data augmentation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from demos import augmentation, train_lenet
from nn.transforms import RandomAffine, affine


def images(seed=0, shape=(3, 2, 9, 9)):
    return np.random.default_rng(seed).random(shape).astype(np.float32)


def test_identity_and_quarter_turns_are_exact():
    x = images()
    np.testing.assert_array_equal(affine(x), x)
    for k in range(4):                                     # counter-clockwise, like np.rot90
        np.testing.assert_allclose(affine(x, angle=90 * k), np.rot90(x, k, axes=(2, 3)), atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(dr=st.integers(-4, 4), dc=st.integers(-4, 4), h=st.integers(5, 10), w=st.integers(5, 10))
def test_integer_shifts_move_pixels_and_fill_with_zero(dr, dc, h, w):
    x = images(1, (2, 1, h, w))
    ref = np.zeros_like(x)
    src = x[:, :, max(0, -dr):h - max(0, dr), max(0, -dc):w - max(0, dc)]
    ref[:, :, max(0, dr):max(0, dr) + src.shape[2], max(0, dc):max(0, dc) + src.shape[3]] = src
    np.testing.assert_allclose(affine(x, shift=(dr, dc)), ref, atol=1e-6)


def test_scaling_about_the_centre():
    x = np.zeros((1, 1, 9, 9))
    x[0, 0, 4, 6] = 1.0                                    # 2 right of the centre pixel (4, 4)
    y = affine(x, scale=2.0)
    assert y[0, 0, 4, 8] == pytest.approx(1.0)             # now 4 right of it
    assert y[0, 0, 4, 6] == 0.0
    assert affine(x, scale=0.5)[0, 0, 4, 5] == pytest.approx(1.0)
    assert affine(x, scale=2 / 3)[0, 0, 4, 5] == pytest.approx(0.5)   # from 1.5 right: interpolated


@settings(max_examples=30, deadline=None)
@given(angle=st.floats(-30, 30), scale=st.floats(0.7, 1.4), sr=st.floats(-3, 3), sc=st.floats(-3, 3))
def test_output_is_a_convex_mix_of_input_and_zero(angle, scale, sr, sc):
    x = images(2)
    y = affine(x, angle, scale, (sr, sc))
    assert y.shape == x.shape and y.dtype == x.dtype
    assert y.min() >= -1e-6 and y.max() <= x.max() + 1e-6


def test_per_image_parameters_and_a_seeded_stream():
    x = np.repeat(images(3, (1, 1, 8, 8)), 2, axis=0)
    y = affine(x, angle=[0, 90])
    np.testing.assert_array_equal(y[0], x[0])
    np.testing.assert_allclose(y[1], np.rot90(x[1], axes=(1, 2)), atol=1e-6)
    a, b = RandomAffine(seed=5)(x), RandomAffine(seed=5)(x)
    np.testing.assert_array_equal(a, b)
    aug = RandomAffine(seed=5)
    assert not np.array_equal(aug(x), aug(x))             # a new draw every call
    assert not np.array_equal(a[0], a[1])                 # and for every image


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match=r"affine: expected images \(N, C, H, W\)"):
        affine(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="scale must be positive"):
        affine(images(), scale=0)
    with pytest.raises(ValueError, match="shift must be"):
        affine(images(), shift=(1, 2, 3))
    with pytest.raises(ValueError, match="RandomAffine: scale must be"):
        RandomAffine(scale=(1.2, 0.8))
    with pytest.raises(ValueError, match="max_shift and degrees must be >= 0"):
        RandomAffine(degrees=-1)


def test_demo_draws_the_lecture_ranges_and_random_copies(tmp_path):
    r = augmentation.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
    names = [name for name, _ in r["ends"]]
    assert names[:3] == ["flipped", "sheared -20 deg", "sheared +20 deg"]
    ends = {"stretched 1/1.3", "stretched 1.3", "scaled 1/1.6", "scaled 1.6", "shifted (10, -10)"}
    assert ends <= set(names)
    for copies in (r["lecture"], r["narrow"]):
        assert len(copies) == 5 and len({c.tobytes() for c in copies}) == 5
    svg = (tmp_path / "augmentation.svg").read_text()
    assert svg.count("random ") == 5 and "sheared +20 deg" in svg and "stretch " in svg


def test_train_lenet_augment_one_epoch(tmp_path, capsys):
    pytest.importorskip("sklearn")
    acc = train_lenet.main(["--epochs", "1", "--augment", "--out", str(tmp_path)])
    assert 0.3 < acc <= 1.0


# ---------------------------------------------------------------- the lecture's recipe

def dot(h=9, w=9, r=4, c=4):
    x = np.zeros((1, 1, h, w))
    x[0, 0, r, c] = 1.0
    return x


def test_flip_mirrors_left_to_right_and_comes_first():
    x = images(4)
    np.testing.assert_array_equal(affine(x, flip=True), x[..., ::-1])
    np.testing.assert_allclose(affine(x, flip=True, angle=90), np.rot90(x[..., ::-1], axes=(2, 3)), atol=1e-6)
    y = affine(x, flip=[True, False, True])
    np.testing.assert_array_equal(y[1], x[1])
    np.testing.assert_array_equal(y[2], x[2, :, :, ::-1])


def test_shear_slides_each_row_by_tan_angle_times_its_height():
    # 2 rows below the centre (4, 4): at 45 degrees the row slides 2 pixels right
    y = affine(dot(r=6), shear=45)
    assert y[0, 0, 6, 6] == pytest.approx(1.0) and y.sum() == pytest.approx(1.0)
    y = affine(dot(r=2), shear=45)                             # above the centre: to the left
    assert y[0, 0, 2, 2] == pytest.approx(1.0)
    assert affine(dot(r=4, c=7), shear=20)[0, 0, 4, 7] == pytest.approx(1.0)   # the centre row stays


def test_stretch_widens_and_flattens_keeping_the_area():
    y = affine(dot(c=5), stretch=4.0)                          # columns x 2: 1 right of centre -> 2
    assert y[0, 0, 4, 6] == pytest.approx(1.0)
    y = affine(dot(r=8), stretch=4.0)                          # rows / 2: 4 below centre -> 2
    assert y[0, 0, 6, 4] == pytest.approx(1.0)
    # stretch comes before the rotation: the stretched image turned equals turning after
    x = images(5)
    np.testing.assert_allclose(affine(x, stretch=1.3, angle=90),
                               np.rot90(affine(x, stretch=1.3), axes=(2, 3)), atol=1e-6)


def test_lecture_ranges():
    aug = RandomAffine.lecture(seed=0)
    p = aug.draw(4000)
    assert np.abs(p["angle"]).max() <= 180 and np.abs(p["angle"]).max() > 170          # the whole circle
    assert np.abs(p["shift"]).max() <= 10 and np.abs(p["shift"]).max() > 9.9
    for name, top in (("scale", 1.6), ("stretch", 1.3)):
        logs = np.log(p[name])
        assert np.abs(logs).max() <= math.log(top) + 1e-12
        assert abs(logs.mean()) < 0.02 and np.abs(logs).max() > 0.99 * math.log(top)   # log-uniform
        # uniform in log space: half the draws lie within half the log range
        assert abs((np.abs(logs) < math.log(top) / 2).mean() - 0.5) < 0.04
    assert np.abs(p["shear"]).max() <= 20 and np.abs(p["shear"]).max() > 19.9
    assert abs(p["flip"].mean() - 0.5) < 0.04
    assert "flip=True, shear=20, stretch=(0.769, 1.3)" in repr(aug)


def test_defaults_draw_the_same_stream_as_before():
    """Flips, shears and stretches off draw nothing, so older runs (train_lenet --augment) repeat."""
    x = images(6, (4, 1, 8, 8))
    ours = RandomAffine(seed=3)(x)
    rng = np.random.default_rng(3)
    angle = rng.uniform(-10, 10, 4)
    scale = np.exp(rng.uniform(math.log(0.9), math.log(1.1), 4))
    shift = rng.uniform(-2, 2, (4, 2))
    np.testing.assert_array_equal(ours, affine(x, angle, scale, shift))


def test_bad_shear_stretch_and_flip_are_named():
    with pytest.raises(ValueError, match="stretch must be positive"):
        affine(images(), stretch=0)
    with pytest.raises(ValueError, match=r"shear must be within \(-90, 90\)"):
        affine(images(), shear=90)
    with pytest.raises(ValueError, match="RandomAffine: stretch must be"):
        RandomAffine(stretch=(1.3, 1 / 1.3))
    with pytest.raises(ValueError, match=r"shear in \[0, 90\)"):
        RandomAffine(shear=-5)
