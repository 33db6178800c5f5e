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


def _looks(svg, cls):
    """{series name: (stroke, dasharray)} of the series' lines (cls 'series') or legend keys ('key')."""
    out = {}
    for tag in re.findall(rf'<(?:polyline|line) class="{cls}"[^>]*>', svg):
        name = re.search(r'data-name="([^"]*)"', tag).group(1)
        dash = re.search(r'stroke-dasharray="([^"]*)"', tag)
        out[name] = (re.search(r'stroke="([^"]*)"', tag).group(1), dash.group(1) if dash else "")
    return out


def test_twelve_series_are_twelve_lines_a_reader_can_tell_apart():
    # the LeNet-5 chart: one line per layer output, twelve of them
    names = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flatten", "fc1", "relu3", "fc2",
             "relu4", "fc3"]
    svg = line_chart({n: [1.0 / (k + 1), 0.5 / (k + 1)] for k, n in enumerate(names)})
    lines, keys = _looks(svg, "series"), _looks(svg, "key")
    assert set(lines) == set(names)
    assert len(set(lines.values())) == len(names)       # no two lines look alike
    assert keys == lines                                # each legend sample is drawn like its line
    assert sum(dash != "" for _, dash in lines.values()) >= 5   # more series than colours: dashes


def test_the_legend_and_title_fit_the_chart():
    from viz.fonts import text_width
    long = "a rather long layer name.weight"
    title = "a title much longer than the chart is wide by default, " * 3
    svg = line_chart({long: [1.0, 0.1], "b": [0.5, 0.2]}, title=title)
    width = float(re.search(r'<svg[^>]*width="([\d.]+)"', svg).group(1))
    x = float(re.search(rf'<text x="([\d.]+)"[^>]*>{long}</text>', svg).group(1))
    assert x + text_width(long, 12) <= width
    assert text_width(title, 15) <= width


def test_too_many_series_to_tell_apart():
    from viz.linechart import MAX_SERIES
    line_chart({str(k): [1.0] for k in range(MAX_SERIES)})
    with pytest.raises(ValueError, match="too many"):
        line_chart({str(k): [1.0] for k in range(MAX_SERIES + 1)})


def test_a_narrow_log_range_gets_ticks_a_reader_can_place_points_by():
    narrow = line_chart({"a": [0.09, 0.02]})              # one decade, 0.01 to 0.1
    labels = re.findall(r'text-anchor="end">([^<]+)</text>', narrow)
    assert labels == ["0.01", "0.02", "0.05", "0.1"]
    wide = line_chart({"a": [1e-5, 1.0]})                  # five decades: the decades alone
    assert re.findall(r'text-anchor="end">([^<]+)</text>', wide) == ["1e-5", "1e-4", "0.001", "0.01",
                                                                      "0.1", "1"]


def test_a_line_hidden_under_a_later_one_says_so_in_the_legend():
    # a max-pool passes its input's gradient norm on unchanged: relu1's line lies under pool1's
    svg = line_chart({"conv1": [0.3, 0.2], "relu1": [0.5, 0.25], "pool1": [0.5, 0.25]})
    labels = re.findall(r'<text x="[\d.]+" y="[\d.]+">([^<]+)</text>', svg)
    assert labels == ["conv1", "relu1 (under pool1)", "pool1"]


def test_one_epoch_draws_each_series_as_a_level_stroke_in_its_own_style():
    # a run of one epoch: a bare point per layer on the y axis told no layer from another
    svg = line_chart({f"layer{k}": [10.0 ** -k] for k in range(9)}, title="one epoch")
    ET.fromstring(svg)
    strokes = [points(svg, f"layer{k}") for k in range(9)]
    looks = set(re.findall(r'<polyline class="series"[^>]*?(stroke="[^"]+"[^>]*?)points', svg))
    assert len(looks) == 9                                  # colour and dash: nine different looks
    left_axis = float(re.search(r'<line x1="([\d.]+)" x2="\1"', svg).group(1))
    for (x0, y0), (x1, y1) in strokes:
        assert y0 == y1 and x1 - x0 > 40                    # level, and long enough to show a dash
        assert x0 > left_axis + 100                         # off the axis, mid-chart
    ys = [s[0][1] for s in strokes]
    assert ys == sorted(ys)                                 # smaller norms lower on the chart
