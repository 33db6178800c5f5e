"""viz.derive: every sum a frame shows equals the engine's gradient element.

Property tests over random small geometries (stride, padding, dilation, groups, overlapping
and non-tiling pool windows): the frames are built from the recorded nodes, the engine's
gradients come from the test's own backward pass, and the two must agree cell by cell.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import viz
from autograd import Tensor, topological_order
from autograd import functional as F
from viz.derive import derive


def small_ints(rng, shape):
    """Small integers (exact float sums) with a few negatives."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


def node_of(root, op):
    return next(n for n in topological_order(root) if n.op == op)


def assert_frames_match(d, expected, partial=("output",)):
    """Every check of every frame equals expected[name][index]; every element is checked
    (except for the names in ``partial``: the forward is checked only where frames show it)."""
    seen = {name: set() for name in expected}
    for frame in d.frames:
        for name, index, value in frame.checks:
            assert name in expected, (frame.title, name)
            want = expected[name][index]
            assert value == pytest.approx(want, abs=1e-9), (frame.title, name, index)
            seen[name].add(index)
    for name, arr in expected.items():
        if name in partial:
            continue
        assert len(seen[name]) == arr.size, f"{name}: {len(seen[name])} of {arr.size} checked"


geometry = st.fixed_dictionaries({
    "size": st.tuples(st.integers(1, 6), st.integers(1, 6)),
    "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2), "dilation": st.integers(1, 2),
    "groups": st.sampled_from([1, 1, 2, 3]), "per_group": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "seed": st.integers(0, 10_000),
})


