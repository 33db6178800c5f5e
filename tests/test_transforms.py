"""nn.transforms: numpy-only shifts, rotations and scalings for data augmentation."""

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


def test_demo_draws_random_copies(tmp_path):
    copies = augmentation.main(["--quick", "--out", str(tmp_path)], log=lambda *a: None)
    assert copies.shape[0] == 7 and len({c.tobytes() for c in copies}) == 7
    assert (tmp_path / "augmentation.svg").read_text().count("random ") == 7


def test_train_lenet_augment_one_epoch(tmp_path, capsys):
    pytest.importorskip("sklearn")
    acc = train_lenet.main(["--epochs", "1", "--augment", "--out", str(tmp_path)])
    assert 0.3 < acc <= 1.0
