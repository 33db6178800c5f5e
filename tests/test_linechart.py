"""viz.linechart: an SVG line chart on a log scale (per-layer gradient norms over epochs)."""

import math
import re
import xml.etree.ElementTree as ET

import pytest

from viz.linechart import BOTTOM, TOP, H, line_chart


def points(svg, name):
    m = re.search(rf'data-name="{name}"[^>]*points="([^"]+)"', svg)
    return [tuple(map(float, p.split(","))) for p in m.group(1).split()]


def test_log_scale_positions_and_valid_svg():
    svg = line_chart({"conv1": [1e-3, 1e-2, 1e-1], "fc3": [1.0, 1.0, 1.0]}, title="norms")
    ET.fromstring(svg)  # well-formed
    conv = points(svg, "conv1")
    # equal ratios are equal steps on a log scale, and larger values are higher (smaller y)
    assert conv[0][1] - conv[1][1] == pytest.approx(conv[1][1] - conv[2][1])
    assert conv[0][1] > conv[1][1] > conv[2][1]
    # the axis spans whole decades: 1e-3 sits on the bottom line, 1 on the top
    assert conv[0][1] == pytest.approx(H - BOTTOM) and points(svg, "fc3")[0][1] == pytest.approx(TOP)
    assert "(log scale)" in svg and ">0.001<" in svg and ">1<" in svg


def test_gaps_for_values_a_log_scale_cannot_show():
    svg = line_chart({"a": [1.0, 0.0, math.nan, 0.1, 0.01]})
    runs = re.findall(r'data-name="a"[^>]*points="([^"]+)"', svg)
    assert [len(r.split()) for r in runs] == [1, 2]


def test_errors():
    with pytest.raises(ValueError, match="no values"):
        line_chart({})
    with pytest.raises(ValueError, match="positive"):
        line_chart({"a": [0.0, -1.0]})