@settings(max_examples=40)
@given(geometry)
def test_conv2d_frames_equal_the_engine(g):
    groups = g["groups"] if g["groups"] * max(g["per_group"]) <= 3 else 1
    c, o = groups * g["per_group"][0], groups * g["per_group"][1]
    (h, w), (kh, kw), s, p, d = g["size"], g["kernel"], g["stride"], g["padding"], g["dilation"]
    assume(h + 2 * p - d * (kh - 1) >= 1 and w + 2 * p - d * (kw - 1) >= 1)
    out = [(n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k in ((h, kh), (w, kw))]
    assume(max(out) <= 8)                        # the output stays within the 8x8 limit
    rng = np.random.default_rng(g["seed"])
    x = Tensor(small_ints(rng, (1, c, h, w)), requires_grad=True)
    wt = Tensor(small_ints(rng, (o, c // groups, kh, kw)), requires_grad=True)
    b = Tensor(small_ints(rng, (o,)), requires_grad=True)
    y = F.conv2d(x, wt, b, stride=s, padding=p, dilation=d, groups=groups)
    up = small_ints(rng, y.shape)
    y.backward(up)
    conv = node_of(y, "conv2d")
    d_ = derive(conv)
    assert_frames_match(d_, {"input": x.grad.data, "weight": wt.grad.data, "bias": b.grad.data,
                             "output": conv.data}, partial=())     # the forward scan shows every O


@settings(max_examples=30)
@given(geometry)
def test_conv_transpose2d_frames_equal_the_engine(g):
    groups = g["groups"] if g["groups"] * max(g["per_group"]) <= 3 else 1
    c, o = groups * g["per_group"][0], groups * g["per_group"][1]
    (h, w), (kh, kw), s, d = g["size"], g["kernel"], g["stride"], g["dilation"]
    h, w = min(h, 3), min(w, 3)
    full = ((h - 1) * s + d * (kh - 1) + 1, (w - 1) * s + d * (kw - 1) + 1)
    p = min(g["padding"], (min(full) - 1) // 2)
    assume(max(full) - 2 * p <= 8)
    rng = np.random.default_rng(g["seed"])
    x = Tensor(small_ints(rng, (1, c, h, w)), requires_grad=True)
    wt = Tensor(small_ints(rng, (c, o // groups, kh, kw)), requires_grad=True)
    y = F.conv_transpose2d(x, wt, stride=s, padding=p, dilation=d, groups=groups)
    up = small_ints(rng, y.shape)
    y.backward(up)
    assert_frames_match(derive(y), {"input": x.grad.data, "output": y.data}, partial=())


@settings(max_examples=40)
@given(st.sampled_from(["max", "avg"]), st.tuples(st.integers(1, 7), st.integers(1, 7)),
       st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2),
       st.integers(1, 3), st.integers(0, 10_000))
def test_pool_frames_equal_the_engine(mode, size, k, s, p, d, c, seed):
    """Overlapping (stride < kernel), non-tiling (leftover rows) and padded windows."""
    p = min(p, k // 2)
    d = d if mode == "max" else 1
    assume(min(size) + 2 * p >= d * (k - 1) + 1)
    assume(max((n + 2 * p - d * (k - 1) - 1) // s + 1 for n in size) <= 8)
    rng = np.random.default_rng(seed)
    x = Tensor(small_ints(rng, (1, c, *size)), requires_grad=True)
    if mode == "max":
        y = F.max_pool2d(x, k, stride=s, padding=p, dilation=d)
    else:
        y = F.avg_pool2d(x, k, stride=s, padding=p)
    y.backward(small_ints(rng, y.shape))
    assert_frames_match(derive(y), {"input": x.grad.data, "output": y.data}, partial=())


@settings(max_examples=20)
@given(st.sampled_from(["up", "down"]), st.tuples(st.integers(1, 4), st.integers(1, 4)),
       st.integers(1, 3), st.integers(0, 10_000))
def test_resampling_frames_equal_the_engine(kind, size, f, seed):
    rng = np.random.default_rng(seed)
    x = Tensor(small_ints(rng, (1, 2, *size)), requires_grad=True)
    y = F.upsample2d(x, f) if kind == "up" else F.downsample2d(x, f)
    assume(max(y.shape) <= 8)
    y.backward(small_ints(rng, y.shape))
    assert_frames_match(derive(y), {"input": x.grad.data})


# ---------------------------------------------------------------- the lecture's example

X = np.array([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])
FILT = np.array([[1.0, 2], [3, 4]])
UP = np.array([[1.0, 2], [-1, 1]])


@pytest.fixture
def lecture():
    x = Tensor(X[None, None], requires_grad=True, label="X")
    w = Tensor(FILT[None, None], requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.label = "O"
    o.backward(UP[None, None])
    return x, w, o


def test_lecture_frames_show_the_padded_upstream_and_rotated_filter(lecture):
    x, _w, o = lecture
    d = derive(o)
    titles = [f.title for f in d.frames]
    assert any(t.startswith("zero-pad dE/dO by 1x1") for t in titles)
    padded = next(f for f in d.frames if f.title.startswith("zero-pad")).rows[0][0]
    assert padded.values == [[0, 0, 0, 0], [0, 1, 2, 0], [0, -1, 1, 0], [0, 0, 0, 0]]
    bank = next(f for f in d.frames if "rotated by 180" in f.title).rows[0]
    assert bank[2].values == [[4, 3], [2, 1]]
    # the centre cell: the rotated filter over the padded upstream's middle 2x2
    centre = next(f for f in d.frames if f.title.startswith("dE/dX[0][1,1]"))
    assert centre.text == "dE/dX[0][1,1] = 1*4 + 2*3 - 1*2 + 1*1 = 9"
    assert x.grad.data[0, 0, 1, 1] == 9
    dw = next(f for f in d.frames if f.title.startswith("dE/dF[0][0][0,0]"))  # F: the filter's label
    assert dw.text == "dE/dF[0][0][0,0] = 1*1 + 2*2 + 4*(-1) + 5*1 = 6"


def test_conv_as_a_matrix(lecture):
    *_, o = lecture
    d = derive(o)
    fwd = next(f for f in d.frames if "as a matrix" in f.title)
    M = np.array(fwd.rows[0][0].values)
    assert M.shape == (4, 9)                      # wider than tall
    assert M[0].tolist() == [1, 2, 0, 3, 4, 0, 0, 0, 0]
    assert M[3].tolist() == [0, 0, 0, 0, 1, 2, 0, 3, 4]   # the same filter, shifted
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = F.conv_transpose2d(x, Tensor(FILT[None, None]))
    y.backward(np.ones(y.shape))
    mt = next(f for f in derive(y).frames if "as a matrix" in f.title).rows[0][0]
    assert np.array(mt.values).shape == (9, 4)     # the transposed case: taller than wide


def test_max_pool_frames_mark_the_winners():
    x = Tensor(np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None],
               requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(np.array([[1.0, 2], [3, 4]])[None, None])
    d = derive(y)
    overview = next(f for f in d.frames if f.kind == "backward")
    first = overview.rows[0][0]
    winners = sorted(cell for cell, mark in first.marks.items() if mark == "winner")
    assert winners == [(1, 1), (1, 3), (2, 0), (3, 3)]      # 6, 8, 3, 4
    window = next(f for f in d.frames if f.title.startswith("window (0,1)"))
    assert "max 8 at (1,3) receives the upstream 2" in window.text


def test_overlapping_max_pool_adds():
    x = Tensor(np.array([[[[0.0, 0, 0], [0, 9, 0], [0, 0, 0]]]]), requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1)
    y.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    d = derive(y)
    final = next(f for f in d.frames if f.title.startswith("dE/dx: the parts added up"))
    assert "dE/dx[0][1,1] = 1 + 2 + 3 + 4 = 10 (4 windows)" in final.text
    assert any("(+=: windows overlap)" in f.text for f in d.frames)


def test_strided_conv_upsamples_first():
    x = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    w = Tensor(np.array([[[[1.0, 0, 1], [0, 1, 0], [1, 0, 1]]]]), requires_grad=True)
    y = F.conv2d(x, w, stride=2)
    y.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    d = derive(y)
    up = next(f for f in d.frames if f.title.startswith("stride 2x2: upsample")).rows[0][0]
    assert up.values == [[1, 0, 2], [0, 0, 0], [3, 0, 4]]
    assert any(f.title.startswith("two routes") for f in d.frames)



def test_dilated_filter_is_drawn_with_its_holes():
    """Dilation 2 spreads the rotated 2x2 filter over a 3x3 span: the filter's numbers at the
    corners, the other five cells empty and marked as holes, in the bank and in every cell frame."""
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True)
    w = Tensor(np.array([[[[1.0, 2], [3, 4]]]]), requires_grad=True)
    y = F.conv2d(x, w, dilation=2)
    y.backward(np.array([[[[1.0, -1], [2, 1]]]]))
    d = derive(y)
    spread = [[4, None, 3], [None, None, None], [2, None, 1]]
    holes = {(0, 1), (1, 0), (1, 1), (1, 2), (2, 1)}
    bank = next(f for f in d.frames if "rotated by 180" in f.title)
    assert "holes" in bank.text
    cells = [f for f in d.frames if f.title.startswith("dE/dX[0][")]
    assert len(cells) == 16
    for frame in [bank, *cells]:
        panel = next(p for row in frame.rows for p in row
                     if not isinstance(p, str) and p.title.startswith("rot180"))
        assert panel.values == spread
        assert {cell for cell, mark in panel.marks.items() if mark == "hole"} == holes

# ---------------------------------------------------------------- limits and errors

def test_refuses_large_inputs_with_one_line():
    x = Tensor(np.zeros((1, 1, 9, 9)), requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(np.ones(y.shape))
    with pytest.raises(ValueError, match=r"9x9 map is too large \(at most 8x8") as e:
        derive(y)
    assert "\n" not in str(e.value)


@pytest.mark.parametrize("make, message", [
    (lambda: (Tensor(np.ones((2, 1, 3, 3)), requires_grad=True), "batch 2"),
     "batch 2 is too large"),
])
def test_refuses_batches(make, message):
    x, _ = make()
    y = F.avg_pool2d(x, 2)
    y.backward(np.ones(y.shape))
    with pytest.raises(ValueError, match=message):
        derive(y)


def test_errors_name_the_problem():
    x = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1)
    with pytest.raises(ValueError, match="no gradient yet"):
        derive(y)
    with pytest.raises(ValueError, match="no derivation for 'add'"):
        derive(y + 1)
    with pytest.raises(ValueError, match="upstream has shape"):
        derive(y, upstream=np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match="digits"):
        derive(y, upstream=np.ones(y.shape), digits=0)


def test_digits_reach_the_text():
    x = Tensor(np.ones((1, 1, 2, 2)) / 3, requires_grad=True)
    y = F.avg_pool2d(x, 2)
    y.backward(np.ones(y.shape) / 7)
    short = next(f for f in derive(y, digits=2).frames if f.title.startswith("window")).text
    long = next(f for f in derive(y, digits=5).frames if f.title.startswith("window")).text
    assert "0.036" in short and "0.035714" in long


# ---------------------------------------------------------------- drawings

def _first(d, start):
    """Index of the first frame whose title starts with ``start``."""
    return next(k for k, f in enumerate(d.frames) if f.title.startswith(start))


def test_dot_text_is_deterministic_and_ascii(lecture):
    *_, o = lecture
    a = [g.source for g in viz.derive.drawings(derive(o))]
    b = [g.source for g in viz.derive.drawings(derive(o))]
    assert a == b
    assert all(s.isascii() for s in a)
    assert 'BGCOLOR="#f9c9c9"' in a[_first(derive(o), "dE/dX[0][0,1]")]   # the current dE/dX cell


def test_dot_snapshot(lecture):
    """The first dE/dX frame of the lecture's example, as committed in tests/snapshots."""
    from pathlib import Path
    *_, o = lecture
    d = derive(o)
    source = viz.derive.drawings(d)[_first(d, "dE/dX[0][0,0]")].source
    snap = Path(__file__).parent / "snapshots" / "derive_conv_dx_00.gv"
    assert source == snap.read_text(encoding="utf-8")


def test_rendered_svg_is_deterministic(lecture, tmp_path):
    from viz.render import find_renderer, render_many
    if find_renderer() is None:
        pytest.skip("no Graphviz renderer installed")
    *_, o = lecture
    d = derive(o)
    k = _first(d, "dE/dX[0][0,0]")
    dots = viz.derive.drawings(d)[k:k + 2]
    first = render_many(dots, [tmp_path / "a0", tmp_path / "a1"])
    again = render_many(dots, [tmp_path / "b0", tmp_path / "b1"])
    for a, b in zip(first, again):
        assert Path(a).read_text() == Path(b).read_text()


def test_lecture_frames_fit_a_1280x720_projector_at_a_readable_size(lecture):
    """Every frame of the 3x3 / 2x2 derivation, rendered, fits 960 x 540 pt (1280 x 720 px at
    96 dpi) unscaled, and no text in it is smaller than 13 pt."""
    import re

    from viz.render import find_renderer, render_svgs
    if find_renderer() is None:
        pytest.skip("no Graphviz renderer installed")
    *_, o = lecture
    svgs = render_svgs(viz.derive.drawings(derive(o)))
    assert len(svgs) >= 19
    for k, svg in enumerate(svgs):
        w, h = map(float, re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
        assert w <= 960 and h <= 540, (k, w, h)
        assert min(float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)) >= 13, k

def test_page_is_scoped_to_its_root():
    from viz.derive.page import SCRIPT, derivation_html
    body = derivation_html("<svg></svg>", [("n1", 0, "conv2d", "<svg></svg>", "text")])
    assert ' id="' not in body.split("<script>")[0].replace('<svg></svg>', '')
    assert "getElementById" not in SCRIPT and "document.querySelector" not in SCRIPT


def test_save_derivation_needs_a_gradient(tmp_path):
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = F.max_pool2d(x, 2)
    with pytest.raises(ValueError, match="call backward"):
        viz.derive.save_derivation(y, tmp_path / "p.html")


def test_frames_name_the_filter_by_its_label_else_w():
    """The printed derivation and the pictures must use one name for the filter: its label
    (the CLI's F) when it has one, W otherwise."""
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    for label, name in (("F", "F"), ("", "W"), ("a very long filter name", "W")):
        w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True, label=label)
        o = F.conv2d(x, w)
        o.backward(np.ones((1, 1, 2, 2)))
        d = derive(o)
        assert any(f.title.startswith(f"dE/d{name}[0][0][0,0]") for f in d.frames)
        assert any(f"rot180 {name}[0][0]" in g.source for g in viz.derive.drawings(d))
