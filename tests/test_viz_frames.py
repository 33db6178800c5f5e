"""viz.draw_steps: one frame per backprop step, the current gate highlighted, the rest greyed."""

import math
import operator
import re

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autograd
import viz
from autograd import Tensor, Value
from viz.arrays import NUMBER_PT
from viz.style import GREY

RED = "#c0262d"


def lecture():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    f = (x + y) * z
    f.label = "f"
    return f


def line_of(source, start):
    return next(ln for ln in source.splitlines() if re.match(rf"\s*{start}", ln))


def test_lecture_frames():
    f = lecture()
    frames = viz.draw_steps(f)
    assert len(frames) == len(autograd.backprop_steps(f)) == 2
    first, second = (d.source for d in frames)
    # frame 1: the mul gate is current; its inputs carry upstream x local = downstream
    assert "penwidth=3.5" in line_of(first, "n4 ") and "penwidth=3.5" not in line_of(first, "n2 ")
    assert "1 x -4 = -4" in line_of(first, "n2 -> n4")
    assert "1 x 3 = 3" in line_of(first, "n3 -> n4")
    assert f'fontcolor="{GREY}"' in line_of(first, "n2 ")    # add not visited yet: greyed
    assert f'color="{GREY}"' in line_of(first, "n0 -> n2")   # its input wires too
    assert "mul (swap multiplier): [upstream 1] x [local -4] = [downstream -4]" in first
    # frame 2: add is current, mul is visited and keeps its gradients
    assert "penwidth=3.5" in line_of(second, "n2 ") and GREY not in line_of(second, "n4 ")
    assert "-4 x 1 = -4" in line_of(second, "n0 -> n2")
    assert re.search(rf'COLOR="{RED}"[^>]*>3<', line_of(second, "n3 -> n4"))
    assert "step 2 of 2" in second


def test_frames_leave_grad_untouched():
    f = lecture()
    viz.draw_steps(f)
    assert all(v.grad == 0.0 for v in f.parents[0].parents)


def test_copy_frame_shows_the_parts_being_summed():
    # f = x*x + exp(y)/x at x=2, y=1: parts into x are 2, 2 (mul) and -e/4 (div)
    x, y = Value(2.0, "x"), Value(1.0, "y")
    f = x * x + y.exp() / x
    steps = autograd.backprop_steps(f)
    frames = viz.draw_steps(f)
    assert len(frames) == len(steps)
    k = next(i for i, s in enumerate(steps) if s.op == "copy")
    src = frames[k].source
    expected = f"2 + 2 + {-np.e / 4:.3f} = {4 - np.e / 4:.2f}"  # -0.680: rounded, so the zero stays
    assert expected in line_of(src, "n0 -> c0")
    assert "penwidth=3.5" in line_of(src, "c0 ")
    assert "copy (adder)" in src


def test_graph_without_gates_has_no_frames():
    assert viz.draw_steps(Value(1.0, "x")) == []


def test_tensor_frames_show_gradients_as_they_complete():
    w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, label="W")
    h = w * 3.0
    loss = h.sum()
    frames = viz.draw_steps(loss)
    steps = autograd.backprop_steps(loss)
    assert len(frames) == len(steps) == 2
    first = frames[0].source
    assert RED not in line_of(first, "n0 ")  # W's gradient not in yet
    last = frames[-1].source
    reds = [float(v) for v in re.findall(rf'COLOR="{RED}" POINT-SIZE="{NUMBER_PT}">([-\d.]+)<',
                                         line_of(last, "n0 "))]
    assert reds == [3.0, 3.0, 3.0, 3.0]  # d/dW sum(3W)


# ---------------------------------------------------------------- property: any expression

UNARY = [lambda v: v.tanh(), lambda v: -v, lambda v: v.sigmoid(), lambda v: v * 0.5]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b, lambda a, b: a.max(b)]


@st.composite
def expressions(draw):
    leaves = [Value(draw(st.floats(-2, 2)), name) for name in "abc"]
    pool = list(leaves)
    for _ in range(draw(st.integers(1, 7))):
        if draw(st.booleans()):
            pool.append(draw(st.sampled_from(UNARY))(draw(st.sampled_from(pool))))
        else:
            pool.append(draw(st.sampled_from(BINARY))(draw(st.sampled_from(pool)),
                                                      draw(st.sampled_from(pool))))
    return pool[-1], leaves


@settings(max_examples=40)
@given(expressions())
def test_one_frame_per_step_with_one_current_element(case):
    root, _leaves = case
    steps = autograd.backprop_steps(root)
    frames = viz.draw_steps(root)
    assert len(frames) == len(steps)
    for k, (d, s) in enumerate(zip(frames, steps)):
        src = d.source
        assert src.count("penwidth=3.5") == 1
        assert f"step {k + 1} of {len(steps)}" in src
        assert s.lines()[0].replace("[", "").split(":")[0] in src


@settings(max_examples=30)
@given(expressions())
def test_last_frame_agrees_with_finite_differences(case):
    root, leaves = case
    assume(all(n.op != "max" or n.parents[0] is n.parents[1]
               or abs(n.parents[0].data - n.parents[1].data) > 1e-3
               for n in autograd.topological_order(root)))  # no kinks for the finite differences
    frames = viz.draw_steps(root)
    if not frames:
        return
    src = frames[-1].source
    scene = viz.scene.Scene(root)
    for leaf in leaves:
        if id(leaf) not in scene.names:
            continue
        name = scene.name(leaf)
        wires = [ln for ln in src.splitlines() if re.match(rf"\s*{name} -> ", ln)]
        assert len(wires) == 1  # a leaf has one wire: to its gate or to its copy point
        shown = float(re.findall(rf'COLOR="{RED}"[^>]*>(?:<B>)?([^<]+)<', wires[0])[0].split("= ")[-1])
        x = leaf
        numeric = _numeric(root, x)
        # the drawing shows 3 significant digits: half a unit of the last, plus the finite
        # difference's own error (17.75 is drawn 17.8)
        size = max(abs(numeric), abs(shown))
        last_digit = 10.0 ** (math.floor(math.log10(size)) - 2) if size > 0 else 0.0
        assert abs(shown - numeric) <= 0.5 * last_digit + 1e-4 * abs(numeric) + 1e-6


# the ops expressions() uses, as plain float functions: a reference independent of the engine
REFERENCE = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "max": max,
             "neg": operator.neg, "tanh": math.tanh, "sigmoid": lambda v: 1 / (1 + math.exp(-v))}


def _numeric(root, x, eps=1e-6):
    """Central difference by re-running the recorded graph with x nudged (naive reference)."""
    def run(delta):
        values = {}
        for n in autograd.topological_order(root):
            if n.is_leaf:
                values[id(n)] = n.data + (delta if n is x else 0.0)
            else:
                values[id(n)] = REFERENCE[n.op](*(values[id(p)] for p in n.parents))
        return values[id(root)]
    return (run(eps) - run(-eps)) / (2 * eps)
