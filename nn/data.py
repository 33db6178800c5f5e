"""Datasets and batching: handwritten digits offline (scikit-learn's 8x8 set), MNIST from IDX
files, two moons, and a DataLoader.

Digit images come as float32 (N, 1, 32, 32) in [0, 1] with int64 labels (N,), LeNet's input.
"""

from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

from autograd import Tensor
from autograd.ops.arguments import flag, positive_int

from .idx import data_bytes, read_header, read_idx


class Split(NamedTuple):
    """A train/test split; unpacks as (x_train, y_train, x_test, y_test, name)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    name: str = ""


# ---------------------------------------------------------------- image helpers

def bilinear_matrix(n_in, n_out):
    """(n_out, n_in) matrix resampling a 1-d signal with linear interpolation
    (pixel centres aligned, like torch's align_corners=False / PIL)."""
    src = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = src - lo
    m = np.zeros((n_out, n_in))
    m[np.arange(n_out), lo] += 1 - frac
    m[np.arange(n_out), hi] += frac
    return m


def resize(images, size):
    """Bilinear resize of (..., H, W) images to (..., size, size)."""
    images = np.asarray(images, dtype=np.float64)
    rows = bilinear_matrix(images.shape[-2], size)
    cols = bilinear_matrix(images.shape[-1], size)
    return rows @ images @ cols.T


def pad(images, p):
    """Zero-pad the last two axes by ``p`` on every side (28x28 MNIST -> 32x32, like LeNet)."""
    width = [(0, 0)] * (np.ndim(images) - 2) + [(p, p), (p, p)]
    return np.pad(images, width)


def split(x, y, test_fraction, seed, name=""):
    """Shuffle with a fixed seed and cut off the last ``test_fraction`` as the test set."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"split: test_fraction must be in (0, 1), got {test_fraction}")
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(len(x) * test_fraction)
    tr, te = order[n_test:], order[:n_test]
    return Split(x[tr], y[tr], x[te], y[te], name)


# ---------------------------------------------------------------- datasets

DEMOS_HINT = "pip install -e '.[demos]'"


def load_digits(test_fraction=0.2, seed=0):
    """scikit-learn's bundled handwritten digits (1,797 8x8 images, works offline), upsampled
    bilinearly to 28x28 and zero-padded to 32x32 like MNIST for LeNet, scaled to [0, 1];
    split train/test with a fixed seed (default: 1,438 train, 359 test)."""
    try:
        from sklearn.datasets import load_digits as sk_digits
    except ImportError:
        raise ImportError("load_digits: the offline digits come from scikit-learn, which is not "
                          f"installed: run {DEMOS_HINT} (or use load_mnist(dir) with MNIST IDX "
                          "files)") from None
    d = sk_digits()
    images = pad(resize(d.images / 16.0, 28), 2)
    x = np.clip(images, 0, 1).astype(np.float32)[:, None]
    return split(x, d.target.astype(np.int64), test_fraction, seed, "digits (sklearn 8x8 -> 32x32)")


MNIST_FILES = {
    "x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
    "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte",
}


def _find(directory, stem):
    candidates = [stem, stem.replace("-idx", ".idx")]
    for c in candidates:
        for suffix in ("", ".gz"):
            p = os.path.join(directory, c + suffix)
            if os.path.exists(p):
                return p
    raise FileNotFoundError(f"load_mnist: no {stem}[.gz] in {directory}")


MAX_BYTES = 1 << 30   # what load_mnist may allocate: MNIST itself takes 335 MB
SIDE = 32             # returned images are float32 (N, 1, 32, 32): 28x28 zero-padded by 2


def mnist_bytes(headers, limit=None):
    """What load_mnist allocates for files with these headers ({key: (shape, dtype)}),
    decided from what it returns: float32 (n, 1, 32, 32) images and int64 (n,) labels for
    each split (n = min(N, limit)), plus the first n items of the largest file while it is
    read (each file is converted and dropped before the next is read)."""
    returned, largest = 0, 0
    for key, (shape, dtype) in headers.items():
        n = shape[0] if limit is None else min(shape[0], limit)
        returned += n * (SIDE * SIDE * 4 if key.startswith("x") else 8)
        largest = max(largest, data_bytes((n, *shape[1:]), dtype))
    return returned + largest


def load_mnist(directory, limit=None, max_bytes=MAX_BYTES):
    """MNIST from the four IDX files in ``directory`` (plain or .gz), 28x28 zero-padded to
    32x32 as LeNet expects, scaled to [0, 1]. ``limit`` (a positive integer) keeps the first
    n of each split; 0 is refused rather than read as "everything" or as an empty set.
    Labels must be whole numbers in 0..9, pixels numbers in 0..255 (of the items returned):
    every error names the file. The headers are read first: what the call would allocate
    (mnist_bytes) must be at most ``max_bytes`` before any data is read."""
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer))
                              or limit < 1):
        raise ValueError(f"load_mnist: limit must be a positive integer or None, got {limit!r}")
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"load_mnist: {directory} is not a directory")
    paths = {key: _find(directory, stem) for key, stem in MNIST_FILES.items()}
    headers = {key: read_header(path, expect_ndim=3 if key.startswith("x") else 1)
               for key, path in paths.items()}
    for s in ("train", "test"):
        (xs, _), (ys, _) = headers["x_" + s], headers["y_" + s]
        if xs[1:] != (28, 28):
            raise ValueError(f"load_mnist: {paths['x_' + s]}: images are {xs[1:]}, expected (28, 28)")
        if xs[0] != ys[0]:
            raise ValueError(f"load_mnist: {s} set has {xs[0]} images but {ys[0]} labels "
                             f"({paths['x_' + s]}, {paths['y_' + s]})")
    need = mnist_bytes(headers, limit)
    if need > max_bytes:
        sizes = ", ".join(f"{headers['x_' + s][0][0]} {s}" for s in ("train", "test"))
        raise ValueError(f"load_mnist: {directory}: the headers declare {sizes} images: loading "
                         f"them would take {need} bytes, more than max_bytes={max_bytes}")
    parts = {}
    for key, path in paths.items():
        shape, dtype = headers[key]
        n = shape[0] if limit is None else min(shape[0], limit)
        arr = read_idx(path, expect_ndim=len(shape), max_bytes=data_bytes((n, *shape[1:]), dtype),
                       count=n)
        if arr.shape != (n, *shape[1:]):  # the file changed since its header was read
            raise ValueError(f"load_mnist: {path}: changed while it was read")
        parts[key] = _images(arr, path) if key.startswith("x") else _labels(arr, path)
        del arr
    return Split(parts["x_train"], parts["y_train"], parts["x_test"], parts["y_test"], "MNIST")


def _images(a, path, chunk=4096):
    """float32 (n, 1, 32, 32) in [0, 1] from (n, 28, 28) pixels in 0..255 (any IDX type),
    converted in chunks: no float64 copy of the whole set."""
    if a.dtype.kind == "f" and not np.isfinite(a).all():
        raise ValueError(f"load_mnist: {path}: images hold NaN or inf pixels")
    if a.size and a.dtype != np.uint8 and (a.min() < 0 or a.max() > 255):  # no temporary arrays
        k = int(np.argmax(((a < 0) | (a > 255)).reshape(-1)))
        raise ValueError(f"load_mnist: {path}: pixel {a.reshape(-1)[k].item()} of image {k // 784} "
                         f"is outside 0..255 (MNIST pixels are bytes, scaled to [0, 1] by /255)")
    out = np.zeros((len(a), 1, SIDE, SIDE), np.float32)
    for i in range(0, len(a), chunk):
        np.divide(a[i:i + chunk], np.float32(255), out=out[i:i + chunk, 0, 2:30, 2:30],
                  dtype=np.float32, casting="unsafe")
    return out


def _labels(y, path):
    """int64 labels, refusing NaN, fractions and anything outside 0..9 (never cast silently)."""
    if y.dtype.kind == "f":
        bad = ~np.isfinite(y) | (y != np.round(y))
        if bad.any():
            raise ValueError(f"load_mnist: {path}: label {y[bad][0].item()} at index "
                             f"{int(np.argmax(bad))} is not a whole number")
    out_of_range = (y < 0) | (y > 9)
    if out_of_range.any():
        k = int(np.argmax(out_of_range))
        raise ValueError(f"load_mnist: {path}: label {y[k]} at index {k} is outside 0..9")
    return y.astype(np.int64)


def make_moons(n=100, noise=0.1, seed=0):
    """Two interleaving half circles: x (n, 2) float64, y (n,) in {-1, +1}."""
    rng = np.random.default_rng(seed)
    n_top = n // 2
    t_top = np.linspace(0, np.pi, n_top)
    t_bot = np.linspace(0, np.pi, n - n_top)
    top = np.stack([np.cos(t_top), np.sin(t_top)], axis=1)
    bottom = np.stack([1 - np.cos(t_bot), 0.5 - np.sin(t_bot)], axis=1)
    x = np.concatenate([top, bottom]) + rng.normal(scale=noise, size=(n, 2))
    y = np.concatenate([-np.ones(n_top), np.ones(n - n_top)])
    order = rng.permutation(n)
    return x[order], y[order]


# ---------------------------------------------------------------- batching

class DataLoader:
    """Mini-batches (x as a Tensor, y as an ndarray); reshuffled every pass when ``shuffle``."""

    def __init__(self, x, y, batch_size=64, shuffle=True, seed=0, drop_last=False):
        if len(x) != len(y):
            raise ValueError(f"DataLoader: {len(x)} inputs but {len(y)} targets")
        self.batch_size = positive_int(batch_size, "batch_size", "DataLoader")
        self.shuffle = flag(shuffle, "shuffle", "DataLoader")
        self.drop_last = flag(drop_last, "drop_last", "DataLoader")
        self.x, self.y = np.asarray(x), np.asarray(y)
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        n, b = len(self.x), self.batch_size
        return n // b if self.drop_last else -(-n // b)

    def __iter__(self):
        n = len(self.x)
        order = self.rng.permutation(n) if self.shuffle else np.arange(n)
        for i in range(len(self)):
            idx = order[i * self.batch_size:(i + 1) * self.batch_size]
            if not self.shuffle:
                idx = slice(idx[0], idx[-1] + 1)
            yield Tensor(self.x[idx]), self.y[idx]
