"""derive(..., symbolic=True) and viz.derive.symbols: the lectures' notation (issue 21, item 3).

The equations are generated from the geometry; here they are compared with the USTC
lecture's, typed in from the slides, and over random geometries each one, with the
recorded numbers put in, equals the engine's number.
"""

import re

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_derive import assert_frames_match, small_ints

from autograd import Tensor
from autograd import functional as F
from viz.derive import derive, drawings
from viz.derive.symbols import conv_equations, numbers_of, pool_equations, tex_document

# USTC lecture 15, "Backpropagation - Convolution Layer": 3x3 X, 2x2 F, 2x2 O
LECTURE_FORWARD = [
    "O11 = F11 X11 + F12 X12 + F21 X21 + F22 X22",
    "O12 = F11 X12 + F12 X13 + F21 X22 + F22 X23",
    "O21 = F11 X21 + F12 X22 + F21 X31 + F22 X32",
    "O22 = F11 X22 + F12 X23 + F21 X32 + F22 X33",
]
LECTURE_WEIGHT = [
    "dE/dF11 = dE/dO11 X11 + dE/dO12 X12 + dE/dO21 X21 + dE/dO22 X22",
    "dE/dF12 = dE/dO11 X12 + dE/dO12 X13 + dE/dO21 X22 + dE/dO22 X23",
    "dE/dF21 = dE/dO11 X21 + dE/dO12 X22 + dE/dO21 X31 + dE/dO22 X32",
    "dE/dF22 = dE/dO11 X22 + dE/dO12 X23 + dE/dO21 X32 + dE/dO22 X33",
]
# the slides write every dE/dO, with 0 for the outputs an X entry did not feed; those
# terms are left out here
LECTURE_INPUT = {
    "dE/dX11": "dE/dO11 F11",
    "dE/dX12": "dE/dO11 F12 + dE/dO12 F11",
    "dE/dX21": "dE/dO11 F21 + dE/dO21 F11",
    "dE/dX22": "dE/dO11 F22 + dE/dO12 F21 + dE/dO21 F12 + dE/dO22 F11",
    "dE/dX33": "dE/dO22 F22",
}


@pytest.fixture
def lecture():
    x = Tensor(np.arange(1.0, 10).reshape(1, 1, 3, 3), requires_grad=True, label="X")
    w = Tensor(np.array([[[[1.0, 2], [3, 4]]]]), requires_grad=True, label="F")
    o = F.conv2d(x, w)
    o.backward(np.array([[[[1.0, 2], [-1, 1]]]]))
    return x, w, o


def test_the_lectures_equations(lecture):
    *_, o = lecture
    eqs = conv_equations(o)
    assert [e.text() for e in eqs["forward"]] == LECTURE_FORWARD
    assert [e.text() for e in eqs["weight"]] == LECTURE_WEIGHT
    inputs = {e.lhs.text(): e.text().split(" = ")[1] for e in eqs["input"]}
    for lhs, rhs in LECTURE_INPUT.items():
        assert inputs[lhs] == rhs
    assert len(inputs) == 9
    assert [e.text() for e in eqs["bias"]] == ["dE/db = dE/dO11 + dE/dO12 + dE/dO21 + dE/dO22"]


def test_symbolic_frames_substitute_the_numbers(lecture):
    x, w, o = lecture
    d = derive(o, symbolic=True)
    by_lhs = {f.text.split(" = ")[0]: f for f in d.frames if " = " in f.text}
    o11 = by_lhs["O11"]
    assert o11.text == "O11 = F11 X11 + F12 X12 + F21 X21 + F22 X22\n    = 1*1 + 2*2 + 3*4 + 4*5 = 37"
    x22 = by_lhs["dE/dX22"]
    hand = 1 * 4 + 2 * 3 + (-1) * 2 + 1 * 1             # dE/dO11 F22 + dE/dO12 F21 + ...
    assert x22.text.endswith(f"= 1*4 + 2*3 - 1*2 + 1*1 = {hand}") and hand == 9
    met = x22.rows[0][2]
    assert met.values == [["F22", "F21"], ["F12", "F11"]]          # rot180(F), in symbols
    assert_frames_match(d, {"input": x.grad.data, "weight": w.grad.data, "output": o.data,
                            "bias": np.array([3.0])}, partial=())
    slide = next(f for f in d.frames if f.title.startswith("the gather view in symbols"))
    padded, _, rot = slide.rows[0][:3]
    assert padded.values[1][1:3] == ["dE/dO11", "dE/dO12"] and padded.values[0] == ["0"] * 4
    assert rot.values == [["F22", "F21"], ["F12", "F11"]]
    assert all(s.isascii() for s in (g.source for g in drawings(d)))


