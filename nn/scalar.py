"""micrograd-style Neuron, Layer and MLP on scalar Values."""

from __future__ import annotations

import random

from autograd import Value


class ScalarModule:
    """Base of the scalar Neuron, Layer and MLP: a list of Value parameters (not nn.Module)."""

    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


class Neuron(ScalarModule):
    """w . x + b, then tanh/relu (or nothing when ``nonlin`` is False)."""

    def __init__(self, nin, nonlin=True, activation="relu", rng=random):
        if activation not in ("relu", "tanh"):
            raise ValueError(f"Neuron: activation must be 'relu' or 'tanh', got {activation!r}")
        self.w = [Value(rng.uniform(-1, 1), label="w") for _ in range(nin)]
        self.b = Value(0.0, label="b")
        self.nonlin = nonlin
        self.activation = activation

    def __call__(self, x):
        if len(x) != len(self.w):
            raise ValueError(f"Neuron: expected {len(self.w)} inputs, got {len(x)}")
        act = self.b
        for wi, xi in zip(self.w, x):
            act = act + wi * xi
        if not self.nonlin:
            return act
        return act.relu() if self.activation == "relu" else act.tanh()

    def parameters(self):
        return [*self.w, self.b]

    def __repr__(self):
        kind = self.activation.capitalize() if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(ScalarModule):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self):
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(ScalarModule):
    """MLP(nin, [h1, h2, ..., nout]): hidden layers with ``activation``, a linear last layer.

    Called on a list of floats or Values; returns a Value when the last layer has one
    output, else a list of Values.
    """

    def __init__(self, nin, nouts, activation="relu", seed=None):
        rng = random.Random(seed) if seed is not None else random
        sizes = [nin, *nouts]
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1,
                             activation=activation, rng=rng) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
            x = [x] if isinstance(x, Value) else x
        return x[0] if len(x) == 1 else x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self):
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
