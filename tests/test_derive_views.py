"""viz.derive's forward scan, scatter view and channel frames (issue 21, items 1, 2 and 4).

The lecture's numbers are pinned from hand derivations written here; over random geometries
every sum a frame shows equals the engine's number, and the outputs the scatter view says a
pixel feeds are exactly the outputs that move when that pixel moves (found by the engine's
forward, not by the index rule the frames use).
"""

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_derive import assert_frames_match, small_ints

from autograd import Tensor
from autograd import functional as F
from demos import lecture_feature_maps as L
from viz.derive import derive, drawings
from viz.derive.channels import kind_of

X = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
FILT = np.array([[1.0, 2], [3, 4]])
UP = np.array([[1.0, 2], [-1, 1]])


def lecture(upstream=UP):
    x = Tensor(X[None, None], requires_grad=True, label="X")
    w = Tensor(FILT[None, None], requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.backward(upstream[None, None])
    return x, w, o


def kinds(d, kind):
    return [f for f in d.frames if f.kind == kind]


# ---------------------------------------------------------------- the forward scan

def test_forward_scan_writes_each_output_of_the_lecture_example():
    *_, o = lecture()
    scan = kinds(derive(o), "forward")
    assert scan[0].title.startswith("conv2d forward")          # the overview first
    by_hand = {(0, 0): (1 * 1 + 2 * 2 + 4 * 3 + 5 * 4, "1*1 + 2*2 + 4*3 + 5*4"),
               (0, 1): (2 * 1 + 3 * 2 + 5 * 3 + 6 * 4, "2*1 + 3*2 + 5*3 + 6*4"),
               (1, 0): (4 * 1 + 5 * 2 + 7 * 3 + 8 * 4, "4*1 + 5*2 + 7*3 + 8*4"),
               (1, 1): (5 * 1 + 6 * 2 + 8 * 3 + 9 * 4, "5*1 + 6*2 + 8*3 + 9*4")}
    assert by_hand[(0, 0)][0] == 37
    for frame, ((a, b), (value, terms)) in zip(scan[1:], by_hand.items()):
        assert frame.text.splitlines()[0] == f"O[0][{a},{b}] = {terms} = {value}"
        assert frame.checks == [("output", (0, 0, a, b), value)]
        x_panel, _, f_panel, _, products = frame.rows[0]
        window = {cell for cell, mark in x_panel.marks.items() if mark == "window"}
        assert window == {(a + u, b + v) for u in (0, 1) for v in (0, 1)}
        assert f_panel.values == FILT.tolist()
        assert np.sum(products.values) == value


def test_stride_two_hops_over_the_binary_image():
    """The lecture's 5x5 binary image and X filter at stride 2: 4, 4, 2, 4, and each frame
    says how far the window jumped; the previous window stays marked beside the new one."""
    x = Tensor(L.BINARY[None, None], requires_grad=True)
    o = F.conv2d(x, Tensor(L.X_FILTER[None, None]), stride=2)
    o.backward(np.ones(o.shape))
    scan = kinds(derive(o), "forward")[1:]
    assert [f.checks[0][2] for f in scan] == [4, 4, 2, 4]
    assert "hops 2 columns to the right" in scan[1].title
    assert "back to the left edge, 2 rows down" in scan[2].title
    marks = scan[1].rows[0][0].marks
    assert {c for c, m in marks.items() if m == "zone"} == {(r, c) for r in range(3) for c in (0, 1)}
    assert {c for c, m in marks.items() if m == "window"} == {(r, c) for r in range(3) for c in (2, 3, 4)}
    assert "columns 2 to 4" in scan[1].text


def test_padded_forward_multiplies_the_zero_border():
    x = Tensor(X[None, None], requires_grad=True)
    o = F.conv2d(x, Tensor(FILT[None, None]), padding=1)
    o.backward(np.ones(o.shape))
    first = kinds(derive(o), "forward")[1]
    assert first.text.splitlines()[0] == "O[0][0,0] = 0*1 + 0*2 + 0*3 + 1*4 = 4"
    assert "the zero padding" in first.text


def test_pool_forward_scan_names_the_max_and_the_mean():
    x = Tensor(L.POOL_MAP[None, None], requires_grad=True)
    mx = F.max_pool2d(x, 2)
    mx.backward(np.ones(mx.shape))
    scan = kinds(derive(mx), "forward")
    assert [f.text.splitlines()[0] for f in scan] == [
        "O[0][0,0] = max(1, 1, 5, 6) = 6", "O[0][0,1] = max(2, 4, 7, 8) = 8",
        "O[0][1,0] = max(3, 2, 1, 2) = 3", "O[0][1,1] = max(1, 0, 3, 4) = 4"]
    winner = [c for c, m in scan[1].rows[0][0].marks.items() if m == "winner"]
    assert winner == [(1, 3)]
    av = F.avg_pool2d(Tensor(L.POOL_MAP[None, None], requires_grad=True), 2)
    av.backward(np.ones(av.shape))
    assert kinds(derive(av), "forward")[0].text.startswith("O[0][0,0] = (1 + 1 + 5 + 6) / 4 = 3.25")


# ---------------------------------------------------------------- the scatter view

def test_scatter_follows_the_centre_pixel_to_all_four_outputs():
    """By hand: X[1,1] sits under F[1,1] in O[0,0]'s window, F[1,0] in O[0,1]'s, F[0,1] in
    O[1,0]'s and F[0,0] in O[1,1]'s, so dE/dX[1,1] = 1*4 + 2*3 + (-1)*2 + 1*1 = 9."""
    x, _, o = lecture()
    d = derive(o)
    centre = next(f for f in kinds(d, "scatter view") if f.title.startswith("X[0][1,1]"))
    feeds, formula, numbers = centre.text.splitlines()
    assert feeds == ("X[0][1,1] feeds O[0][0,0] (x F[0][0][1,1]), O[0][0,1] (x F[0][0][1,0]), "
                     "O[0][1,0] (x F[0][0][0,1]), O[0][1,1] (x F[0][0][0,0])")
    assert formula.startswith("dE/dX[0][1,1] = dE/dO[0][0,0]*F[0][0][1,1] + ")
    hand = 1 * 4 + 2 * 3 + (-1) * 2 + 1 * 1
    assert numbers.strip() == f"= 1*4 + 2*3 - 1*2 + 1*1 = {hand}" and hand == 9
    assert centre.checks == [("input", (0, 0, 1, 1), 9)] and x.grad.data[0, 0, 1, 1] == 9
    # the entries X[1,1] met, laid out on the outputs, are the filter rotated by 180 degrees
    met = centre.rows[0][4]
    assert met.values == FILT[::-1, ::-1].tolist()
    corner = next(f for f in kinds(d, "scatter view") if f.title.startswith("X[0][0,0]"))
    assert corner.text.splitlines()[0] == "X[0][0,0] feeds O[0][0,0] (x F[0][0][0,0])"


def test_both_ways_side_by_side():
    *_, o = lecture()
    both = kinds(derive(o), "both")
    assert len(both) == 1
    scatter, _, gather, _, engine = both[0].rows[0]
    want = [[1, 4, 4], [2, 9, 10], [-3, -1, 4]]       # the lecture's dE/dX, equal to torch
    assert scatter.values == gather.values == engine.values == want
    assert "scatter: 1*4 + 2*3 - 1*2 + 1*1 = 9" in both[0].text
    assert "gather:  1*4 + 2*3 - 1*2 + 1*1 = 9" in both[0].text


def test_a_stride_can_skip_a_pixel():
    """A 2x2 filter at stride 3 on 5x5: row and column 2 are never under the filter."""
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    o = F.conv2d(x, Tensor(FILT[None, None]), stride=3)
    o.backward(np.ones(o.shape))
    skipped = next(f for f in kinds(derive(o), "scatter view") if f.title.startswith("X[0][2,2]"))
    assert "feeds no output" in skipped.text and skipped.checks[0][2] == 0 == x.grad.data[0, 0, 2, 2]
    assert skipped.text.endswith("dE/dX[0][2,2] = 0: nothing comes back")


geometry = st.fixed_dictionaries({
    "size": st.tuples(st.integers(1, 5), st.integers(1, 5)),
    "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2), "dilation": st.integers(1, 2),
    "groups": st.sampled_from([1, 1, 2, 3]), "per_group": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "seed": st.integers(0, 10_000),
})


def build(g):
    groups = g["groups"] if g["groups"] * max(g["per_group"]) <= 3 else 1
    c, o = groups * g["per_group"][0], groups * g["per_group"][1]
    (h, w), (kh, kw), s, p, d = g["size"], g["kernel"], g["stride"], g["padding"], g["dilation"]
    assume(h + 2 * p - d * (kh - 1) >= 1 and w + 2 * p - d * (kw - 1) >= 1)
    rng = np.random.default_rng(g["seed"])
    x = Tensor(small_ints(rng, (1, c, h, w)), requires_grad=True)
    wt = Tensor(rng.integers(1, 4, size=(o, c // groups, kh, kw)).astype(float), requires_grad=True)
    y = F.conv2d(x, wt, stride=s, padding=p, dilation=d, groups=groups)
    assume(max(y.shape[2:]) <= 8)
    y.backward(small_ints(rng, y.shape))
    return x, wt, y


@settings(max_examples=30, deadline=None)
@given(geometry)
def test_scatter_names_exactly_the_outputs_a_pixel_moves(g):
    """The outputs a frame says X[c,i,j] feeds are those that change when X[c,i,j] changes
    (filter entries all positive, so no product cancels)."""
    x, wt, y = build(g)
    d = derive(y)
    prm = dict(y.params)
    for frame in kinds(d, "scatter view")[1:]:
        (_, (_, c, i, j), _), = frame.checks
        bumped = np.array(x.data)
        bumped[0, c, i, j] += 1
        moved = F.conv2d(Tensor(bumped), Tensor(wt.data), **prm).data - y.data
        want = sorted(f"O[{o}][{a},{b}]" for o, a, b in zip(*np.nonzero(moved[0])))
        named = sorted(part.split(" (x ")[0] for part in
                       frame.text.splitlines()[0].split(" feeds ")[1].split(", ") if "O[" in part)
        assert named == want, frame.title


@settings(max_examples=30, deadline=None)
@given(geometry)
def test_scatter_and_both_ways_frames_equal_the_engine(g):
    x, _, y = build(g)
    d = derive(y)
    scatter = SimpleNamespace(frames=[f for f in d.frames if f.kind in ("scatter view", "both")])
    assert_frames_match(scatter, {"input": x.grad.data})
    both = kinds(d, "both")[0]
    assert len(both.checks) == 2 * x.data.size          # every pixel, once per view


# ---------------------------------------------------------------- channels

def test_the_command_lines_two_channel_example_sums_to_18():
    """[[1,2],[3,4]] with [[1,0],[0,1]] gives 1 + 4 = 5, [[5,6],[7,8]] with [[0,1],[1,0]]
    gives 6 + 7 = 13: O = 18."""
    x = Tensor(np.array([[[1.0, 2], [3, 4]], [[5, 6], [7, 8]]])[None], requires_grad=True)
    w = Tensor(np.array([[[1.0, 0], [0, 1]], [[0, 1], [1, 0]]])[None], requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.backward(np.ones(o.shape))
    d = derive(o)
    scan = kinds(d, "forward")[1]
    assert scan.text.splitlines()[0] == \
        "O[0][0,0] = (1*1 + 2*0 + 3*0 + 4*1) + (5*0 + 6*1 + 7*1 + 8*0) = 5 + 13 = 18"
    assert scan.rows[-1][0] == "sum of 2 channels ->"
    collapse = kinds(d, "channels")
    assert len(collapse) == 1 and collapse[0].title.startswith("convolve each input channel")
    assert collapse[0].text.startswith("O[0][0,0] = 5 + 13 = 18")


@pytest.mark.parametrize("c, o, groups, k, kind", [
    (1, 1, 1, 2, ""), (2, 1, 1, 2, "conventional"), (3, 3, 3, 2, "depthwise"),
    (2, 4, 2, 2, "depthwise"), (4, 2, 2, 2, "grouped"), (3, 2, 1, 1, "pointwise"),
    (1, 3, 1, 2, "")])
def test_channel_views_by_kind(c, o, groups, k, kind):
    rng = np.random.default_rng(0)
    x = Tensor(small_ints(rng, (1, c, 3, 3)), requires_grad=True)
    w = Tensor(small_ints(rng, (o, c // groups, k, k)), requires_grad=True)
    y = F.conv2d(x, w, groups=groups)
    y.backward(np.ones(y.shape))
    assert kind_of(y) == kind
    d = derive(y)
    frames = kinds(d, "channels")
    assert bool(frames) == bool(kind)
    if kind in ("grouped", "depthwise"):
        table = frames[0].rows[0][0]
        assert sum(v != "." for row in table.values for v in row) == o * (c // groups)
    assert_frames_match(d, {"input": x.grad.data, "weight": w.grad.data,
                            "bias": np.ones(o) * y.data[0, 0].size, "output": y.data}, partial=())


# ---------------------------------------------------------------- 1-D: TDNN and bars

def test_tdnn_frames_of_a_conv1d():
    """conv1d records a conv2d on one-row maps; its frames read time left to right, channels
    in rows. By hand, output time 1: 2*1 + 0*0 + (-1)*(-1) + 1*2 + 2*1 + 1*0 = 7."""
    x = Tensor(np.array([[[1.0, 2, 0, -1, 3, 1], [0, 1, 2, 1, 0, -1]]]), requires_grad=True)
    w = Tensor(np.array([[[1.0, 0, -1], [2, 1, 0]], [[0, 1, 1], [1, -1, 0]]]), requires_grad=True)
    y = F.conv1d(x, w)
    y.backward(np.ones(y.shape))
    conv = y.parents[0]
    d = derive(conv)
    bars, *scan = kinds(d, "forward")
    assert bars.draw is not None and bars.title.startswith("conv1d as bars")
    assert len(scan) == 4 and scan[1].title.startswith("TDNN: output time 1 reads input times 1 to 3")
    hand = 2 * 1 + 0 * 0 + (-1) * (-1) + 1 * 2 + 2 * 1 + 1 * 0
    assert scan[1].text.splitlines()[0] == f"O[0][1] = 2*1 + 0*0 - 1*(-1) + 1*2 + 2*1 + 1*0 = {hand}"
    assert hand == 7 == y.data[0, 0, 1]
    source = drawings(d)[0].source
    assert source.count("->") >= 12 and 'rankdir=BT' in source      # 4 outputs x 3 taps
    assert_frames_match(d, {"input": x.grad.data[:, :, None], "weight": w.grad.data[:, :, None],
                            "output": conv.data, "bias": np.full(2, 4.0)}, partial=())


def test_transposed_1d_bars_stamp_in_stride_steps():
    x = Tensor(np.array([[[1.0, 2, -1]]]), requires_grad=True)
    w = Tensor(np.array([[[1.0, 2, 3]]]), requires_grad=True)
    t = F.conv_transpose1d(x, w, stride=2)
    t.backward(np.ones(t.shape))
    node = t.parents[0]
    d = derive(node)
    bars = [f for f in kinds(d, "forward") if f.draw is not None]
    assert len(bars) == 4                                         # the layers, then each input bar
    assert bars[2].text.startswith("x at time 1 = 2 sends 2*1 to time 2, 2*2 to time 3, 2*3 to time 4")
    # by hand: time 2 gets 1*3 from x[0] and 2*1 from x[1]
    assert t.data[0, 0].tolist() == [1, 2, 3 + 2, 4, 6 - 1, -2, -3]
    assert_frames_match(d, {"input": x.grad.data[:, :, None], "output": node.data}, partial=())


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 3), st.integers(1, 3), st.integers(2, 7), st.integers(1, 3), st.integers(1, 3),
       st.integers(0, 1), st.integers(1, 2), st.booleans(), st.integers(0, 10_000))
def test_one_d_frames_equal_the_engine(c, o, length, k, s, p, d, transposed, seed):
    rng = np.random.default_rng(seed)
    x = Tensor(small_ints(rng, (1, c, length)), requires_grad=True)
    if transposed:
        p = min(p, ((length - 1) * s + d * (k - 1)) // 2)
        w = Tensor(small_ints(rng, (c, o, k)), requires_grad=True)
        y = F.conv_transpose1d(x, w, stride=s, padding=p, dilation=d)
    else:
        assume(length + 2 * p >= d * (k - 1) + 1)
        w = Tensor(small_ints(rng, (o, c, k)), requires_grad=True)
        y = F.conv1d(x, w, stride=s, padding=p, dilation=d)
    assume(0 < y.shape[-1] <= 8)
    y.backward(small_ints(rng, y.shape))
    node = y.parents[0]
    derived = derive(node)
    expected = {"input": x.grad.data[:, :, None], "output": node.data}
    if not transposed:
        expected.update(weight=w.grad.data[:, :, None], bias=y.grad.data.sum(axis=(0, 2)))
    assert_frames_match(derived, expected, partial=())
    for dot in drawings(derived):
        assert dot.source.isascii()




@settings(max_examples=15, deadline=None)
@given(geometry)
def test_scatter_sums_equal_torch(g):
    """The scatter view's dE/dX and the forward scan's O against PyTorch's conv2d."""
    torch = pytest.importorskip("torch")
    x, wt, y = build(g)
    d = derive(y)
    prm = dict(y.params)
    tx = torch.tensor(x.data, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, torch.tensor(wt.data), **prm)
    ty.backward(torch.tensor(np.asarray(y.grad.data)))
    for frame in d.frames:
        for _, index, value in frame.checks:
            if frame.kind == "scatter view":
                assert value == pytest.approx(float(tx.grad[index]), abs=1e-9)
            if frame.kind == "forward":
                assert value == pytest.approx(float(ty.detach()[index]), abs=1e-9)


def test_a_one_row_map_padded_above_and_below_is_a_2d_conv():
    """Its windows can lie wholly in the padding rows (O = 0 here); the TDNN view, which
    knows no rows, would read the map's own row instead (it said O = 2*2 = 4)."""
    x = Tensor(np.array([[[[2.0]]]]), requires_grad=True)
    w = Tensor(np.array([[[[2.0, 2.0]]]]), requires_grad=True)
    y = F.conv2d(x, w, stride=3, padding=1)
    y.backward(np.ones(y.shape))
    checks = [c for f in derive(y).frames if f.kind == "forward" for c in f.checks]
    assert checks and all(value == 0.0 for _, _, value in checks)