def test_max_pool_in_symbols():
    """The lecture's 4x4 map: O11 = max(X11, X12, X21, X22) = 6 (X22 wins), so the router
    sends dE/dO11 to X22 and 0 to the other three."""
    x = Tensor(np.array([[1.0, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])[None, None],
               requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(np.array([[[[1.0, 2], [3, 4]]]]))
    eqs = pool_equations(y)
    assert eqs["forward"][0].text() == "O11 = max(X11, X12, X21, X22)"
    router = {e.lhs.text(): e.text() for e in eqs["input"]}
    assert router["dE/dX22"] == "dE/dX22 = dE/dO11"
    assert router["dE/dX11"] == "dE/dX11 = 0" and router["dE/dX44"] == "dE/dX44 = dE/dO22"
    d = derive(y, symbolic=True)
    assert d.frames[0].text.splitlines()[1] == "    = max(1, 1, 5, 6) = 6"
    assert_frames_match(d, {"input": x.grad.data, "output": y.data}, partial=())
    avg = F.avg_pool2d(Tensor(x.data, requires_grad=True), 2)
    avg.backward(np.ones(avg.shape))
    eqs = pool_equations(avg)
    assert eqs["forward"][0].text() == "O11 = (X11 + X12 + X21 + X22) / 4"
    assert eqs["input"][0].text() == "dE/dX11 = dE/dO11 / 4"


def test_channels_are_superscripts():
    x = Tensor(np.ones((1, 2, 2, 2)), requires_grad=True)
    w = Tensor(np.ones((2, 2, 1, 1)), requires_grad=True)
    y = F.conv2d(x, w)
    y.backward(np.ones(y.shape))
    eqs = conv_equations(y)
    assert eqs["forward"][0].text() == "O^1_11 = F^1,1_11 X^1_11 + F^1,2_11 X^2_11"
    assert eqs["forward"][0].tex() == "O^{1}_{11} &= F^{1,1}_{11} X^{1}_{11} + F^{1,2}_{11} X^{2}_{11}"


def test_tex_document(lecture):
    *_, o = lecture
    tex = tex_document(conv_equations(o), "the lecture's example")
    assert r"\frac{\partial E}{\partial X_{22}} &= \frac{\partial E}{\partial O_{11}} F_{22} + " in tex
    assert r"O_{11} &= F_{11} X_{11} + F_{12} X_{12} + F_{21} X_{21} + F_{22} X_{22} \\" in tex
    assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") == 4
    assert tex.count("{") == tex.count("}")
    assert tex.startswith(r"\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")


conv_geometry = st.fixed_dictionaries({
    "size": st.tuples(st.integers(1, 5), st.integers(1, 5)),
    "kernel": st.tuples(st.integers(1, 3), st.integers(1, 3)),
    "stride": st.integers(1, 3), "padding": st.integers(0, 2), "dilation": st.integers(1, 2),
    "groups": st.sampled_from([1, 1, 2]), "per_group": st.tuples(st.integers(1, 2), st.integers(1, 2)),
    "seed": st.integers(0, 10_000),
})


@settings(max_examples=40, deadline=None)
@given(conv_geometry)
def test_every_conv_equation_equals_the_engine(g):
    groups = g["groups"]
    c, o = groups * g["per_group"][0], groups * g["per_group"][1]
    (h, w), (kh, kw), s, p, d = g["size"], g["kernel"], g["stride"], g["padding"], g["dilation"]
    assume(h + 2 * p - d * (kh - 1) >= 1 and w + 2 * p - d * (kw - 1) >= 1)
    rng = np.random.default_rng(g["seed"])
    x = Tensor(small_ints(rng, (1, c, h, w)), requires_grad=True)
    wt = Tensor(small_ints(rng, (o, c // groups, kh, kw)), requires_grad=True)
    b = Tensor(small_ints(rng, (o,)), requires_grad=True)
    y = F.conv2d(x, wt, b, stride=s, padding=p, dilation=d, groups=groups)
    assume(max(y.shape[2:]) <= 8)
    up = small_ints(rng, y.shape)
    y.backward(up)
    conv = y.parents[0]                       # conv2d, then the bias add
    engine = {"output": conv.data, "weight": wt.grad.data, "input": x.grad.data, "bias": b.grad.data}
    numbers = numbers_of(conv, up)
    eqs = conv_equations(conv)
    assert [len(eqs[k]) for k in ("forward", "weight", "input", "bias")] == \
        [conv.data.size, wt.data.size, x.data.size, o]
    for part in eqs.values():
        for e in part:
            name, index = e.engine
            assert e.value(numbers) == pytest.approx(engine[name][index], abs=1e-9), e.text()
    for e in eqs["forward"]:        # a window holds at most kh*kw entries of each channel
        assert len(re.findall(r"\bX", e.text())) <= kh * kw * (c // groups)
    assert_frames_match(derive(conv, symbolic=True), engine, partial=())


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(["max", "avg"]), st.tuples(st.integers(1, 6), st.integers(1, 6)),
       st.integers(1, 3), st.integers(1, 3), st.integers(0, 1), st.integers(1, 2),
       st.integers(1, 2), st.integers(0, 10_000))
def test_every_pool_equation_equals_the_engine(mode, size, k, s, p, d, c, seed):
    p = min(p, k // 2)
    d = d if mode == "max" else 1
    assume(min(size) + 2 * p >= d * (k - 1) + 1)
    assume(max((n + 2 * p - d * (k - 1) - 1) // s + 1 for n in size) <= 8)
    rng = np.random.default_rng(seed)
    x = Tensor(small_ints(rng, (1, c, *size)), requires_grad=True)
    y = (F.max_pool2d(x, k, stride=s, padding=p, dilation=d) if mode == "max"
         else F.avg_pool2d(x, k, stride=s, padding=p))
    up = small_ints(rng, y.shape)
    y.backward(up)
    numbers = numbers_of(y, up)
    engine = {"output": y.data, "input": x.grad.data}
    for part in pool_equations(y).values():
        for e in part:
            name, index = e.engine
            assert e.value(numbers) == pytest.approx(engine[name][index], abs=1e-9), e.text()
    assert_frames_match(derive(y, symbolic=True), engine, partial=())


def test_other_ops_keep_their_numbers():
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = F.upsample2d(x, 2)
    y.backward(np.ones(y.shape))
    assert [f.title for f in derive(y, symbolic=True).frames] == [f.title for f in derive(y).frames]
