"""register_hook, retain_grad and detect_anomaly (watch.py): the PyTorch way of seeing
gradients, as optional steps of the one backward loop."""

from pathlib import Path

import numpy as np
import pytest

import autograd
from autograd import Tensor


def test_hook_sees_the_summed_gradient_and_may_replace_it():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    seen = []
    y.register_hook(lambda g: seen.append(g.data.copy()))
    (y * y + y).sum().backward()          # y used twice: the hook sees the sum, 2y + 1
    np.testing.assert_array_equal(seen[0], [7.0, 13.0])
    np.testing.assert_array_equal(x.grad.data, [21.0, 39.0])

    x.grad = y.grad = None
    handle = y.register_hook(lambda g: g * 0.0 + 1.0)      # replaces what flows on
    (y * y).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [3.0, 3.0])
    handle.remove()
    handle.remove()                                          # harmless twice
    x.grad = None
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [18.0, 36.0])


def test_hook_on_a_leaf_changes_its_grad_and_works_with_create_graph():
    w = Tensor([2.0], requires_grad=True)
    h = w.register_hook(lambda g: g * 10)
    (w * w).sum().backward()
    assert w.grad.item() == 40.0
    (g,) = autograd.grad((w * w * w).sum(), [w], create_graph=True)
    assert g.requires_grad and g.item() == 120.0
    h.remove()


def test_hook_errors():
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="register_hook: fn must be callable"):
        x.register_hook(3)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0]).register_hook(print)
    h = x.register_hook(lambda g: np.ones(3))
    with pytest.raises(ValueError, match=r"hook returned shape \(3,\)"):
        (x * 2).sum().backward()
    h.remove()


def test_intermediates_keep_grad_by_default_and_retain_grad_is_accepted():
    x = Tensor([1.0, -2.0], requires_grad=True)
    y = x * x
    y.retain_grad()
    y.sum().backward()
    np.testing.assert_array_equal(y.grad.data, [1.0, 1.0])
    z = x.exp()                            # no retain_grad: kept all the same (documented)
    z.sum().backward()
    np.testing.assert_allclose(z.grad.data, [1.0, 1.0])
    with pytest.raises(RuntimeError, match="retain_grad"):
        Tensor([1.0]).retain_grad()


def test_detect_anomaly_names_the_op_shapes_and_the_users_line():
    x = Tensor([0.0, 1.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = (x ** 0.5 * 2.0).sum()       # d sqrt / dx at 0 is inf
        with pytest.raises(autograd.AnomalyError) as info, np.errstate(divide="ignore"):
            y.backward()
    message = str(info.value)
    assert "backward of pow produced inf" in message and "inputs (2,)" in message
    assert f"{__file__}:" in message
    made_at = int(message.rsplit(":", 1)[1])
    src = Path(__file__).read_text().splitlines()[made_at - 1]
    assert "x ** 0.5" in src


def test_detect_anomaly_off_means_plain_nan_and_upstream_nan_is_not_blamed():
    x = Tensor([0.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x.log() * 0.0).sum().backward()    # no error outside detect_anomaly
    assert np.isnan(x.grad.data).all()
    y = Tensor([1.0], requires_grad=True)
    with autograd.detect_anomaly():
        out = (y * 2.0).sum()
        out.backward(np.array(float("nan")))   # a NaN seed is not an op's fault
    assert np.isnan(y.grad.data).all()
