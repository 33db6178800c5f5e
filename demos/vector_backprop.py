"""Backprop with vectors and matrices: the lecture's examples, run and checked.

    python demos/vector_backprop.py

1. Elementwise ReLU: the Jacobian is diag(x > 0), sparse, and the engine never forms it.
2. y = x W: dL/dx = dL/dy W^T and dL/dW = x^T dL/dy (the swap multiplier, vectorized).
3. Why engines never form Jacobians: the size of one for a 64x4096 by 4096x4096 matmul.
4. Scalar expansion: the same matmul as a graph of mul and add gates gives the same numbers.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from autograd import Tensor, backprop_steps, jacobian
from autograd.teaching.display import format_number
from autograd.teaching.expand import compare
from demos.number_text import array_text


def show(name, array):
    text = array_text(array)
    print(f"  {name} = " + text.replace("\n", "\n" + " " * (len(name) + 5)))


def check(name, got, want):
    ok = np.allclose(got, want)
    print(f"  check {name}: {'ok' if ok else 'MISMATCH'}")
    if not ok:
        raise SystemExit(f"{name}: got {got}, want {want}")


def relu_example():
    print("1. Elementwise ReLU")
    x = Tensor([1.0, -2.0, 3.0, -1.0], requires_grad=True, label="x")
    up = np.array([4.0, -1.0, 5.0, 9.0])
    y = x.relu()
    for step in backprop_steps(y, up):
        print("  " + str(step))
    y.backward(up)
    show("dL/dx", x.grad)
    check("dL/dx = [4, 0, 5, 0]", np.asarray(x.grad), [4.0, 0.0, 5.0, 0.0])
    J = jacobian(lambda t: t.relu(), x.data)        # formed here only to look at it
    show("Jacobian", J)
    print(f"  {int((J != 0).sum())} of its {J.size} entries are non-zero: the engine applies "
          "diag(x > 0) as a mask and never builds the matrix.")
    check("upstream @ J equals the mask", up @ J, np.asarray(x.grad))
    print()


def matmul_example():
    print("2. Matrix multiply y = x W")
    x = Tensor([[2.0, 1, -3], [-3, 4, 2]], requires_grad=True, label="x")
    w = Tensor([[3.0, 2, 1, -1], [2, 1, 3, 2], [3, 2, 1, -2]], requires_grad=True, label="W")
    up = np.array([[2.0, 3, -3, 9], [-8, 1, 4, 6]])
    y = x @ w
    show("y", y)
    (step,) = backprop_steps(y, up)
    print(f"  {step.op} ({step.pattern}): local {step.local[0]!r} for x, {step.local[1]!r} for W")
    y.backward(up)
    show("dL/dy", up)
    show("dL/dx = dL/dy W^T", x.grad)
    show("dL/dW = x^T dL/dy", w.grad)
    # the same sums written out element by element, as the lecture derives them
    naive_dx = [[sum(up[n, m] * w.data[d, m] for m in range(4)) for d in range(3)] for n in range(2)]
    naive_dw = [[sum(x.data[n, d] * up[n, m] for n in range(2)) for m in range(4)] for d in range(3)]
    check("dL/dx (loop over the sum)", np.asarray(x.grad), naive_dx)
    check("dL/dW (loop over the sum)", np.asarray(w.grad), naive_dw)
    print()


def jacobian_size():
    print("3. Why the Jacobian is never formed")
    n, d, m = 64, 4096, 4096
    entries = (n * d) * (n * m)
    print(f"  y = x W with x: {n}x{d}, W: {d}x{m}: dy/dx has ({n}*{m}) x ({n}*{d}) = {entries:,} "
          f"entries, {entries * 4 / 2**30:,.0f} GiB in float32;")
    print(f"  dy/dW has ({n}*{m}) x ({d}*{m}) entries, {n * m * d * m * 4 / 2**40:,.0f} TiB.")
    print(f"  The vector-Jacobian product dL/dx = dL/dy W^T needs {n * d * 4 / 2**20:.0f} MiB.")
    x = Tensor(np.zeros((n, d), np.float32), requires_grad=True)
    w = np.zeros((d, m), np.float32)
    try:
        jacobian(lambda t: t @ w, x)
    except MemoryError as e:
        print(f"  autograd.jacobian refuses: {e}")
    print()


def scalar_expansion():
    print("4. Scalar expansion: a 2x3 @ 3x2 matmul as a graph of Value gates")
    rng = np.random.default_rng(0)
    x, w = rng.integers(-3, 4, (2, 3)).astype(float), rng.integers(-3, 4, (3, 2)).astype(float)
    up = rng.integers(-3, 4, (2, 2)).astype(float)
    r = compare(lambda a, b: a @ b, [x, w], upstream=up, names=["x", "W"])
    print(f"  scalar graph: {dict(r.gates)} (each output: 3 mul gates, 2 add gates)")
    show("tensor dL/dx", r.tensor_grads[0])
    show("scalar dL/dx", r.scalar_grads[0])
    show("tensor dL/dW", r.tensor_grads[1])
    show("scalar dL/dW", r.scalar_grads[1])
    check("tensor and scalar gradients equal, number for number", r.max_difference(), 0.0)
    mlp = compare(lambda a, b: (a @ b).relu().sum(), [x, w])
    print(f"  relu(x W).sum() as scalars: {dict(mlp.gates)}; largest difference "
          f"{format_number(mlp.max_difference(), 2)}")


def main(argv=()):
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    relu_example()
    matmul_example()
    jacobian_size()
    scalar_expansion()


if __name__ == "__main__":
    main(sys.argv[1:])
