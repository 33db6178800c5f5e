"""Pictures fit for a projected slide: one font whose widths the layout knows, copy points in
tensor drawings, matrices as grids of cells, a legend that lists exactly what is drawn.

(The browser measures the rendered text in tests/test_pictures_browser.py.)
"""

import re

import numpy as np
import pytest
from helpers import PURE

import autograd
import viz
from autograd import Tensor, Value
from autograd import functional as F
from viz import style
from viz.collapse import draw_modules
from viz.derive import derive, drawings
from viz.flow import draw_flow, draw_flow_comparison
from viz.fonts import FALLBACK, FONT, text_width
from viz.render import find_renderer, pipe

needs_renderer = pytest.mark.skipif(find_renderer() is None, reason="no Graphviz renderer installed")


def _tensor_used_three_times():
    x = Tensor([[1.75, 2.0, 2.0], [0.5, -1.0, 3.0]], requires_grad=True, label="x")
    loss = (x.relu() + x.exp() + x).sum()   # x feeds relu, exp and the last add
    loss.label = "L"
    return x, loss


def _every_kind_of_drawing():
    x, y = Value(2.0, "x"), Value(1.0, "y")
    f = x * x + y.exp() / x
    f.backward()
    _, loss = _tensor_used_three_times()
    loss.backward()
    xi = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True)
    o = F.conv2d(xi, Tensor(np.ones((1, 1, 2, 2)), requires_grad=True))
    o.backward(np.ones(o.shape))
    rows = [("conv1", (1, 6, 28, 28), 0.5), ("fc", (1, 10), 1.0)]
    return {"circuit": viz.draw(f), "step frame": viz.draw_steps(f)[2], "tensor": viz.draw(loss),
            "modules": draw_modules(loss), "flow": draw_flow(rows, patterns={"fc": "swap multiplier"}),
            "flow panels": draw_flow_comparison({"a": rows, "b": rows}),
            "derivation frame": drawings(derive(o))[0]}


def test_every_drawing_names_dejavu_sans_and_nothing_else():
    for kind, dot in _every_kind_of_drawing().items():
        names = set(re.findall(r'fontname=("[^"]*"|\w+)', dot.source))
        assert names == {f'"{FONT}"'}, (kind, names)
        assert "FACE=" not in dot.source, kind


@needs_renderer
def test_svg_text_asks_for_dejavu_sans_then_narrower_fonts():
    # every text of every kind of drawing, edge and cluster labels too (Graphviz's own default
    # would be Times, a serif)
    assert FALLBACK.split(",")[0] == "DejaVu Sans" and FALLBACK.endswith("sans-serif")
    flow = draw_flow_comparison({"a": [("l1", (1,), 1.0), ("l2", (1,), 0.1)]}, skips={"a": [(0, 1, "+ x")]})
    for kind, dot in {**_every_kind_of_drawing(), "flow with shortcuts": flow}.items():
        svg = pipe(dot.source, "svg").decode()
        assert set(re.findall(r'font-family="([^"]*)"', svg)) == {FALLBACK}, kind


@pytest.mark.skipif(PURE is None, reason="graphviz-pure is not installed")
def test_text_width_agrees_with_the_renderer_that_knows_dejavu_sans():
    # graphviz-pure measures DejaVu Sans with Graphviz's own table of its widths: an
    # independent account of the same font (a plain text node, no margin)
    import subprocess
    for text, size, bold in [("dE/dW[0][0][0,1]: the upstream slides over X", 16, True),
                             ("mul, matmul, conv: upstream x the other input", 9, False),
                             ("-0.632 27.1 0.368 (2, 16, 10, 10)", 12, False)]:
        label = f"<B>{text}</B>" if bold else text
        src = (f'digraph {{ node [shape=plaintext margin=0 fontname="{FONT}" fontsize={size}] '
               f"a [label=<{label}>] }}")
        plain = subprocess.run([PURE, "-Tplain"], input=src, capture_output=True, text=True).stdout
        width_in = float(next(ln for ln in plain.splitlines() if ln.startswith("node")).split()[4])
        assert text_width(text, size, bold) == pytest.approx(width_in * 72, rel=0.01), text


def test_text_width_counts_unknown_characters_as_wide():
    assert text_width("ab", 10) == pytest.approx(10 * (613 + 635) / 1000)
    assert text_width("σ", 10) >= text_width("W", 10, bold=True)


# ------------------------------------------------------------------ tensor copy points

