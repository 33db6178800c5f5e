"""The backprop lecture, gate by gate, on chainrule's scalar engine.

1. f = (x + y) * z at x=-2, y=5, z=-4: forward values, every backward step, gradients.
2. f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2))): the same numbers through many small gates
   and through one sigmoid gate with local gradient (1 - s) * s.
3. The four gate patterns: add distributes, mul swaps, max routes, a copy adds.

Run: python demos/lecture_backprop.py [--out DIR]  (DIR gets SVG drawings and HTML steppers)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import autograd
from autograd import Value
from autograd.teaching.display import format_number as num


def banner(title):
    print(f"\n{'=' * 72}\n{title}\n{'=' * 72}")


def show_steps(root):
    for i, step in enumerate(autograd.backprop_steps(root), 1):
        for line in str(step).splitlines():
            print(f"  step {i:2d}  {line}")


def named(**values):
    return {k: Value(v, label=k) for k, v in values.items()}


def circuit_example():
    banner("1. f = (x + y) * z   at x = -2, y = 5, z = -4")
    v = named(x=-2.0, y=5.0, z=-4.0)
    q = v["x"] + v["y"]
    q.label = "q"
    f = q * v["z"]
    f.label = "f"
    print(f"forward:  q = x + y = {q.data:g}    f = q * z = {f.data:g}")
    print("backward, one gate at a time (downstream = upstream x local):")
    show_steps(f)
    f.backward()
    print("gradients: " + "  ".join(f"df/d{k} = {n.grad:g}" for k, n in {**v, "q": q}.items()))
    return f


def sigmoid_example():
    banner("2. f = 1 / (1 + exp(-(w0*x0 + w1*x1 + w2)))")
    v = named(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    a = v["w0"] * v["x0"]
    b = v["w1"] * v["x1"]
    s = a + b
    dot = s + v["w2"]
    neg = -dot
    e = neg.exp()
    d = 1 + e
    f = 1 / d
    for node, name in [(a, "w0*x0"), (b, "w1*x1"), (s, "w0*x0 + w1*x1"), (dot, "w.x + w2"),
                       (neg, "-(w.x + w2)"), (e, "exp(...)"), (d, "1 + exp(...)"), (f, "f")]:
        node.label = name
    print(f"forward: w.x + b = {num(dot.data)}, f = {num(f.data)}")
    show_steps(f)
    f.backward()
    print("gradients: " + "  ".join(f"{k} {num(n.grad)}" for k, n in v.items()))

    print("\nThe same neuron through one sigmoid gate, local gradient (1 - s) * s:")
    u = named(w0=2.0, x0=-1.0, w1=-3.0, x1=-2.0, w2=-3.0)
    s = (u["w0"] * u["x0"] + u["w1"] * u["x1"] + u["w2"]).sigmoid()
    s.label = "s"
    s.backward()
    print(f"  s = {num(s.data)}, (1 - s) * s = {num((1 - s.data) * s.data)}")
    print("  gradients: " + "  ".join(f"{k} {num(n.grad)}" for k, n in u.items()))
    return f


def pattern_examples():
    banner("3. The four gate patterns")
    a, b = Value(3.0, "a"), Value(4.0, "b")
    step = autograd.backprop_steps(a + b, grad=2.0)[0]
    print(f"add distributes:  3 + 4, upstream 2 -> {step.downstream}")
    a, b = Value(2.0, "a"), Value(3.0, "b")
    step = autograd.backprop_steps(a * b, grad=5.0)[0]
    print(f"mul swaps:        2 * 3, upstream 5 -> {step.downstream}")
    a, b = Value(4.0, "a"), Value(5.0, "b")
    step = autograd.backprop_steps(a.max(b), grad=9.0)[0]
    print(f"max routes:       max(4, 5), upstream 9 -> {step.downstream}")
    x = Value(7.0, "x")
    out = x * 4.0 + x * 2.0
    copy = next(s for s in autograd.backprop_steps(out) if s.op == "copy")
    print(f"copy adds:        x = 7 used twice, receives {' + '.join(f'{p:g}' for p in copy.upstream)}"
          f" = {copy.downstream[0]:g}")


def draw(root, out: Path, name):
    try:
        import viz
    except ImportError as e:
        print(f"(drawings skipped: {e})")
        return
    out.mkdir(parents=True, exist_ok=True)
    viz.save_stepper(root, out / f"{name}_stepper.html")
    try:
        path = viz.render(viz.draw(root), out / f"{name}_graph", format="svg")
        print(f"wrote {path} and {out / f'{name}_stepper.html'}")
    except viz.RenderError as e:
        print(f"(graph not rendered: {e}); wrote {out / f'{name}_stepper.html'}")


def main(argv=None):
    parser = argparse.ArgumentParser(description="The backprop lecture, gate by gate.")
    parser.add_argument("--out", type=Path, help="folder for SVG drawings and HTML steppers")
    args = parser.parse_args(argv)
    f1 = circuit_example()
    f2 = sigmoid_example()
    pattern_examples()
    if args.out:
        banner(f"Drawings in {args.out}/")
        draw(f1, args.out, "circuit")
        draw(f2, args.out, "sigmoid")


if __name__ == "__main__":
    main()
