"""IDX files that should not load: gzip bombs, lying headers, devices, sparse giants, bad
labels. Each is one ValueError naming the file; memory is asserted with tracemalloc."""

import gzip
import os
import tracemalloc

import numpy as np
import pytest
from helpers import refuses_fifo

from nn import data
from nn.idx import MAX_BYTES, read_idx, write_idx

MB = 1 << 20


def header(code, shape):
    return bytes([0, 0, code, len(shape)]) + b"".join(d.to_bytes(4, "big") for d in shape)


def gzip_bomb(path, head, zeros):
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(head)
        block = bytes(4 * MB)
        for _ in range(zeros // len(block)):
            f.write(block)
    return path


def refused(fn):
    """(peak traced MB, the ValueError's message)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as e:
            fn()
        return tracemalloc.get_traced_memory()[1] / MB, str(e.value)
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_is_read_only_up_to_its_declared_size(tmp_path):
    path = gzip_bomb(tmp_path / "bomb.gz", header(0x08, (1,)), 64 * MB)
    assert path.stat().st_size < MB
    peak, msg = refused(lambda: read_idx(path))
    assert msg == f"read_idx: {path}: shape (1,) of uint8 needs 1 data bytes, found more"
    assert peak < 50


def test_a_gzip_bomb_costs_its_declared_bytes_plus_one(tmp_path, monkeypatch):
    """The work done, measured in bytes handed out by the gzip stream, not in seconds."""
    sizes, depth = [], []
    read, readinto = gzip.GzipFile.read, gzip.GzipFile.readinto

    def counted(fn, size):
        def wrapper(self, arg=-1):
            depth.append(1)  # readinto may call read: count the outermost call only
            try:
                result = fn(self, arg)
            finally:
                depth.pop()
            if not depth:
                sizes.append(size(result))
            return result
        return wrapper

    monkeypatch.setattr(gzip.GzipFile, "read", counted(read, len))
    monkeypatch.setattr(gzip.GzipFile, "readinto", counted(readinto, lambda got: got or 0))
    path = gzip_bomb(tmp_path / "bomb.gz", header(0x08, (3,)), 16 * MB)
    with pytest.raises(ValueError, match="needs 3 data bytes, found more"):
        read_idx(path)
    assert sum(sizes) == 4 + 4 + 3 + 1  # magic, one dimension, the data, one byte too many


def test_a_gzip_stream_shorter_than_declared(tmp_path):
    path = tmp_path / "short.gz"
    with gzip.open(path, "wb") as f:
        f.write(header(0x08, (2, 3)) + bytes(5))
    assert refused(lambda: read_idx(path))[1] == \
        f"read_idx: {path}: shape (2, 3) of uint8 needs 6 data bytes, found 5"


def test_overflowing_and_huge_dims_are_refused_before_allocating(tmp_path):
    path = tmp_path / "over"
    path.write_bytes(header(0x08, (2**31, 2**31, 4)))  # 2**64 bytes: numpy's int64 product is 0
    peak, msg = refused(lambda: read_idx(path))
    assert msg == (f"read_idx: {path}: shape (2147483648, 2147483648, 4) of uint8 declares "
                   f"{2**64} data bytes, more than max_bytes={MAX_BYTES}")
    assert peak < 50
    path.write_bytes(header(0x0E, (1000, 1000)))
    assert "declares 8000000 data bytes, more than max_bytes=1000" in \
        refused(lambda: read_idx(path, max_bytes=1000))[1]


def test_a_sparse_8_gb_file_is_not_read(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(header(0x08, (100, 28, 28)))
    os.truncate(path, 8 << 30)  # sparse: no disk used
    peak, msg = refused(lambda: read_idx(path))
    assert msg == (f"read_idx: {path}: shape (100, 28, 28) of uint8 needs 78400 data bytes, "
                   f"found {(8 << 30) - 16}")
    assert peak < 50


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_devices_and_folders_are_refused(tmp_path):
    assert refused(lambda: read_idx("/dev/zero"))[1] == "read_idx: /dev/zero is not a regular file (a device)"
    assert refused(lambda: read_idx(tmp_path))[1] == f"read_idx: {tmp_path} is a folder, not an IDX file"
    with pytest.raises(FileNotFoundError, match=r"read_idx: no such file: .*missing"):
        read_idx(tmp_path / "missing")


def test_corrupt_and_truncated_gzip_are_one_value_error(tmp_path):
    good = tmp_path / "good.gz"
    write_idx(good, np.arange(2000, dtype=np.int32).reshape(40, 50))
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(raw[:-30])
    msg = refused(lambda: read_idx(truncated))[1]
    assert msg.startswith(f"read_idx: {truncated}: corrupt gzip data (Compressed file ended")
    corrupt = tmp_path / "corrupt.gz"
    corrupt.write_bytes(raw[:-8] + bytes(b ^ 0xFF for b in raw[-8:-4]) + raw[-4:])  # CRC flipped
    assert refused(lambda: read_idx(corrupt))[1].startswith(
        f"read_idx: {corrupt}: corrupt gzip data (CRC check failed")
    garbage = tmp_path / "garbage.gz"
    garbage.write_bytes(raw[:20] + b"\xff" * 40 + raw[60:])
    assert refused(lambda: read_idx(garbage))[1].startswith(f"read_idx: {garbage}: corrupt gzip data (")


# ---------------------------------------------------------------- MNIST labels and limit

def fake_mnist(directory, y_train=None, x_train=None):
    rng = np.random.default_rng(0)
    x_train = rng.integers(0, 256, (4, 28, 28), dtype=np.uint8) if x_train is None else x_train
    y_train = np.array([0, 9, 3, 1], np.uint8) if y_train is None else y_train
    write_idx(directory / "train-images-idx3-ubyte", x_train)
    write_idx(directory / "train-labels-idx1-ubyte", y_train)
    write_idx(directory / "t10k-images-idx3-ubyte.gz", x_train[:2])
    write_idx(directory / "t10k-labels-idx1-ubyte.gz", np.array([0, 1], np.uint8))
    return directory / "train-labels-idx1-ubyte"


@pytest.mark.parametrize("labels, why", [
    (np.array([0, np.nan, 3, 1]), "label nan at index 1 is not a whole number"),
    (np.array([0, 1, 3.7, 1]), "label 3.7 at index 2 is not a whole number"),
    (np.array([0, 1, np.inf, 1], np.float32), "label inf at index 2 is not a whole number"),
    (np.array([0, 1, 2, -1], np.int8), "label -1 at index 3 is outside 0..9"),
    (np.array([0, 10, 2, 1], np.uint8), "label 10 at index 1 is outside 0..9"),
    (np.array([0, 1, 2, 70000], np.int32), "label 70000 at index 3 is outside 0..9"),
])
def test_bad_labels_are_refused_naming_the_file(tmp_path, labels, why):
    path = fake_mnist(tmp_path, y_train=labels)
    with pytest.raises(ValueError) as e:
        data.load_mnist(tmp_path)
    assert str(e.value) == f"load_mnist: {path}: {why}"


def test_whole_float_labels_load_as_int64(tmp_path):
    fake_mnist(tmp_path, y_train=np.array([0.0, 9.0, 3.0, 1.0]))
    y = data.load_mnist(tmp_path).y_train
    assert y.dtype == np.int64 and y.tolist() == [0, 9, 3, 1]


def test_nonfinite_float_images_are_refused(tmp_path):
    x = np.zeros((4, 28, 28), np.float32)
    x[2, 5, 5] = np.nan
    fake_mnist(tmp_path, x_train=x)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte: images hold NaN or inf pixels$"):
        data.load_mnist(tmp_path)


@pytest.mark.parametrize("limit", [0, -1, 2.5, True, "2"])
def test_limit_must_be_a_positive_integer(tmp_path, limit):
    fake_mnist(tmp_path)
    with pytest.raises(ValueError, match=rf"^load_mnist: limit must be a positive integer or None, "
                                         rf"got {limit!r}$"):
        data.load_mnist(tmp_path, limit=limit)


def test_limit_keeps_the_first_items(tmp_path):
    fake_mnist(tmp_path)
    s = data.load_mnist(tmp_path, limit=3)
    assert s.y_train.tolist() == [0, 9, 3] and s.y_test.tolist() == [0, 1]
    assert len(data.load_mnist(tmp_path, limit=np.int64(1)).x_train) == 1


# ---------------------------------------------------------------- what load_mnist may allocate

def mnist_headers_only(directory, n_train, n_test=2):
    """Image files that are an honest-looking header and a few bytes of a gzip stream (a bomb's
    first kilobyte), label files complete (zeros)."""
    for stem, n in (("train", n_train), ("t10k", n_test)):
        with gzip.open(directory / f"{stem}-images-idx3-ubyte.gz", "wb") as f:
            f.write(header(0x08, (n, 28, 28)) + bytes(1024))
        with gzip.open(directory / f"{stem}-labels-idx1-ubyte.gz", "wb") as f:
            f.write(header(0x08, (n,)) + bytes(n))


def test_load_mnist_decides_from_what_it_returns_before_reading(tmp_path):
    """1,369,000 images declare 1.07 GB, under read_idx's cap, but padded to 32x32 float32
    they are 5.6 GB: the headers alone must refuse them, before one image is read."""
    n = 1_369_000
    mnist_headers_only(tmp_path, n)
    peak, msg = refused(lambda: data.load_mnist(tmp_path))
    need = n * (32 * 32 * 4 + 8) + 2 * (32 * 32 * 4 + 8) + n * 28 * 28   # returned + the raw images
    assert msg == (f"load_mnist: {tmp_path}: the headers declare {n} train, 2 test images: loading "
                   f"them would take {need} bytes, more than max_bytes={data.MAX_BYTES}")
    assert peak < 20
    # with a limit, only the first images are read: here the stream ends within the first 10
    peak, msg = refused(lambda: data.load_mnist(tmp_path, limit=10))
    assert msg == (f"read_idx: {tmp_path / 'train-images-idx3-ubyte.gz'}: shape (10, 28, 28) of uint8 "
                   "needs 7840 data bytes, found 1024")
    assert peak < 20


def test_mnist_itself_fits_the_budget():
    headers = {"x_train": ((60000, 28, 28), np.dtype("u1")), "y_train": ((60000,), np.dtype("u1")),
               "x_test": ((10000, 28, 28), np.dtype("u1")), "y_test": ((10000,), np.dtype("u1"))}
    assert data.mnist_bytes(headers) == 70000 * (32 * 32 * 4 + 8) + 60000 * 784 <= data.MAX_BYTES


def test_int32_pixels_are_refused_outside_0_255_and_scaled_inside(tmp_path):
    """int32 images came back with pixels down to -1.96e6 from a loader that scales to [0, 1]."""
    x = np.zeros((4, 28, 28), np.int32)
    x[1, 3, 4] = -1_960_000
    fake_mnist(tmp_path, x_train=x)
    with pytest.raises(ValueError) as e:
        data.load_mnist(tmp_path)
    assert str(e.value) == (f"load_mnist: {tmp_path / 'train-images-idx3-ubyte'}: pixel -1960000 of "
                            "image 1 is outside 0..255 (MNIST pixels are bytes, scaled to [0, 1] by /255)")
    pixels = np.random.default_rng(1).integers(0, 256, (4, 28, 28))
    for dtype in (np.uint8, np.int32, np.float64):
        fake_mnist(tmp_path, x_train=pixels.astype(dtype))
        s = data.load_mnist(tmp_path)
        assert s.x_train.dtype == np.float32 and s.x_train.shape == (4, 1, 32, 32)
        assert s.x_train.min() >= 0 and s.x_train.max() <= 1
        np.testing.assert_array_equal(s.x_train[:, 0, 2:30, 2:30], (pixels / 255).astype(np.float32))
        assert not s.x_train[:, :, :2].any() and not s.x_train[:, :, :, 30:].any()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_by_read_idx_and_load_mnist_without_blocking(tmp_path):
    """open() on a FIFO waits for a writer: read_idx and load_mnist hung forever."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    e = refuses_fifo(lambda: read_idx(fifo), fifo)
    assert str(e) == f"read_idx: {fifo} is not a regular file (a FIFO)"
    fake_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    os.mkfifo(tmp_path / "t10k-labels-idx1-ubyte.gz")
    e = refuses_fifo(lambda: data.load_mnist(tmp_path), tmp_path / "t10k-labels-idx1-ubyte.gz")
    assert str(e) == f"read_idx: {tmp_path / 't10k-labels-idx1-ubyte.gz'} is not a regular file (a FIFO)"
