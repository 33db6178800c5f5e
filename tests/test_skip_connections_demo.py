"""demos/skip_connections.py --quick (plain-20 vs ResNet-20 on 8x8 digits): the pinned
properties of its numbers and of its drawing."""

import math

import pytest

from demos import skip_connections as demo


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    pytest.importorskip("sklearn")
    out = tmp_path_factory.mktemp("skip")
    return demo.main(["--quick", "--out", str(out)]), out


def test_skips_keep_the_first_layers_gradient_near_the_last_ones(quick):
    result, _ = quick
    for when in ("init", "trained"):
        plain, skip = result["plain"][when], result["skip"][when]
        assert all(math.isfinite(r) and r > 0 for r in (plain, skip))
        # the residual network's first-to-last ratio is closer to 1 (on a log scale)
        assert abs(math.log10(skip)) < abs(math.log10(plain)), (when, plain, skip)
    assert result["plain"]["init"] > 1.5     # plain with BN at init: the gradient grows going back


def test_same_depth_same_convs_and_a_few_steps_lower_the_loss(quick):
    result, _ = quick
    plain, skip = result["plain"]["results"], result["skip"]["results"]
    names = [n for n, _ in plain["init"][2]]
    assert names == [n for n, _ in skip["init"][2]] and len(names) == 19      # + fc = 20 layers
    for r in (plain, skip):
        assert r["trained"][0] < r["init"][0]                                 # 2 SGD steps help
    blocks = [m for m in skip["model"].modules() if type(m).__name__ == "ResidualBlock"]
    assert len(blocks) == 9 and all(b.skip for b in blocks)
    assert not any(b.skip for b in plain["model"].modules() if type(b).__name__ == "ResidualBlock")


def test_flow_rows_report_the_gradient_that_reached_each_block(quick):
    result, _ = quick
    rows = result["skip"]["results"]["init"][1]
    assert [r[0] for r in rows][:2] == ["conv1", "layer1.0"] and rows[-1][0] == "fc"
    assert len(rows) == 11 and all(r[2] > 0 and r[3] > 0 for r in rows)
    convs = dict(result["skip"]["results"]["init"][2])
    # a block's parameter norm combines its two convs' weight-gradient norms
    assert rows[1][3] == pytest.approx(math.hypot(convs["layer1.0.conv1"], convs["layer1.0.conv2"]))


def test_drawing_has_four_panels_and_the_shortcuts(quick):
    _, out = quick
    src = (out / "skip_connections.gv").read_text()
    assert src.count("subgraph cluster_") == 4
    assert src.count('label="+ x"') == 2 * 9                 # the ResNet panels, one per block
    assert "distributor" in src and "passes the upstream unchanged" in src


def test_flow_comparison_checks_its_shortcuts():
    from viz.flow import draw_flow_comparison

    rows = [("l1", (1,), 1.0), ("l2", (1,), 2.0)]
    with pytest.raises(ValueError, match=r"skip \(0, 5\) outside the 2 rows of panel 'a'"):
        draw_flow_comparison({"a": rows}, skips={"a": [(0, 5, "+")]})
    src = draw_flow_comparison({"a": rows, "b": rows}, title="one\ntwo", skips={"b": [(0, 1, "+ x")]},
                               patterns={"b": {"l2": "distributor"}}).source
    assert src.count('label="+ x"') == 1
    assert ">one</FONT></TD>" in src and ">two</FONT></TD>" in src  # a line each
    assert src.count('penwidth=2.5') == 1                     # only panel b's l2 is outlined
