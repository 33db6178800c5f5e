"""The conv and pooling demos run, agree with the engine, and write their drawings."""

from demos import conv_backward, pooling_router


def test_conv_backward_demo(tmp_path, capsys):
    assert conv_backward.main(["--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for name in ("O", "dE/dF", "dE/dX"):
        assert f"{name}: loops and engine agree" in text
    assert "upsample2d -> conv_transpose2d" in text
    assert (tmp_path / "conv_backward_graph.gv").read_text().count("conv_transpose2d") >= 1


def test_pooling_router_demo(tmp_path, capsys):
    assert pooling_router.main(["--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    assert "window (0,0): max 6 at (1,1) receives upstream 1" in text
    assert "the lecture's loop gives the same: True" in text
    assert "window_scatter2d" in (tmp_path / "max_pool_backward_graph.gv").read_text()
