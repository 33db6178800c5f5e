"""viz.draw: deterministic DOT, lecture numbers on the wires, options, tensors, backward graphs."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
import viz
from autograd import Tensor, Value
from viz.arrays import NUMBER_PT
from viz.style import NumberFormat

GREEN, RED = "#1b7a2e", "#c0262d"


def lecture():
    x, y, z = Value(-2.0, "x"), Value(5.0, "y"), Value(-4.0, "z")
    q = x + y
    q.label = "q"
    f = q * z
    f.label = "f"
    return f, (x, y, z)


def edge_numbers(source, src, dst):
    """(values, gradients) printed on the edge src -> dst, read back from the DOT text."""
    line = next(ln for ln in source.splitlines() if re.match(rf"\s*{src} -> {dst} ", ln))
    green = re.findall(rf'COLOR="{GREEN}"[^>]*>([^<]+)<', line)
    red = re.findall(rf'COLOR="{RED}"[^>]*>(?:<B>)?([^<]+)<', line)
    return green, red


def test_dot_is_deterministic_and_uses_counters():
    a = viz.draw(lecture()[0]).source
    b = viz.draw(lecture()[0]).source
    assert a == b
    ids = re.findall(r"^\s*(\w+) \[label", a, flags=re.M)
    assert ids == ["n0", "n1", "n2", "n3", "n4", "out"]
    assert "0x" not in a  # nothing from id(obj) or reprs


def _post_order(root):
    """Reference order: recursive depth-first post-order, inputs in order (small graphs only)."""
    order, seen = [], set()

    def visit(n):
        if id(n) not in seen:
            seen.add(id(n))
            for p in n.parents:
                visit(p)
            order.append(n)
    visit(root)
    return order


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 99), st.integers(0, 99)), min_size=1,
                max_size=12))
def test_drawings_number_nodes_in_the_engines_one_order(plan):
    """Node ids follow autograd.topological_order, which is the depth-first post-order that
    visits each node's inputs in order (shared nodes once, at their first use)."""
    pool = [Value(1.0, name) for name in "abc"]
    for kind, i, j in plan:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        pool.append((a + b, a * b, a.tanh(), a.max(b))[kind])
    root = pool[-1]
    expected = _post_order(root)
    assert [id(n) for n in autograd.topological_order(root)] == [id(n) for n in expected]
    scene = viz.scene.Scene(root)
    assert [scene.name(n) for n in expected] == [f"n{k}" for k in range(len(expected))]


def test_inputs_of_a_variadic_op_are_visited_in_order():
    a, b, c = (Tensor(np.full(2, v), requires_grad=True, label=k) for k, v in zip("abc", (1.0, 2.0, 3.0)))
    root = autograd.concat([c, a, b, a])
    assert [n.label or n.op for n in autograd.topological_order(root)] == ["c", "a", "b", "concat"]


def test_lecture_snapshot_before_backward():
    f, _ = lecture()
    src = viz.draw(f).source
    # key parts: gates with their symbols and pattern colours, leaves by name
    assert re.search(r'n2 \[label=<.*<B>\+</B>.*color="#2f6db5"', src)      # add: distributor blue
    assert re.search(r'n4 \[label=<.*<B>\*</B>.*color="#d9731a"', src)      # mul: swap multiplier
    assert 'n0 [label=<<B>x</B>> shape=plaintext]' in src
    assert 'out [label=<<B>f</B>> shape=plaintext]' in src
    for src_, dst, value in [("n0", "n2", "-2"), ("n1", "n2", "5"), ("n2", "n4", "3"),
                             ("n3", "n4", "-4"), ("n4", "out", "-12")]:
        green, red = edge_numbers(src, src_, dst)
        assert green == [value]
        assert red == []  # before backward: no gradients, not zeros
    assert "above" not in src  # the legend does not promise gradients yet


def test_lecture_numbers_after_backward():
    f, _ = lecture()
    f.backward()
    src = viz.draw(f).source
    expected = {("n0", "n2"): ("-2", "-4"), ("n1", "n2"): ("5", "-4"),
                ("n2", "n4"): ("3", "-4"), ("n3", "n4"): ("-4", "3"),
                ("n4", "out"): ("-12", "1")}
    for (a, b), (value, grad) in expected.items():
        assert edge_numbers(src, a, b) == ([value], [grad])
    # forward above gradient below: the value row comes first in each label
    line = next(ln for ln in src.splitlines() if "n3 -> n4" in ln)
    assert line.index(GREEN) < line.index(RED)
    assert "gradient" in src and "swap multiplier" in src  # legend


