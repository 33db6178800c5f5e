"""The lectures' worked numbers (issue 13, item 4), pinned through the demos and viz.derive."""

import numpy as np

from autograd import Tensor
from autograd import functional as F
from demos import conv_backward
from demos import lecture_feature_maps as L
from viz.derive import derive


def test_binary_image_feature_maps():
    m1, _, _ = L.feature_map(L.BINARY, L.X_FILTER)
    assert m1.tolist() == [[4, 3, 4], [2, 4, 3], [2, 3, 4]]
    m2, o2, x = L.feature_map(L.BINARY, L.X_FILTER, stride=2)
    assert m2.tolist() == [[4, 4], [2, 4]]
    # its backward, derived: the upstream upsampled to the stride-1 map, then the usual rule
    o2.backward(np.ones(o2.shape))
    d = derive(o2)
    up = next(f for f in d.frames if f.title.startswith("stride 2x2: upsample")).rows[0][0]
    assert up.values == [[1, 0, 1], [0, 0, 0], [1, 0, 1]]
    shown = {i: v for f in d.frames for n, i, v in f.checks if n == "input"}
    assert all(v == x.grad.data[i] for i, v in shown.items()) and len(shown) == 25


def test_six_by_six_image_two_filters(capsys):
    m1, s3, both = L.two_filters()
    text = capsys.readouterr().out
    assert "filter 1 at the top left: 1 + 1 + 1 + 0 + 0 + 0 + 0 - 1 - 1 = 1" in text
    assert m1[0, 0] == 1
    assert s3.tolist() == [[1, 5], [3, 0]]
    assert both.shape == (1, 2, 4, 4) and "from 18 weights" in text


def test_pooling_map():
    x = Tensor(L.POOL_MAP[None, None], requires_grad=True)
    assert F.max_pool2d(x, 2).data[0, 0].tolist() == [[6, 8], [3, 4]]
    assert F.avg_pool2d(x, 2).data[0, 0].tolist() == [[3.25, 5.25], [2, 2]]
    mx = L.pooling()
    d = derive(mx)
    where = [f.text.split("\n")[0] for f in d.frames if f.title.startswith("window")]
    assert [w.split(": ", 1)[1] for w in where] == [
        "max 6 at (1,1) receives the upstream 1; the other 3 cells get 0",
        "max 8 at (1,3) receives the upstream 2; the other 3 cells get 0",
        "max 3 at (2,0) receives the upstream 3; the other 3 cells get 0",
        "max 4 at (3,3) receives the upstream 4; the other 3 cells get 0"]
    y = Tensor(L.POOL_MAP[None, None], requires_grad=True)
    avg = F.avg_pool2d(y, 2)
    avg.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    first = next(f for f in derive(avg).frames if f.title.startswith("window (0,1)"))
    assert "upstream 2 / 4 = 0.5 to each of its 4 cells" in first.text


def test_conv_backward_demo_draws_the_printed_upstream(tmp_path, capsys):
    assert conv_backward.main(["--out", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    printed = "dE/dX = full convolution of dE/dO with F =\n"
    assert printed in text
    assert ("the drawn graph's dE/dX = [[1.0, 4.0, 4.0], [2.0, 9.0, 10.0], [-3.0, -1.0, 4.0]] "
            "and dE/dF = [[6.0, 9.0], [15.0, 18.0]]") in text
    # the full convolution printed above has the same numbers
    block = text.split(printed)[1].splitlines()[:3]
    assert [[float(v) for v in line.strip(" []").split()] for line in block] == \
        [[1, 4, 4], [2, 9, 10], [-3, -1, 4]]
