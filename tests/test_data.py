"""Datasets: IDX reader on generated files, MNIST loading, the sklearn digits, batching."""

import gzip
import sys

import numpy as np
import pytest

from nn import data
from nn.idx import read_idx, write_idx


def _idx_bytes(code, shape, payload):
    return bytes([0, 0, code, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape) + payload


def test_read_idx_by_hand_written_header(tmp_path):
    # ubyte, 2 x 3: magic 0x00000803 like MNIST images
    p = tmp_path / "a-idx3-ubyte"
    p.write_bytes(_idx_bytes(0x08, (2, 3), bytes(range(6))))
    assert np.array_equal(read_idx(p), [[0, 1, 2], [3, 4, 5]])
    # big-endian int32 labels
    q = tmp_path / "b.gz"
    with gzip.open(q, "wb") as f:
        f.write(_idx_bytes(0x0C, (3,), np.array([1, -2, 70000], dtype=">i4").tobytes()))
    assert np.array_equal(read_idx(q), [1, -2, 70000])


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_write_read_round_trip(tmp_path, dtype, name, rng):
    a = (rng.normal(size=(3, 4, 2)) * 50).astype(dtype)
    write_idx(tmp_path / name, a)
    b = read_idx(tmp_path / name)
    assert b.dtype == a.dtype and np.array_equal(a, b)


def test_idx_validation_errors(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x02\x08\x01" + (3).to_bytes(4, "big") + b"abc")
    with pytest.raises(ValueError, match=r"bad: bad magic number 0x01020801"):
        read_idx(p)
    p.write_bytes(_idx_bytes(0x07, (3,), b"abc"))
    with pytest.raises(ValueError, match="bad magic number 0x00000701"):
        read_idx(p)
    p.write_bytes(_idx_bytes(0x08, (2, 3), bytes(5)))
    with pytest.raises(ValueError, match=r"shape \(2, 3\) of uint8 needs 6 data bytes, found 5"):
        read_idx(p)
    p.write_bytes(_idx_bytes(0x08, (6,), bytes(6)))
    with pytest.raises(ValueError, match="has 1 dimensions, expected 3"):
        read_idx(p, expect_ndim=3)
    p.write_bytes(b"\x00\x00")
    with pytest.raises(ValueError, match="too short for an IDX header"):
        read_idx(p)


def _fake_mnist(directory, n_train=5, n_test=3, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    sets = {"train": n_train, "t10k": n_test}
    out = {}
    for prefix, n in sets.items():
        x = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        y = rng.integers(0, 10, size=n, dtype=np.uint8)
        suffix = ".gz" if gz else ""
        write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", x)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", y)
        out[prefix] = (x, y)
    return out


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_pads_to_32_and_scales(tmp_path, gz):
    raw = _fake_mnist(tmp_path, gz=gz)
    s = data.load_mnist(tmp_path)
    assert s.x_train.shape == (5, 1, 32, 32) and s.x_test.shape == (3, 1, 32, 32)
    assert s.x_train.dtype == np.float32 and s.y_train.dtype == np.int64
    assert np.allclose(s.x_train[:, 0, 2:30, 2:30] * 255, raw["train"][0])
    border = np.ones((32, 32), bool)
    border[2:30, 2:30] = False
    assert np.all(s.x_train[:, 0][:, border] == 0)
    assert np.array_equal(s.y_test, raw["t10k"][1])
    assert len(data.load_mnist(tmp_path, limit=2).x_train) == 2


def test_load_mnist_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        data.load_mnist(tmp_path / "nope")
    _fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match=r"no t10k-labels-idx1-ubyte\[\.gz\] in"):
        data.load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ValueError, match="test set has 3 images but 4 labels"):
        data.load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.full(3, 12, np.uint8))
    with pytest.raises(ValueError, match=r"t10k-labels-idx1-ubyte.gz: label 12 at index 0 is outside 0..9"):
        data.load_mnist(tmp_path)
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", np.zeros((3, 20, 20), np.uint8))
    with pytest.raises(ValueError, match=r"images are \(20, 20\), expected \(28, 28\)"):
        data.load_mnist(tmp_path)