def test_fan_out_gets_a_copy_point_with_parts_that_sum():
    # g = a*a + a at a=3: branch parts 3, 3 (from mul) and 1 (from add); total 7 = 2a + 1
    a = Value(3.0, "a")
    g = a * a + a
    g.backward()
    src = viz.draw(g).source
    assert re.search(r"c0 \[.*shape=point", src)
    assert edge_numbers(src, "n0", "c0") == (["3"], ["7"])
    branch_lines = [ln for ln in src.splitlines() if re.match(r"\s*c0 -> ", ln)]
    assert len(branch_lines) == 3
    reds = sorted(float(re.findall(rf'COLOR="{RED}"[^>]*>([^<]+)<', ln)[0]) for ln in branch_lines)
    assert reds == [1.0, 3.0, 3.0]


def test_branch_parts_left_out_when_grad_was_accumulated_twice():
    a = Value(3.0, "a")
    g = a * a + a
    g.backward()
    g.backward()  # .grad now 14: the parts of one pass no longer add up to it
    src = viz.draw(g).source
    assert edge_numbers(src, "n0", "c0") == (["3"], ["14"])
    for ln in src.splitlines():
        if re.match(r"\s*c0 -> ", ln):
            assert RED not in ln


def test_options_rankdir_values_grads_fmt():
    f, _ = lecture()
    f.backward()
    assert "rankdir=TB" in viz.draw(f, rankdir="TB").source
    no_values = viz.draw(f, values=False).source
    assert edge_numbers(no_values, "n3", "n4") == ([], ["3"])
    no_grads = viz.draw(f, grads=False).source
    assert edge_numbers(no_grads, "n3", "n4") == (["-4"], [])
    three = viz.draw(f, fmt=".3g").source
    assert edge_numbers(three, "n4", "out") == (["-12"], ["1"])
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw(f, rankdir="XY")
    with pytest.raises(ValueError, match="format spec"):
        viz.draw(f, fmt="%d")


def test_grads_forced_on_shows_zero_gradients():
    f, _ = lecture()
    src = viz.draw(f, grads=True).source
    assert edge_numbers(src, "n3", "n4") == (["-4"], ["0"])


def test_number_format_never_prints_negative_zero():
    fmt = NumberFormat(".2f")
    assert fmt(-0.0) == "0.00"
    assert fmt(-0.001) == "0.00"
    assert fmt(-0.006) == "-0.01"
    assert fmt(float("inf")) == "inf"


def test_ops_get_their_symbols_and_unlabelled_constants_show_their_value():
    x = Value(0.5, "x")
    y = (2 * x).exp() + x.sigmoid() + x ** 2 + x.max(Value(0.1, "m"))
    src = viz.draw(y).source
    for sym in ("exp", "σ", "**2", "max"):
        assert f"<B>{sym}</B>" in src
    assert "<B>2</B>" in src  # the constant 2 as a leaf
    assert 'color="#8a3fa8"' in src  # max: router purple


def test_rejects_non_nodes():
    with pytest.raises(TypeError, match="Value or a Tensor"):
        viz.draw(3.0)


def test_deep_chain_draws_without_recursion():
    x = Value(1.0, "x")
    y = x
    for _ in range(3000):
        y = y * 1.0
    src = viz.draw(y).source
    assert src.count("->") > 3000


# ---------------------------------------------------------------- tensors

def cells(source, node, color):
    line = next(ln for ln in source.splitlines() if re.match(rf"\s*{node} \[label", ln))
    return [float(v) for v in re.findall(rf'COLOR="{color}" POINT-SIZE="{NUMBER_PT}">([-\d.]+)<', line)]


def test_small_tensors_show_values_and_gradients_as_matrices():
    w = Tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True, label="W")
    loss = (w * w).sum()
    loss.backward()
    src = viz.draw(loss).source
    assert cells(src, "n0", GREEN) == [1.0, -2.0, 3.0, 0.5]
    assert cells(src, "n0", RED) == [2.0, -4.0, 6.0, 1.0]  # d/dW sum(W^2) = 2W
    assert "(2, 2)" in src and "<B>sum</B>" in src and "<B>*</B>" in src


