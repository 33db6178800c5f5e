"""Layer arithmetic as the lectures do it: output sizes, left-over pixels, parameter counts.

    output_size(7, 3, stride=3)        -> 2, with 1 column of the input never visited
    fit(7, 3, stride=3)                -> Fit(size=2, leftover=1)
    summary(nn.LeNet5(), (1, 1, 32, 32))  a torch-summary style table: layer, output, parameters
    with nn.meta(): vgg = nn.VGG19()      placeholder weights (no memory), then
    summary(vgg, (1, 3, 224, 224), run=False)   shapes from the layer formulas, nothing run
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from autograd import Tensor, no_grad
from autograd.ops.arguments import pair

from .conv import Conv1d, Conv2d, ConvTranspose2d
from .linear import Linear
from .module import Module
from .shape_rules import output_shape
from .sizes import fit

# ---------------------------------------------------------------- summary

class Row(NamedTuple):
    name: str
    kind: str
    output_shape: tuple
    parameters: int
    note: str = ""
    connections: int = 0      # weight x input products into this output (multiply-adds)


def _connections(layer, in_shape, out_shape):
    """How many weight x input products a conv or fully connected layer computes: each output
    of a conv sees (C_in / groups) x kH x kW inputs, of a Linear in_features; a transposed
    conv stamps (C_out / groups) x kH x kW products per input. 0 for other layers."""
    if isinstance(layer, Linear):
        return int(np.prod(out_shape)) * layer.in_features
    if isinstance(layer, (Conv2d, Conv1d)):          # Conv1d keeps a (1, k) kernel
        kh, kw = layer.kernel_size
        return int(np.prod(out_shape)) * (layer.in_channels // layer.groups) * kh * kw
    if isinstance(layer, ConvTranspose2d):
        kh, kw = layer.kernel_size
        return int(np.prod(in_shape)) * (layer.out_channels // layer.groups) * kh * kw
    return 0


def _note(layer, in_shape):
    """Why a conv/pool layer drops pixels, or ""."""
    k = getattr(layer, "kernel_size", None)
    if k is None or len(in_shape) != 4:
        return ""
    name = type(layer).__name__
    stride = getattr(layer, "stride", (1, 1))
    padding = getattr(layer, "padding", (0, 0))
    dilation = getattr(layer, "dilation", (1, 1))
    if name.startswith("ConvTranspose") or getattr(layer, "ceil_mode", False) or padding == "same":
        return ""
    padding = (0, 0) if padding == "valid" else padding
    notes = []
    for axis, what in ((0, "row"), (1, "column")):
        n = in_shape[2 + axis]
        left = fit(n, k[axis], stride[axis], padding[axis], dilation[axis]).leftover
        if left:
            notes.append(f"last {left} {what}{'s' if left > 1 else ''} of {n} left over")
    return "; ".join(notes)


class Summary:
    """The rows of ``summary()``; ``str()`` is the table, ``.total`` the parameter count."""

    def __init__(self, rows, input_shape, total):
        self.rows, self.input_shape, self.total = rows, tuple(input_shape), total

    @property
    def neurons(self):
        """Outputs of the conv and fully connected layers, per example (AlexNet's "650K neurons")."""
        return sum(int(np.prod(r.output_shape[1:])) for r in self.rows if r.connections)

    @property
    def connections(self):
        """Weight x input products per example (AlexNet's "630M connections"): multiply-adds."""
        return sum(r.connections for r in self.rows) // max(1, self.input_shape[0])

    def __str__(self):
        head = ("layer (type)", "output shape", "params")
        cells = [(f"{r.name} ({r.kind})", str(r.output_shape), f"{r.parameters:,}") for r in self.rows]
        w = [max(len(c[i]) for c in [head, *cells]) for i in range(3)]
        line = "-" * (w[0] + w[1] + w[2] + 4)
        out = [f"input {self.input_shape}", line,
               f"{head[0]:<{w[0]}}  {head[1]:>{w[1]}}  {head[2]:>{w[2]}}", line]
        for r, c in zip(self.rows, cells):
            out.append(f"{c[0]:<{w[0]}}  {c[1]:>{w[1]}}  {c[2]:>{w[2]}}"
                       + (f"   ! {r.note}" if r.note else ""))
        out += [line, f"total parameters: {self.total:,}"]
        if self.connections:
            out.append(f"per example: {self.neurons:,} conv/fc outputs (neurons), "
                       f"{self.connections:,} connections (multiply-adds)")
        return "\n".join(out)

    def __repr__(self):
        return str(self)


def _leaves(model):
    """(dotted name, module) for modules without children: the layers that compute."""
    return [(n or type(m).__name__, m) for n, m in model.named_modules() if not m.children()]


def summary(model, input_shape, dtype=np.float32, run=True):
    """List each computing layer's output shape and parameter count for an input of
    ``input_shape`` (N, C, H, W), noting where a stride leaves pixels unvisited (torch floors
    silently).

    run=True runs ``model`` once on zeros under no_grad. run=False runs nothing: shapes
    follow from the layer formulas (nn/shape_rules.py), so a model built inside
    ``nn.meta()`` is summarised without memory or arithmetic."""
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    shape = tuple(input_shape)
    if not shape or not all(isinstance(s, (int, np.integer)) and s > 0 for s in shape):
        raise ValueError(f"summary: input_shape must be positive ints, got {input_shape!r}")
    rows = []

    def row(name, layer, in_shape, out_shape):
        params = sum(p.data.size for p in layer.parameters())
        rows.append(Row(name, type(layer).__name__, tuple(out_shape), params, _note(layer, tuple(in_shape)),
                        _connections(layer, tuple(in_shape), tuple(out_shape))))

    if not run:
        names = {id(m): n or type(m).__name__ for n, m in model.named_modules()}

        def visit(layer, in_shape):
            out = output_shape(layer, in_shape, visit)
            if not layer.children():
                row(names.get(id(layer), type(layer).__name__), layer, in_shape, out)
            return tuple(int(d) for d in out)

        visit(model, shape)
        return Summary(rows, shape, model.num_parameters())

    def watch(name, layer):
        inner = layer.forward

        def forward(x, *args, **kwargs):
            out = inner(x, *args, **kwargs)
            row(name, layer, x.shape, out.shape)
            return out
        return forward

    leaves = _leaves(model)
    for name, layer in leaves:
        layer.forward = watch(name, layer)
    try:
        with no_grad():
            model(Tensor(np.zeros(shape, dtype=dtype)))
    finally:
        for _, layer in leaves:
            del layer.forward
    return Summary(rows, shape, model.num_parameters())


def conv_parameters(in_channels, out_channels, kernel_size, bias=True, groups=1):
    """Learnable numbers in a conv layer: out x (in/groups) x kH x kW (+ out biases)."""
    kh, kw = pair(kernel_size, "kernel_size", "conv_parameters")
    return out_channels * (in_channels // groups) * kh * kw + (out_channels if bias else 0)