def test_a_tensor_used_three_times_flows_through_a_copy_point():
    _, loss = _tensor_used_three_times()
    loss.backward()
    src = viz.draw(loss).source
    assert re.search(r"\bc0 \[.*shape=point", src)
    assert re.search(r"\bn0 -> c0 \[.*arrowhead=none", src)            # x's trunk to its copy point
    assert len(re.findall(r"^\s*c0 -> n\d+", src, flags=re.M)) == 3     # one branch per use
    assert not re.search(r"^\s*n0 -> n\d+", src, flags=re.M)            # no wire past the copy point
    assert "adder" in _legend_names(src)


def test_the_copy_step_frame_of_a_tensor_highlights_the_copy_point_and_names_the_adder():
    _, loss = _tensor_used_three_times()
    steps = autograd.backprop_steps(loss)
    k = next(i for i, s in enumerate(steps) if s.op == "copy")
    frames = viz.draw_steps(loss)
    src = frames[k].source
    assert "copy (adder)" in src
    assert "adder" in _legend_names(src)
    highlighted = re.findall(r"^\s*(\w+) \[[^\n]*penwidth=3\.5", src, flags=re.M)
    assert highlighted == ["c0"]
    # every other frame: the copy point is drawn, greyed out until its step
    assert all(re.search(r"\bc0 \[", f.source) for f in frames)
    before = frames[k - 1].source
    assert re.search(rf'\bc0 \[[^\n]*color="{style.GREY}"', before)


def test_a_scalar_and_a_tensor_graph_of_the_same_shape_get_the_same_copy_points():
    a = Value(3.0, "a")
    t = Tensor([3.0], requires_grad=True, label="a")
    for root in (a * a + a, (t * t + t).sum()):
        src = viz.draw(root).source
        assert len(re.findall(r"^\s*c0 -> ", src, flags=re.M)) == 3


# ------------------------------------------------------------------ the legend

def _legend_names(src):
    """The pattern names the legend lists (each after its colour swatch), in order."""
    legend = src[src.index("label=<<TABLE"):]
    return re.findall(rf'{style.SWATCH} </FONT><FONT POINT-SIZE="10"><B>([^<]+)</B>', legend)


def test_the_legend_lists_exactly_the_patterns_drawn():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z                                    # add, mul: nothing else
    assert _legend_names(viz.draw(f).source) == ["distributor", "swap multiplier"]
    a = Value(3.0, "a")
    assert _legend_names(viz.draw(a * a + a).source) == ["distributor", "swap multiplier", "adder"]
    w = Tensor(np.ones((2, 2)), requires_grad=True)
    b = Tensor(np.ones((2, 2)), requires_grad=True)
    net = (w @ b).relu().sum()                         # matmul, relu, sum
    assert _legend_names(viz.draw(net).source) == ["distributor", "swap multiplier", "router"]
    _, loss = _tensor_used_three_times()               # relu, exp, add, sum, and x three times
    src = viz.draw(loss).source
    assert _legend_names(src) == ["distributor", "router", "adder", "other"]
    assert "elementwise: exp" in src and "not in this drawing" not in src


def test_the_legend_says_where_a_tensor_box_keeps_its_numbers():
    _, loss = _tensor_used_three_times()
    before = viz.draw(loss).source
    assert "in each box" in before and "above" not in before and "below" not in before
    loss.backward()
    after = viz.draw(loss).source
    legend = after[after.index("label=<<TABLE"):]
    assert "left," in legend and "right, in each box" in legend
    assert "above" not in legend and "below" not in legend
    x = Value(2.0, "x")
    g = x * x
    g.backward()
    scalar = viz.draw(g).source
    assert "above," in scalar and "below the wire" in scalar


# ------------------------------------------------------------------ matrices as grids

def test_each_matrix_entry_has_a_cell_of_its_own():
    _, loss = _tensor_used_three_times()
    loss.backward()
    src = viz.draw(loss).source
    # the box of x: its value and its gradient, each a 2x3 table with a border around every cell
    box = next(ln for ln in src.splitlines() if re.match(r"\s*n0 \[", ln))
    grids = re.findall(r'<TABLE BORDER="1" CELLBORDER="(\d)"[^>]*>(.*?)</TABLE>', box)
    assert len(grids) == 2 and all(border == "1" for border, _ in grids)
    assert [body.count("<TD") for _, body in grids] == [6, 6]
    assert "1.75" in grids[0][1] and "-1" in grids[0][1]


@needs_renderer
def test_a_rendered_matrix_draws_the_lines_between_its_cells():
    from viz.arrays import CELL_LINE
    x = Tensor([[1.75, 2.0, 2.0]], label="x")
    svg = pipe(viz.draw(x, legend=False).source, "svg").decode()
    assert len(re.findall(rf'<polygon fill="none" stroke="{CELL_LINE}"', svg)) >= 3
