"""Gradient-flow rows and drawings (viz.flow)."""

import math
import re

import numpy as np
import pytest

import nn
from autograd import Tensor
from viz.flow import BAR_CELL, draw_flow, draw_flow_comparison, layer_flow


def _trace(rng):
    net = nn.MLP(4, [5, 3], dtype=np.float64)
    x = Tensor(rng.normal(size=(6, 4)))
    out, trace = net.forward_trace(x)
    return net, out, trace


def test_layer_flow_reads_the_gradient_at_each_output(rng):
    _net, out, trace = _trace(rng)
    before = layer_flow(trace)
    assert all(math.isnan(r[2]) for r in before)                 # no backward yet
    (out * out).sum().backward()
    rows = layer_flow(trace)
    assert [r[0] for r in rows] == ["0", "1", "2"]
    assert [r[1] for r in rows] == [(6, 5), (6, 5), (6, 3)]
    assert np.isclose(rows[-1][2], np.linalg.norm(2 * out.data))   # d/dout sum(out^2) = 2 out
    relu_in, relu_out = trace[0][1], trace[1][1]
    routed = np.asarray(relu_out.grad) * (relu_in.data > 0)     # the router passes only positives
    assert np.isclose(rows[0][2], np.linalg.norm(routed))


def test_draw_flow_one_node_per_layer():
    rows = [("conv1", (64, 6, 28, 28), 0.0123), ("relu1", (64, 6, 28, 28), 0.5), ("fc3", (64, 10), None)]
    g = draw_flow(rows, title="LeNet-5")
    src = g.source
    assert src.count("label=\"conv1") == 1 and "(64, 6, 28, 28)" in src and "out grad 0.0123" in src
    assert "out grad none" in src and "LeNet-5" in src
    assert src.count("->") == 2
    assert draw_flow(rows, title="LeNet-5").source == src        # deterministic DOT


def test_colour_is_paler_for_smaller_gradients():
    g = draw_flow([("a", (1,), 1e-6), ("b", (1,), 1.0)])
    fills = [line.split("fillcolor=\"")[1][:7] for line in g.source.splitlines() if "fillcolor" in line]
    assert int(fills[0][3:5], 16) > int(fills[1][3:5], 16)      # more green = paler red


def test_comparison_has_one_cluster_per_panel():
    g = draw_flow_comparison({"sigmoid": [("0", (2, 3), 1e-8)], "relu": [("0", (2, 3), 1e-1)]})
    assert g.source.count("subgraph cluster_") == 2
    assert "sigmoid" in g.source and "relu" in g.source


def test_bad_rows_are_rejected():
    with pytest.raises(ValueError, match=r"draw_flow: rows must be \(name, shape, grad_norm"):
        draw_flow([("only", "two")])


def test_patterns_colour_the_outlines_and_fill_the_legend():
    from viz.style import PATTERNS

    net = nn.LeNet5()
    patterns = {name: layer.pattern for name, layer in net.named_children()}
    assert patterns["conv1"] == patterns["fc1"] == "swap multiplier"
    assert patterns["relu1"] == patterns["pool1"] == "router" and patterns["flatten"] == "reshape"
    assert nn.AvgPool2d(2).pattern == "distributor"
    rows = [(name, (1,), 1.0) for name in patterns]
    src = draw_flow(rows, patterns=patterns).source
    assert src.count(f'color="{PATTERNS["swap multiplier"][0]}"') == 5
    assert src.count(f'color="{PATTERNS["router"][0]}"') == 6
    assert "outline: gate pattern" in src and "swap multiplier</FONT>" in src
    assert "outline" not in draw_flow(rows).source


def test_flow_runs_left_to_right_with_a_colour_bar():
    rows = [("a", (1,), 1e-4), ("b", (1,), 1e-2), ("c", (1,), 1.0)]
    src = draw_flow(rows).source
    assert "rankdir=LR" in src and "gradient norm (log scale)" in src
    ticks = re.findall(rf'<TD BGCOLOR="(#[0-9a-f]{{6}})" WIDTH="{BAR_CELL}"><FONT[^>]*>([^<]+)<', src)
    assert [t for _, t in ticks] == ["1e-4", "0.001", "0.01", "0.1", "1"]  # 10^lo ... 10^hi
    fills = re.findall(r'fillcolor="(#[0-9a-f]{6})"', src)
    assert fills[0] == ticks[0][0] and fills[-1] == ticks[-1][0]  # the bar is the nodes' scale


def test_comparison_wraps_each_panel_into_lines_and_stacks_the_panels():
    rows = [(f"l{i}", (2,), 10.0 ** -i) for i in range(7)]
    src = draw_flow_comparison({"a": rows, "b": rows}, per_row=3).source
    assert src.count("rank=same") == 6                      # 3 lines (3 + 3 + 1) per panel
    assert re.search(r"p0_0 -> p0_1 \[constraint=false\]", src)   # the real arrows stay in order
    assert re.search(r"p0_6 -> p1_0 \[style=invis\]", src)  # panel b starts under a's last line
    with pytest.raises(ValueError, match="per_row must be a positive integer"):
        draw_flow_comparison({"a": rows}, per_row=0)


def test_a_deep_network_wraps_into_lines_of_a_slide_shape():
    # LeNet-5's twelve layers: two lines of six, read like text, instead of one long strip
    rows = [(f"l{i}", (2,), 10.0 ** -i) for i in range(12)]
    src = draw_flow(rows).source
    assert "rankdir=TB" in src
    lines = re.findall(r"\{\s*rank=same\s*([^}]*)\}", src)
    assert [re.findall(r"\bn(\d+) ->", body) for body in lines] == [["0", "1", "2", "3", "4"],
                                                                     ["6", "7", "8", "9", "10"]]
    assert src.count("->") - src.count("style=invis") == 11     # the forward arrows, all of them
    assert "rankdir=LR" in draw_flow(rows, per_row=None).source
    with pytest.raises(ValueError, match="per_row"):
        draw_flow(rows, per_row=0)