def test_large_tensors_show_shape_and_gradient_summary():
    data = np.arange(64.0).reshape(8, 8) / 10
    x = Tensor(data, requires_grad=True, label="x")
    (x * 3.0).sum().backward()
    src = viz.draw((x * 3.0).sum(), grads=False).source
    assert "(8, 8)" in src and "min 0  max 6.3  mean 3.15" in src
    x.grad = None
    loss = (x * x).sum()
    loss.backward()
    src = viz.draw(loss).source
    g = 2 * data
    fmt = NumberFormat()
    assert f"min {fmt(g.min())}  max {fmt(g.max())}  mean {fmt(g.mean())}" in src
    assert "min 0  max 12.6  mean 6.3" in src


def test_a_few_channels_are_drawn_one_matrix_each():
    x = Tensor(np.arange(2 * 3 * 3.0).reshape(1, 2, 3, 3), requires_grad=True, label="img")
    src = viz.draw(x.sum()).source
    assert "[0, 0, :, :]" in src and "[0, 1, :, :]" in src
    assert cells(src, "n0", GREEN) == list(np.arange(18.0))


def test_hyper_parameters_are_shown():
    x = Tensor(np.ones((2, 3)), requires_grad=True, label="x")
    y = x.sum(axis=1)
    assert "axis=(1,)" in viz.draw(y).source


def test_conv_and_pool_nodes_show_their_parameters():
    F = autograd.functional
    if not hasattr(F, "conv2d") or not hasattr(F, "max_pool2d"):
        pytest.skip("autograd.functional has no conv2d/max_pool2d yet")
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True, label="x")
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True, label="w")
    y = F.max_pool2d(F.conv2d(x, w, stride=1, padding=1), 2)
    src = viz.draw(y.sum()).source
    conv = next(ln for ln in src.splitlines() if "<B>conv2d</B>" in ln)
    assert re.search(r"padding=(1|\(1, 1\))", conv) and not re.search(r"stride=", conv)  # default hidden
    full = next(ln for ln in viz.draw(y.sum(), defaults=True).source.splitlines() if "<B>conv2d</B>" in ln)
    assert re.search(r"stride=(1|\(1, 1\))", full) and re.search(r"groups=1", full)
    pool = next(ln for ln in src.splitlines() if "<B>max_pool2d</B>" in ln)
    assert re.search(r"kernel(_size)?=(2|\(2, 2\))", pool)
    assert 'color="#8a3fa8"' in pool  # max-pool is a router


# ---------------------------------------------------------------- backward graphs

def test_scalar_backward_graph_marks_derived_nodes():
    x = Value(3.0, "x")
    f = x * x * x
    (g,) = autograd.grad(f, [x], create_graph=True)
    assert g.data == pytest.approx(27.0)  # 3 x^2
    src = viz.draw(g, forward=f).source
    dashed = re.findall(r"^\s*(n\d+) \[.*style=\"filled,dashed\"", src, flags=re.M)
    solid = re.findall(r"^\s*(n\d+) \[.*style=filled\b(?!,)", src, flags=re.M)
    assert dashed and solid  # both kinds present
    assert "create_graph=True" in src.split("label=<<TABLE")[-1]  # the legend
    assert "create_graph=True" not in viz.draw(f).source


def test_tensor_backward_graph_of_conv_is_a_transposed_conv():
    F = autograd.functional
    if not hasattr(F, "conv2d"):
        pytest.skip("autograd.functional has no conv2d yet")
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3), requires_grad=True, label="x")
    w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True, label="w")
    out = F.conv2d(x, w).sum()
    (gx,) = autograd.grad(out, [x], create_graph=True)
    src = viz.draw(gx, forward=out).source
    backward_ops = re.findall(r"<B>(\w+)</B>[^\n]*style=\"filled,dashed,rounded\"", src)
    assert "conv_transpose2d" in backward_ops
    assert re.search(r"<B>w</B>[^\n]*style=rounded\b", src)  # the weight is a forward node


def test_tensor_backward_graph_of_matmul_uses_the_other_input():
    # d/dX sum(X @ W) = upstream @ W^T: the drawing shows a backward matmul fed by W's transpose
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, label="X")
    w = Tensor(np.arange(12.0).reshape(3, 4) / 10, requires_grad=True, label="W")
    out = (x @ w).sum()
    (gx,) = autograd.grad(out, [x], create_graph=True)
    np.testing.assert_allclose(gx.data, np.ones((2, 4)) @ w.data.T)
    src = viz.draw(gx, forward=out).source
    backward_ops = re.findall(r"<B>([^<]+)</B>[^\n]*style=\"filled,dashed,rounded\"", src)
    assert "@" in backward_ops and "transpose" in backward_ops
    assert re.search(r"<B>W</B>[^\n]*style=rounded\b", src)
    assert not re.search(r"<B>X</B>", src)  # X itself does not enter its own gradient


