"""Output sizes and parameter counts, worked the way the lectures work them, then checked by
running the layers: W2 = (W1 - F + 2P) / S + 1 and F*F*C*K weights + K biases.

    python demos/layer_arithmetic.py [--quick]

--quick lists AlexNet's two layouts from the layer formulas (placeholder weights, nothing
run) and skips VGG-16; without it the networks get real weights and one timed forward pass.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import autograd
import nn
from autograd import functional as F
from autograd.teaching.display import format_number


def sizes_7x7():
    """The lecture's 7x7 input under a 3x3 filter: (stride, padding, output, leftover)."""
    return [(s, p, *nn.fit(7, 3, stride=s, padding=p)) for s, p in ((1, 0), (2, 0), (3, 0), (1, 1))]


def shape_of(layer, shape):
    with autograd.no_grad():
        return tuple(layer(autograd.Tensor(np.zeros(shape, np.float32))).shape)


def one_by_one_is_a_perceptron(rng):
    """A 1x1 conv (64 -> 32) on a 56x56x64 volume equals one Linear(64, 32) applied to the
    64-deep column under every pixel. Returns (parameters, max |difference|)."""
    conv = nn.Conv2d(64, 32, 1, dtype=np.float64, rng=rng)
    x = rng.standard_normal((1, 64, 56, 56))
    columns = x[0].reshape(64, -1).T                          # (3136 pixels, 64 deep)
    per_pixel = columns @ conv.weight.data[:, :, 0, 0].T + conv.bias.data
    with autograd.no_grad():
        out = conv(autograd.Tensor(x)).data[0].reshape(32, -1).T
    return conv.num_parameters(), float(np.abs(out - per_pixel).max())


def linear_as_conv(rng):
    """LeNet's fc1 (400 -> 120) is a 5x5 conv with 120 filters over the 16x5x5 volume:
    same weights reshaped, output 120x1x1. Returns max |difference|."""
    fc = nn.Linear(16 * 5 * 5, 120, dtype=np.float64, rng=rng)
    x = rng.standard_normal((2, 16, 5, 5))
    with autograd.no_grad():
        dense = fc(autograd.Tensor(x.reshape(2, -1))).data
        conv = F.conv2d(autograd.Tensor(x), fc.weight.data.reshape(120, 16, 5, 5), fc.bias.data).data
    assert conv.shape == (2, 120, 1, 1)
    return float(np.abs(conv[:, :, 0, 0] - dense).max())


def classic(make, size, log, run):
    """Build a classic network and list its layers for one (1, 3, size, size) image.

    run=False builds it inside nn.meta() (placeholder weights, no memory) and takes the shapes
    from the layer formulas; run=True builds real weights and times one forward pass.
    Returns (parameters, seconds or None, summary rows)."""
    shape, seconds = (1, 3, size, size), None
    if not run:
        with nn.meta():
            model = make()
        table = nn.summary(model, shape, run=False)
    else:
        start = time.perf_counter()
        model = make().eval()
        built = time.perf_counter() - start
        x = autograd.Tensor(np.random.default_rng(0).random(shape, dtype=np.float32))
        start = time.perf_counter()
        with autograd.no_grad():
            model(x)
        seconds = time.perf_counter() - start
        table = nn.summary(model, shape)
    log(table)
    timing = f" (built in {built:.1f} s; one image in {seconds:.2f} s)" if run else ""
    log(f"{type(model).__name__}: {model.num_parameters():,} parameters{timing}\n")
    return model.num_parameters(), seconds, table.rows


def slide_conv2_stride_2():
    """CMU's AlexNet slide says conv2 has stride 2. Follow the maps from conv1's 96x27x27
    pooled output at that stride: the first fully connected layer would get 1,024 inputs."""
    with nn.meta():
        at_stride_2 = nn.Sequential(
            nn.Conv2d(96, 256, 5, stride=2, padding=2), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(256, 384, 3, padding=1), nn.Conv2d(384, 384, 3, padding=1),
            nn.Conv2d(384, 256, 3, padding=1), nn.MaxPool2d(3, stride=2), nn.Flatten())
    return [r.output_shape for r in nn.summary(at_stride_2, (1, 96, 27, 27), run=False).rows]


def main(argv=None, log=print):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="shapes by formula, skip VGG-16")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    results = {}

    log("7x7 input, 3x3 filter:")
    for s, p, size, left in sizes_7x7():
        extra = f" - the last {left} column is left over (torch floors silently)" if left else ""
        log(f"  stride {s}, padding {p}: {size}x{size}{extra}")
    try:
        nn.output_size(7, 3, stride=3, exact=True)
    except ValueError as e:
        log(f"  exact=True says: {e}")
    results["7x7"] = sizes_7x7()

    stack = nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU(), nn.Conv2d(6, 10, 5), nn.ReLU())
    s = nn.summary(stack, (1, 3, 32, 32))
    log(f"\n32x32x3 -> six 5x5x3 filters -> ten 5x5x6 filters:\n{s}")
    results["stack"] = [r.output_shape for r in s.rows if r.kind == "Conv2d"]

    pad2 = nn.Conv2d(3, 10, 5, padding=2)
    results["pad2"] = (shape_of(pad2, (1, 3, 32, 32)), pad2.num_parameters())
    log(f"\n32x32x3, ten 5x5 filters, stride 1, padding 2: {results['pad2'][0]}, "
        f"{results['pad2'][1]} parameters (each filter 5*5*3 + 1 bias = 76)")

    big = nn.Conv2d(1, 400, 8, bias=False)
    out = shape_of(big, (1, 1, 96, 96))
    results["big"] = (out, int(np.prod(out)))
    log(f"1x96x96, 400 8x8 filters: {out[1:]} = {results['big'][1]:,} values")

    params, diff = one_by_one_is_a_perceptron(rng)
    results["1x1"] = (params, diff)
    log(f"1x1 conv, 56x56x64 -> 32 filters: {params:,} parameters (64 weights + 1 bias per filter); "
        f"same as a perceptron on each pixel's 64-deep column (max difference {format_number(diff, 2)})")
    results["fc"] = linear_as_conv(rng)
    log(f"Linear(400, 120) = Conv2d(16, 120, 5) on the 16x5x5 volume, weights reshaped "
        f"(max difference {format_number(results['fc'], 2)})\n")

    log("torchvision's AlexNet (nn.AlexNet()):")
    results["AlexNet"] = classic(nn.AlexNet, 224, log, run=not args.quick)
    log("The lecture's AlexNet (nn.AlexNet(variant='lecture'), the paper's two-GPU groups kept):")
    results["AlexNet lecture"] = classic(lambda: nn.AlexNet(variant="lecture"), 227, log, run=not args.quick)
    results["conv2 stride 2"] = slide_conv2_stride_2()
    fc_in = results["conv2 stride 2"][-1][1]
    log(f"The slide's 'Conv2: stride 2' would shrink 27 -> {results['conv2 stride 2'][0][2]} and leave "
        f"{fc_in:,} inputs for the 4096-wide layer; the paper's stride 1 gives 256 x 6 x 6 = 9,216.\n")
    if not args.quick:
        results["VGG16"] = classic(nn.VGG16, 224, log, run=True)
    return results


if __name__ == "__main__":
    main()
