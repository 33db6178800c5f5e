"""The nn demos run end to end (short settings) and show what they claim."""

import numpy as np
import pytest

from demos import moons_tensor, train_lenet, vanishing_gradients


def test_train_lenet_one_epoch_writes_weights_and_diagram(tmp_path, capsys):
    pytest.importorskip("sklearn")
    acc = train_lenet.main(["--epochs", "1", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert 0.5 < acc <= 1.0                                        # one epoch already learns
    assert "epoch  1/1" in out and "[##############################]" in out
    assert (tmp_path / "lenet5.npz").exists() and (tmp_path / "lenet_flow.gv").exists()
    src = (tmp_path / "lenet_flow.gv").read_text()
    assert src.count("out grad") == 12 and "(64, 6, 28, 28)" in src
    chart = (tmp_path / "lenet_grad_norms.svg").read_text()  # per-layer norms over the epochs
    assert chart.count('class="series"') == 12 and "(log scale)" in chart


def test_jitter_shifts_whole_images():
    x = np.zeros((3, 1, 6, 6), np.float32)
    x[:, 0, 2, 3] = 1.0
    shifted = train_lenet.jitter(x, np.random.default_rng(0), shift=2)
    assert shifted.shape == x.shape and np.all(shifted.sum(axis=(1, 2, 3)) == 1)
    flat = np.nonzero(shifted[:, 0].reshape(3, -1))[1]
    rows, cols = flat // 6, flat % 6
    assert np.all(np.abs(rows - 2) <= 2) and np.all(np.abs(cols - 3) <= 2)


def test_vanishing_gradients_sigmoid_loses_orders_of_magnitude(tmp_path):
    x, y = vanishing_gradients.batch()
    sig = vanishing_gradients.layer_norms("sigmoid", x, y)
    rel = vanishing_gradients.layer_norms("relu", x, y)
    assert len(sig) == len(rel) == 10
    assert sig[0][3] / sig[-1][3] < 1e-4 < rel[0][3] / rel[-1][3]
    res = vanishing_gradients.layer_norms("sigmoid", x, y, skip=True)
    assert [r[1] for r in res] == [r[1] for r in sig]               # same layers, same shapes
    assert res[0][3] / res[-1][3] > 1e3 * sig[0][3] / sig[-1][3]   # skips: the gradient gets back
    assert min(r[3] for r in res) > 1e2 * min(r[3] for r in sig)
    vanishing_gradients.main(["--out", str(tmp_path)])
    src = (tmp_path / "vanishing_gradients.gv").read_text()
    assert src.count("subgraph cluster_") == 3 and src.count('label="+ h"') == 8   # 8 hidden skips


def test_moons_tensor_learns_and_compares_engines(capsys):
    acc = moons_tensor.main(["--steps", "60"])
    out = capsys.readouterr().out
    assert acc >= 0.9
    assert "scalar engine (Values)" in out and "tensor engine (numpy)" in out


def test_train_lenet_on_mnist_idx_files(tmp_path, capsys):
    from nn.idx import write_idx

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 80), ("t10k", 20)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", rng.integers(0, 10, n, dtype=np.uint8))
    acc = train_lenet.main(["--mnist", str(tmp_path), "--epochs", "1", "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert 0 <= acc <= 1 and "80 training and 20 test images (MNIST)" in out
    assert (tmp_path / "out" / "lenet5.npz").exists()


def test_train_lenet_reports_a_missing_mnist_directory(tmp_path):
    with pytest.raises(SystemExit, match=r"load_mnist: .* is not a directory"):
        train_lenet.main(["--mnist", str(tmp_path / "nowhere")])
