"""Saving and loading parameters as .npz: exact round trips, no pickles, clear mismatches."""

import zipfile

import numpy as np
import pytest

import nn


def test_round_trip_is_exact_and_keeps_dtypes(tmp_path):
    nn.manual_seed(0)
    a = nn.LeNet5()
    b = nn.MLP(3, [4, 2], dtype=np.float64)
    a.save(tmp_path / "lenet.npz")
    nn.save(b, tmp_path / "mlp.npz")
    nn.manual_seed(1)
    a2, b2 = nn.LeNet5(), nn.MLP(3, [4, 2], dtype=np.float64)
    assert not np.array_equal(a2.fc1.weight.data, a.fc1.weight.data)
    a2.load(tmp_path / "lenet.npz")
    b2.load_state_dict(nn.load(tmp_path / "mlp.npz"))
    for m, m2 in ((a, a2), (b, b2)):
        for (n, p), (n2, p2) in zip(m.named_parameters(), m2.named_parameters()):
            assert n == n2 and p.dtype == p2.dtype
            assert np.array_equal(p.data, p2.data)          # bit-exact


def test_file_is_a_plain_npz_without_pickles(tmp_path):
    path = tmp_path / "w.npz"
    nn.save(nn.Linear(2, 3), path)
    assert sorted(zipfile.ZipFile(path).namelist()) == ["bias.npy", "weight.npy"]
    with np.load(path, allow_pickle=False) as f:
        assert f["weight"].shape == (3, 2) and f["weight"].dtype == np.float32


def test_path_is_used_as_given(tmp_path):
    path = tmp_path / "weights.bin"
    nn.save({"w": np.ones(2)}, path)
    assert path.exists() and np.array_equal(nn.load(path)["w"], np.ones(2))


def test_loading_mismatched_names_lists_them(tmp_path):
    path = tmp_path / "mlp.npz"
    nn.save(nn.MLP(3, [4, 2]), path)
    with pytest.raises(KeyError, match=r"missing 4\.weight, 4\.bias"):
        nn.MLP(3, [4, 4, 2]).load(path)


def test_loading_mismatched_shapes_lists_them(tmp_path):
    path = tmp_path / "mlp.npz"
    nn.save(nn.MLP(3, [4, 2]), path)
    with pytest.raises(ValueError, match=r"0\.weight expects \(5, 3\) but got \(4, 3\); "
                                         r"0\.bias expects \(5,\) but got \(4,\); "
                                         r"2\.weight expects \(2, 5\) but got \(2, 4\)"):
        nn.MLP(3, [5, 2]).load(path)


def test_pickled_content_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match="contains pickled objects; refusing"):
        nn.load(path)
    with pytest.raises(TypeError, match=r"save: 'x' has dtype object"):
        nn.save({"x": np.array([None])}, tmp_path / "no.npz")


def test_bad_files_give_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="load: no such file"):
        nn.load(tmp_path / "missing.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(ValueError, match=r"junk.npz is not an .npz file \(no zip header\)"):
        nn.load(tmp_path / "junk.npz")
    np.save(tmp_path / "single.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"single \.npy array, not an \.npz"):
        nn.load(tmp_path / "single.npy")
