"""Issue 16 item 6 and the engine bugs found alongside: inputs that used to crash or lie
either work like torch or raise one clear error."""

import os

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor, Value, no_grad
from autograd import functional as F
from autograd.kernels.memory import memory_order, scratch


def test_max_pool_window_wholly_in_the_padding_gets_zero_gradient_every_time():
    # torch: output -inf, gradient 0 (the window's max is a padding element)
    for _ in range(3):
        full = (1, 1, 3, 3)        # the padded input the backward scatters into
        scratch("window_scatter2d", full, np.float64, order=memory_order(np.ones(full))).fill(np.nan)
        x = Tensor(np.ones((1, 1, 1, 1)), requires_grad=True)
        y = F.max_pool2d(x, 2, stride=3, padding=1, dilation=2)
        assert y.data.ravel().tolist() == [-np.inf]
        y.sum().backward()
        assert x.grad.data.ravel().tolist() == [0.0]


def test_nn_save_does_not_follow_a_link(tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me")
    link = tmp_path / "model.npz"
    os.symlink(target, link)
    model = nn.Linear(2, 1)
    with pytest.raises(ValueError, match="symbolic link"):
        nn.save(model, link)
    assert target.read_text() == "keep me"
    nn.save(model, tmp_path / "ok.npz")
    loaded = nn.load(tmp_path / "ok.npz")
    np.testing.assert_array_equal(loaded["weight"], model.weight.data)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv_transpose2d(Tensor(np.ones((1, 2, 3, 3))), Tensor(np.ones((2, 0, 2, 2)))),
     r"conv_transpose2d: input \(1, 2, 3, 3\) and weight \(2, 0, 2, 2\) need at least one"),
    (lambda: F.avg_pool2d(Tensor(np.ones((1, 0, 4, 4))), 2),
     r"avg_pool2d: input \(1, 0, 4, 4\) has no channels"),
    (lambda: F.conv2d(Tensor(np.ones((1, 0, 4, 4))), Tensor(np.ones((2, 0, 3, 3)))),
     "conv2d: .* need at least one input and one output channel"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((2, 1, 0, 0)))),
     r"conv2d: kernel size \(0, 0\) must be positive"),
    (lambda: F.max_pool2d(Tensor(np.ones((1, 1, 0, 4))), 2, padding=1),
     r"max_pool2d: input has an empty spatial size \(0, 4\)"),
    (lambda: F.conv2d(Tensor(np.ones((1, 1, 4, 4))), Tensor(np.ones((1, 1, 3, 3))), padding=10**5),
     r"^conv2d: the padded input would be \(1, 1, 200004, 200004\): 40,001,600,016 numbers, "
     r"more than the 268,435,456 \(2 GiB of float64\) one array may hold; refused before computing$"),
    (lambda: F.conv1d(Tensor(np.ones((1, 1, 4))), Tensor(np.ones((1, 1, 2))), stride=0),
     "^conv1d: stride must be positive"),
    (lambda: F.conv_transpose1d(Tensor(np.ones((1, 1, 4))), Tensor(np.ones((1, 1, 2))), stride=0),
     "^conv_transpose1d: stride must be positive"),
    (lambda: F.conv_transpose1d(Tensor(np.ones((1, 2, 4))), Tensor(np.ones((1, 1, 2)))),
     "^conv_transpose1d: weight"),
])
def test_degenerate_geometry_is_one_clear_error(call, message):
    with pytest.raises(ValueError, match=message) as info:
        call()
    assert "\n" not in str(info.value)


def test_a_value_graph_made_under_no_grad_cannot_backprop():
    with no_grad():
        a = Value(2.0)
        b = a * a + 1.0
        c = b.relu()
    for out in (b, c):
        with pytest.raises(RuntimeError, match="computed under no_grad"):
            out.backward()
    a.backward()                        # a leaf made there is still a leaf
    assert a.grad == 1.0
    assert a.requires_grad and not b.requires_grad and not c.requires_grad   # like a Tensor
    d = b * a                           # b is a constant of a new graph: it keeps no gradient
    d.backward()
    assert a.grad == 1.0 + 5.0 and b.grad == 0.0


def test_integer_tensors_compute_in_float():
    u = Tensor(np.array([200, 100], dtype=np.uint8))
    y = u + 1
    assert y.dtype == np.float64 and y.data.tolist() == [201.0, 101.0]
    assert (u + u).data.tolist() == [400.0, 200.0]             # no wrap-around
    assert (u * Tensor(np.ones(2, np.float32))).dtype == np.float32
    x = Tensor(np.full((1, 1, 2, 2), 200, np.uint8))
    w = Tensor(np.ones((1, 1, 2, 2), np.uint8))
    assert F.conv2d(x, w).data.item() == 800.0                  # was 32 (uint8 wrapped)
    assert u.dtype == np.uint8                                   # the data itself is kept


def test_changing_a_saved_inputs_data_after_the_forward_is_refused():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    w.data += 1.0                       # in place on the array, then assigned: a new version
    with pytest.raises(RuntimeError, match=r"input 1 of mul \(shape \(2,\)\) had its .data changed"):
        y.backward()
    y = (x * w).sum()                   # a fresh forward sees the new numbers: fine
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [4.0, 5.0])
    p = nn.Parameter(np.ones(2))
    z = (p * p).sum()
    p.data = np.zeros(2)
    with pytest.raises(RuntimeError, match="of mul"):
        autograd.grad(z, [p])


def test_a_grad_set_to_an_array_by_hand_still_accumulates():
    x = Tensor(np.ones(3), requires_grad=True)
    x.grad = np.zeros(3)                 # off the contract (.grad is a Tensor), but it worked
    (x * 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [2.0, 2.0, 2.0])
    (x * 2).sum().backward()             # and a Tensor .grad adds as numbers, writeable
    np.testing.assert_array_equal(x.grad.data, [4.0, 4.0, 4.0])
    assert x.grad.data.flags.writeable and not x.grad.requires_grad


def test_a_value_whose_data_became_a_numpy_float_still_backprops():
    # an optimizer step with a numpy learning rate turns .data into np.float64
    x = Value(2.0)
    x.data -= np.float64(0.5)
    (x * Value(3.0)).backward()
    assert x.grad == 3.0 and type(x.grad) is float