def test_bilinear_resize():
    m = data.bilinear_matrix(8, 28)
    assert np.allclose(m.sum(axis=1), 1) and np.all(m >= 0)
    assert np.allclose(data.resize(np.full((2, 8, 8), 0.7), 28), 0.7)
    ramp = np.tile(np.arange(4.0), (4, 1))              # 0 1 2 3 per row
    up = data.resize(ramp, 8)
    # pixel centres: output j sits at (j + 0.5) / 2 - 0.5 in input coordinates, clamped
    assert np.allclose(up[0], [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3])


def test_bilinear_resize_matches_torch(rng):
    torch = pytest.importorskip("torch")
    img = rng.random((3, 8, 8))
    ref = torch.nn.functional.interpolate(torch.tensor(img)[None], size=(28, 28), mode="bilinear",
                                          align_corners=False)[0].numpy()
    assert np.allclose(data.resize(img, 28), ref)


def test_load_digits_default():
    pytest.importorskip("sklearn")
    s = data.load_digits()
    assert s.x_train.shape == (1438, 1, 32, 32) and s.x_test.shape == (359, 1, 32, 32)
    assert s.x_train.dtype == np.float32 and s.x_train.min() >= 0 and s.x_train.max() <= 1
    assert set(np.unique(s.y_train)) == set(range(10))
    assert np.all(s.x_train[:, :, :2] == 0) and np.all(s.x_train[:, :, :, -2:] == 0)  # padded 28 -> 32
    again = data.load_digits()
    assert np.array_equal(s.y_test, again.y_test)                   # fixed seed
    assert not np.array_equal(s.y_test, data.load_digits(seed=1).y_test)


def test_load_digits_without_sklearn_names_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r"pip install -e '\.\[demos\]'"):
        data.load_digits()


def test_split_is_a_partition():
    x, y = np.arange(50)[:, None], np.arange(50)
    s = data.split(x, y, 0.2, seed=3)
    assert len(s.x_test) == 10 and sorted(np.concatenate([s.y_train, s.y_test])) == list(range(50))
    with pytest.raises(ValueError, match=r"test_fraction must be in \(0, 1\)"):
        data.split(x, y, 1.5, seed=0)


def test_dataloader_covers_each_sample_once_per_pass():
    x, y = np.arange(10.0)[:, None], np.arange(10)
    loader = data.DataLoader(x, y, batch_size=4, shuffle=True, seed=0)
    assert len(loader) == 3
    for _ in range(2):
        seen = [yb for _, yb in loader]
        assert [len(b) for b in seen] == [4, 4, 2]
        assert sorted(np.concatenate(seen)) == list(range(10))
    xb, yb = next(iter(data.DataLoader(x, y, batch_size=3, shuffle=False)))
    assert np.array_equal(xb.data[:, 0], yb) and not xb.requires_grad
    assert len(data.DataLoader(x, y, batch_size=4, drop_last=True)) == 2
    with pytest.raises(ValueError, match="DataLoader: 10 inputs but 9 targets"):
        data.DataLoader(x, y[:9])


@pytest.mark.parametrize("kwargs, message", [
    ({"batch_size": 2.5}, r"^DataLoader: batch_size must be a positive int, got 2.5$"),
    ({"batch_size": 0}, r"^DataLoader: batch_size must be a positive int, got 0$"),
    ({"batch_size": True}, r"^DataLoader: batch_size must be a positive int, got True$"),
    ({"shuffle": "no"}, r"^DataLoader: shuffle must be True or False, got 'no'$"),
    ({"drop_last": 1}, r"^DataLoader: drop_last must be True or False, got 1$"),
])
def test_loader_refuses_arguments_that_are_not_what_they_name(kwargs, message):
    x, y = np.zeros((10, 2)), np.arange(10)
    with pytest.raises(ValueError, match=message):
        data.DataLoader(x, y, **kwargs)
    assert len(data.DataLoader(x, y, batch_size=np.int64(4))) == 3  # numpy ints are ints


def test_make_moons():
    x, y = data.make_moons(100, noise=0.0, seed=0)
    assert x.shape == (100, 2) and sorted(set(y)) == [-1, 1]
    top = x[y == -1]
    assert np.allclose(np.hypot(top[:, 0], top[:, 1]), 1)            # the upper half circle
    bottom = x[y == 1]
    assert np.allclose(np.hypot(bottom[:, 0] - 1, bottom[:, 1] - 0.5), 1)
