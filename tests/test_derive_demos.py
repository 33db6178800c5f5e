"""The demos of issue 21's missing views run (--quick) and their numbers hold:
demos/depthwise_conv.py, demos/tdnn_bars.py, demos/activation_maximization.py."""

import numpy as np
import pytest
from test_derive import assert_frames_match

from demos import activation_maximization as am
from demos import depthwise_conv, tdnn_bars
from viz.derive import derive
from viz.render import find_renderer

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer")


def quiet(*_):
    pass


@needs_renderer
def test_depthwise_demo(tmp_path):
    result = depthwise_conv.main(["--quick", "--out", str(tmp_path)], log=quiet)
    m, n, k = 64, 128, 3                                     # the lecture's comparison
    assert result["counts"] == (n * m * k * k, m * k * k + n * m) == (73_728, 8_768)
    assert result["layer_counts"] == result["counts"]
    names = sorted(p.split("/")[-1] for p in result["pictures"])
    assert names == ["conventional.svg", "depthwise-1.svg", "depthwise-2.svg", "grouped-1.svg",
                     "grouped-2.svg", "pointwise.svg"]
    assert all(page.exists() for page in result["pages"].values())
    point, _ = result["layers"]["separable"]
    depth = point.parents[0]
    for node in (result["layers"]["conventional"][0], depth, point, result["layers"]["grouped"][0]):
        x, w = node.parents
        assert_frames_match(derive(node), {"output": node.data, "input": x.grad.data,
                                           "weight": w.grad.data,
                                           "bias": node.grad.data.sum(axis=(0, 2, 3))}, partial=())
    grouped = result["layers"]["grouped"][0]
    table = next(f for f in derive(grouped).frames if f.title.startswith("groups = 2"))
    assert table.rows[0][0].values[0][2:] == [".", "."]          # output 0 never reads channels 2, 3


@needs_renderer
def test_tdnn_bars_demo(tmp_path):
    result = tdnn_bars.main(["--quick", "--out", str(tmp_path)], log=quiet)
    y, *_ = result["tdnn"]
    # by hand, output channel 0 at time 0: [-1 0 1] . [0 1 2] + [0 1 0] . [1 0 0] = 2
    assert y.data[0, 0, 0] == -1 * 0 + 0 * 1 + 1 * 2 + 0 * 1 + 1 * 0 + 0 * 0 == 2
    t, *_ = result["expanding"]
    # 1, 2, 1*3 + 2*1, 2*2, 2*3 - 1*1, -1*2, -1*3: each bar stamps [1 2 3], 2 steps after the last
    assert t.data[0, 0].tolist() == [1, 2, 5, 4, 5, -2, -3]
    assert len(result["pictures"]) == 1 + 4                  # the TDNN's layers; 3 stamps + layers
    assert all(p.exists() for p in result["pages"])


@pytest.mark.slow
def test_activation_maximization_demo(tmp_path):
    result = am.main(["--quick", "--out", str(tmp_path)], log=quiet)
    layers = result["layers"]
    assert list(layers) == ["conv1", "conv2", "fc1", "fc2", "fc3"]
    for name, r in layers.items():
        assert np.all(r["last"] > r["first"]), name             # every unit responds more
        assert (tmp_path / f"activation_maximization_{name}.svg").exists()
    # conv units see only their receptive field: 1 + 4 = 5 for conv1, 5 + 1 + 4*2 = 14 for conv2
    assert layers["conv1"]["box"][2:] == (5, 5) and layers["conv2"]["box"][2:] == (14, 14)
    assert layers["conv1"]["outside"] == layers["conv2"]["outside"] == 0
    t, left, h, w = layers["conv1"]["box"]
    changed = np.abs(layers["conv1"]["images"][:, 0] - am.GREY) > 0
    assert changed[:, t:t + h, left:left + w].any(axis=(1, 2)).all()


def test_field_box_is_centred_on_the_unit():
    import nn
    model = nn.LeNet5(dtype=np.float64)
    # conv1's centre unit (14, 14) of 28x28 reads input rows 14..18; conv2's (5, 5) of 10x10
    # reads pool1 rows 5..9, i.e. conv1 rows 10..19, i.e. input rows 10..23
    assert am.field_box(model, "conv1") == (14, 14, 5, 5)
    assert am.field_box(model, "conv2") == (10, 10, 14, 14)
    assert am.field_box(model, "fc1") is None


def test_the_derivations_page_examples_run(capsys, tmp_path, monkeypatch):
    """docs/derivations.md: every python block runs on its own and prints what its comments say."""
    monkeypatch.chdir(tmp_path)     # the blocks write their pages where they run
    import re
    from pathlib import Path
    page = (Path(__file__).resolve().parents[1] / "docs" / "derivations.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", page, re.S)
    assert len(blocks) >= 5
    for code in blocks:
        exec(compile(code, "derivations.md", "exec"), {"__name__": "__docs__"})
        printed = capsys.readouterr().out
        for said in re.findall(r"print\(.*\)\s+# (.*)", code):
            assert said.split(" ...")[0].strip() in printed, said
