"""micrograd-style MLP on Values."""

import pytest

import autograd
from autograd import Value
from nn.data import make_moons
from nn.scalar import MLP, Layer, Neuron


def test_mlp_returns_value_for_one_output_and_list_otherwise():
    assert isinstance(MLP(2, [4, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [4, 3], seed=0)([1.0, Value(2.0)])
    assert isinstance(out, list) and len(out) == 3 and all(isinstance(o, Value) for o in out)


def test_the_scalar_base_class_has_a_name_of_its_own():
    import nn
    import nn.scalar
    assert all(issubclass(c, nn.scalar.ScalarModule) for c in (MLP, Layer, Neuron))
    assert not issubclass(MLP, nn.Module) and not hasattr(nn.scalar, "Module")  # no shadowing


def test_parameter_count_matches_micrograd():
    assert len(MLP(2, [16, 16, 1]).parameters()) == (2 + 1) * 16 + (16 + 1) * 16 + (16 + 1)


def test_zero_grad_resets():
    m = MLP(2, [3, 1], seed=0)
    m([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in m.parameters())
    m.zero_grad()
    assert all(p.grad == 0.0 for p in m.parameters())


def test_neuron_gradients_match_finite_differences():
    n = Neuron(3, activation="tanh")
    xs = [Value(0.3), Value(-0.2), Value(0.9)]
    assert autograd.gradcheck(lambda *v: n(list(v)), xs)
    assert autograd.gradcheck(lambda *w: Neuron.__call__(_with_weights(n, w), [0.3, -0.2, 0.9]),
                              n.w)


def _with_weights(neuron, ws):
    clone = Neuron(len(ws), activation=neuron.activation)
    clone.w, clone.b = list(ws), neuron.b
    return clone


def test_wrong_input_size_is_a_clear_error():
    with pytest.raises(ValueError, match="expected 3 inputs, got 2"):
        Layer(3, 2)([1.0, 2.0])


def test_seeded_models_are_reproducible():
    a, b = MLP(2, [4, 1], seed=7), MLP(2, [4, 1], seed=7)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]


def test_moons_are_balanced_and_noisy():
    X, y = make_moons(100, noise=0.1, seed=0)
    assert X.shape == (100, 2) and sorted(set(y)) == [-1.0, 1.0] and (y == 1).sum() == 50


@pytest.mark.slow
def test_moons_demo_reaches_97_percent():
    from demos.moons_mlp import train
    _, accuracy = train(steps=40, verbose=False)
    assert accuracy >= 0.97
