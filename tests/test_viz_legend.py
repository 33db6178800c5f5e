"""The legend explains every mark a drawing uses."""

import re

import numpy as np

import viz
from autograd import Tensor, Value


def legend(src):
    return src[src.index("label=<<TABLE"):]


def test_signed_distributor_rows_and_copy_points():
    x, y = Value(2.0, "x"), Value(1.0, "y")
    f = (x - y) * x
    src = legend(viz.draw(f).source)
    assert "signed distributor (sub): upstream to the first input, -upstream to the second" in src
    assert "<B>swap multiplier</B>" in src and "<B>adder</B>" in src
    assert "<B>router</B>" not in src and "<B>distributor</B>" not in src  # only what is drawn
    assert "copy point" in src  # x is used twice


def test_slot_labels_are_explained_when_drawn():
    a = Tensor(np.ones((2, 2)), requires_grad=True, label="a")
    b = Tensor(np.ones((2, 2)), requires_grad=True, label="b")
    two = viz.draw((a @ b).sum()).source
    assert re.search(r'POINT-SIZE="\d+">0<', two) and "which input of the gate" in legend(two)
    one = viz.draw(a.relu().sum()).source
    assert "which input of the gate" not in legend(one)


def test_other_patterns_name_their_ops():
    x = Value(0.5, "x")
    src = legend(viz.draw(x.exp().tanh()).source)
    assert "exp" in src and "tanh" in src and "<B>other</B>" in src