def test_any_op_is_drawn_from_its_name_pattern_and_params(declare):
    # a stand-in for a primitive written elsewhere (conv, pool): nothing in viz knows it
    def fwd(x, w, stride, padding, kernel_size):
        return x[..., ::stride, ::stride] * w.sum()

    fake = declare("fakeconv2d", autograd.Pattern.SWAP_MULTIPLIER, fwd,
                       backward=(lambda g, out, x, w, **p: x * 0.0, lambda g, out, x, w, **p: w * 0.0))
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True, label="x")
    w = Tensor(np.ones((1, 1, 3, 3)), requires_grad=True, label="w")
    y = fake(x, w, stride=2, padding=1, kernel_size=(3, 3))
    src = viz.draw(y).source
    line = next(ln for ln in src.splitlines() if "fakeconv2d" in ln)
    assert all(p in line for p in ("kernel_size=(3, 3)<", "padding=1<", "stride=2<"))
    assert 'color="#d9731a"' in line  # swap multiplier colour
    assert "(1, 1, 2, 2)" in line
    assert cells(src, "n2", GREEN) == [0.0, 18.0, 72.0, 90.0]  # x[::2, ::2] * 9


def _rgb(color):
    return [int(color[k:k + 2], 16) for k in (1, 3, 5)]


def test_backward_nodes_have_a_fill_of_their_own():
    # the backward fill must not pass for a gate pattern (it once was the router's lilac)
    from viz import style
    fills = [fill for _, fill, _ in style.PATTERNS.values()] + [style.OTHER[1]]
    for fill in fills:
        distance = sum(abs(a - b) for a, b in zip(_rgb(style.BACKWARD_FILL), _rgb(fill)))
        assert distance > 60, (fill, style.BACKWARD_FILL)
    x = Value(3.0, "x")
    f = x * x * x
    (g,) = autograd.grad(f, [x], create_graph=True)
    src = viz.draw(g, forward=f).source
    dashed = [ln for ln in src.splitlines() if 'style="filled,dashed"' in ln]
    assert dashed and all(f'fillcolor="{style.BACKWARD_FILL}"' in ln for ln in dashed)
    legend = src.split("label=<<TABLE")[-1]
    assert (f'<FONT COLOR="{style.BACKWARD_EDGE}" POINT-SIZE="10">{style.SWATCH} </FONT>'
            '<FONT POINT-SIZE="10"><B>backward</B></FONT>') in legend


def test_array_valued_parameters_are_shown_by_kind_and_shape():
    from viz.style import params_list
    assert params_list({"index": np.zeros((1, 1, 2, 2), np.uint8), "stride": 2,
                        "kernel_size": (2, 2), "mask": np.ones(3, bool), "axis": np.array(1)}) == \
        ["axis=1", "index: int array (1, 1, 2, 2)", "kernel_size=(2, 2)", "mask: bool array (3,)",
         "stride=2"]
    F = autograd.functional
    if not hasattr(F, "max_pool2d"):
        pytest.skip("autograd.functional has no max_pool2d")
    x = Tensor(np.arange(16.0).reshape(1, 1, 4, 4), requires_grad=True, label="x")
    w = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True, label="w")
    out = (F.max_pool2d(x, 2) * w).sum()
    (gx,) = autograd.grad(out, [x], create_graph=True)
    src = viz.draw(gx, forward=out).source
    assert "array(" not in src
    line = next(ln for ln in src.splitlines() if "<B>window_scatter2d</B>" in ln)
    # recorded, a strided pool scatters at stride 1 (after upsample2d): the index is 3x3
    assert "index: int array (1, 1, 3, 3)" in line and "kernel_size=(2, 2)" in line

def test_digits_follow_the_number_policy():
    x = Value(8.0, "x")
    f = x.sigmoid()
    f.backward()
    src = viz.draw(f).source
    assert edge_numbers(src, "n0", "n1") == (["8"], ["3.35e-4"])  # never 0.00
    five = viz.draw(f, digits=5).source
    assert edge_numbers(five, "n0", "n1") == (["8"], ["3.3524e-4"])
    with pytest.raises(ValueError, match="digits"):
        viz.draw(f, digits=0)
