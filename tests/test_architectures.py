"""The architectures the lectures name: parameter counts and output sizes against the papers,
the lecture and torchvision's published numbers, each also computed here from the layer
formulas (F*F*C/groups*K + K for a conv, in*out + out for a fully connected layer, 2C for a
batch norm). Models are built inside nn.meta() (placeholder weights, no memory) and listed
with nn.summary(run=False) (shapes by formula); the run path is compared on small inputs."""

import tracemalloc

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor


def conv(c_in, c_out, k, groups=1, bias=True):
    return c_out * (c_in // groups) * k * k + (c_out if bias else 0)


def fc(n_in, n_out):
    return n_in * n_out + n_out


def bn(c):
    return 2 * c


def side(n, f, s=1, p=0):
    """(N - F + 2P) / S + 1, the lecture's formula, refusing a stride that does not fit."""
    assert (n - f + 2 * p) % s == 0, f"{n}, {f}, {s}, {p} does not fit"
    return (n - f + 2 * p) // s + 1


def build(make, *args, **kwargs):
    with nn.meta():
        return make(*args, **kwargs)


def shapes(model, size, kind=None):
    rows = nn.summary(model, (1, 3, size, size), run=False).rows
    return [r.output_shape for r in rows if kind is None or r.kind == kind]


def weight_layers(model, size):
    return sum(1 for r in nn.summary(model, (1, 3, size, size), run=False).rows
               if r.kind in ("Conv2d", "Linear") and ".downsample." not in r.name)


CLASSIFIER = fc(9216, 4096) + fc(4096, 4096) + fc(4096, 1000)


# ---------------------------------------------------------------- AlexNet

def test_lecture_alexnet_with_the_papers_two_groups():
    model = build(nn.AlexNet, variant="lecture")
    expected = (conv(3, 96, 11) + conv(96, 256, 5, groups=2) + conv(256, 384, 3)
                + conv(384, 384, 3, groups=2) + conv(384, 256, 3, groups=2) + CLASSIFIER)
    assert model.num_parameters() == expected == 60_965_224
    assert model.groups == 2


def test_lecture_alexnet_joined():
    model = build(nn.AlexNet, variant="lecture", groups=1)
    expected = (conv(3, 96, 11) + conv(96, 256, 5) + conv(256, 384, 3) + conv(384, 384, 3)
                + conv(384, 256, 3) + CLASSIFIER)
    assert model.num_parameters() == expected == 62_378_344


def test_torchvision_alexnet_stays_the_default():
    model = build(nn.AlexNet)
    expected = (conv(3, 64, 11) + conv(64, 192, 5) + conv(192, 384, 3) + conv(384, 256, 3)
                + conv(256, 256, 3) + CLASSIFIER)
    assert model.num_parameters() == expected == 61_100_840
    assert shapes(model, 224, "Conv2d")[0] == (1, 64, 55, 55)


def test_lecture_alexnet_sizes_follow_the_slide():
    # 227 -> conv 11/4 -> 55 -> pool 3/2 -> 27 -> conv 5 p2 -> 27 -> pool -> 13 -> three 3x3 p1
    # convs -> 13 -> pool -> 6: 256 x 6 x 6 = 9,216 inputs to the first fully connected layer
    s1 = side(227, 11, 4)
    p1 = side(s1, 3, 2)
    p2 = side(side(p1, 5, 1, 2), 3, 2)
    p3 = side(side(p2, 3, 1, 1), 3, 2)
    assert (s1, p1, p2, p3) == (55, 27, 13, 6)
    model = build(nn.AlexNet, variant="lecture")
    convs = shapes(model, 227, "Conv2d")
    assert convs == [(1, 96, s1, s1), (1, 256, p1, p1), (1, 384, p2, p2), (1, 384, p2, p2), (1, 256, p2, p2)]
    assert shapes(model, 227, "MaxPool2d") == [(1, 96, p1, p1), (1, 256, p2, p2), (1, 256, p3, p3)]
    assert shapes(model, 227, "Flatten") == [(1, 256 * p3 * p3)] == [(1, 9216)]
    assert weight_layers(model, 227) == 8


def test_the_slides_conv2_stride_2_cannot_feed_9216_inputs():
    """CMU's slide says "Conv2: stride 2": the maps would go 27 -> 14 -> 6 -> 2, 1,024 inputs."""
    at_stride_2 = nn.Sequential(nn.Conv2d(96, 256, 5, stride=2, padding=2), nn.MaxPool2d(3, stride=2),
                                nn.Conv2d(256, 384, 3, padding=1), nn.Conv2d(384, 384, 3, padding=1),
                                nn.Conv2d(384, 256, 3, padding=1), nn.MaxPool2d(3, stride=2), nn.Flatten())
    assert shapes_of(at_stride_2, (1, 96, 27, 27))[-1] == (1, 256 * 2 * 2) == (1, 1024)


def shapes_of(model, shape):
    return [r.output_shape for r in nn.summary(model, shape, run=False).rows]


def test_lecture_alexnet_neurons_and_connections():
    """The slide's "650K neurons, 630M connections": the outputs of the conv and fully connected
    layers per image, and the weight x input products (multiply-adds) that make them."""
    s = nn.summary(build(nn.AlexNet, variant="lecture"), (2, 3, 227, 227), run=False)
    maps = [(96, 55, 3 * 11 * 11), (256, 27, 48 * 5 * 5), (384, 13, 256 * 3 * 3), (384, 13, 192 * 3 * 3),
            (256, 13, 192 * 3 * 3)]                     # (maps, side, inputs per output: C/groups x k x k)
    dense = [(4096, 9216), (4096, 4096), (1000, 4096)]
    neurons = sum(c * n * n for c, n, _ in maps) + sum(o for o, _ in dense)
    connections = sum(c * n * n * fan for c, n, fan in maps) + sum(o * i for o, i in dense)
    assert s.neurons == neurons == 659_272                # the slide rounds to 650K
    assert s.connections == connections == 724_406_816   # the slide's 630M is not reproduced
    assert "659,272 conv/fc outputs" in str(s)


@pytest.mark.parametrize("layer, shape", [
    (nn.Conv2d(4, 6, 3, stride=2, groups=2, dtype=np.float64), (1, 4, 7, 6)),
    (nn.Conv1d(2, 3, 3, dilation=2, dtype=np.float64), (1, 2, 9)),
    (nn.ConvTranspose2d(2, 4, 3, stride=2, groups=2, dtype=np.float64), (1, 2, 3, 3)),
    (nn.Linear(5, 3, dtype=np.float64), (2, 5)),
])
def test_connections_are_the_nonzeros_of_the_jacobian(layer, shape):
    """Without padding every counted product joins a real input to an output: the count equals
    the number of non-zero entries of d output / d input (random weights are never 0)."""
    x = np.random.default_rng(7).standard_normal(shape)
    jac = autograd.jacobian(lambda t: layer(t), x)
    shaped = nn.summary(nn.Sequential(layer), shape, run=False).rows[0]
    ran = nn.summary(nn.Sequential(layer), shape).rows[0]
    assert shaped.connections == ran.connections == np.count_nonzero(jac)


def test_alexnet_checks_its_variant_input_and_groups():
    with pytest.raises(ValueError, match="variant must be one of 'torchvision', 'lecture'"):
        nn.AlexNet(variant="paper")
    with pytest.raises(ValueError, match="groups must be 1 or 2"):
        build(nn.AlexNet, variant="lecture", groups=4)
    with pytest.raises(ValueError, match="groups applies to variant='lecture'"):
        build(nn.AlexNet, groups=2)
    model = build(nn.AlexNet, variant="lecture")
    with pytest.raises(ValueError, match=r"expects input \(N, 3, 227, 227\), got shape \(1, 3, 224, 224\)"):
        nn.summary(model, (1, 3, 224, 224), run=False)
    with pytest.raises(ValueError, match=r"AlexNet: expects input \(N, 3, 227, 227\)"):
        model(Tensor(np.zeros((1, 3, 224, 224), np.float32)))


def test_lecture_alexnet_runs_on_one_image_and_the_run_agrees_with_the_shape_path():
    model = build(nn.AlexNet, variant="lecture").eval()
    assert rows(model, 227, run=True) == rows(model, 227, run=False)


# ---------------------------------------------------------------- ZFNet

@pytest.mark.parametrize("variant, widths", [("paper", (384, 384, 256)), ("lecture", (512, 1024, 512))])
def test_zfnet(variant, widths):
    w3, w4, w5 = widths
    model = build(nn.ZFNet, variant=variant)
    expected = (conv(3, 96, 7) + conv(96, 256, 5) + conv(256, w3, 3) + conv(w3, w4, 3) + conv(w4, w5, 3)
                + fc(w5 * 6 * 6, 4096) + fc(4096, 4096) + fc(4096, 1000))
    assert model.num_parameters() == expected
    # the paper's figure: 224 -> 110 (conv1 7x7/2) -> 55 (pool) -> 26 (conv2 5x5/2) -> 13 (pool) -> 6
    convs = shapes(model, 224, "Conv2d")
    assert [c[2] for c in convs] == [110, 26, 13, 13, 13]
    assert [c[1] for c in convs] == [96, 256, w3, w4, w5]
    assert [p[2] for p in shapes(model, 224, "MaxPool2d")] == [55, 13, 6]
    assert weight_layers(model, 224) == 8


def test_zfnet_paper_count():
    assert build(nn.ZFNet).num_parameters() == 62_357_608


# ---------------------------------------------------------------- VGG

# the paper's Table 1: 3x3 convs per block (C: the last conv of blocks 3-5 is 1x1)
VGG_BLOCKS = {"A": (1, 1, 2, 2, 2), "B": (2, 2, 2, 2, 2), "C": (2, 2, 3, 3, 3), "D": (2, 2, 3, 3, 3),
              "E": (2, 2, 4, 4, 4)}
PUBLISHED = {"A": 132_863_336, "B": 133_047_848, "D": 138_357_544, "E": 143_667_240}   # torchvision


def vgg_count(config):
    total, c_in = 0, 3
    for block, (n, width) in enumerate(zip(VGG_BLOCKS[config], (64, 128, 256, 512, 512))):
        for i in range(n):
            one_by_one = config == "C" and block >= 2 and i == n - 1
            total += conv(c_in, width, 1 if one_by_one else 3)
            c_in = width
    return total + fc(512 * 7 * 7, 4096) + fc(4096, 4096) + fc(4096, 1000)


@pytest.mark.parametrize("config", list("ABCDE"))
def test_vgg_configurations(config):
    model = build(nn.VGG, config)
    assert model.num_parameters() == vgg_count(config)
    if config in PUBLISHED:
        assert vgg_count(config) == PUBLISHED[config]
    assert weight_layers(model, 224) == {"A": 11, "B": 13, "C": 16, "D": 16, "E": 19}[config]
    assert [p[2] for p in shapes(model, 224, "MaxPool2d")] == [112, 56, 28, 14, 7]
    assert {c[2:] for c in shapes(model, 224, "Conv2d")} <= {(s, s) for s in (224, 112, 56, 28, 14)}


def test_named_vggs_are_the_configurations():
    for cls, config, count in ((nn.VGG11, "A", 132_863_336), (nn.VGG13, "B", 133_047_848),
                               (nn.VGG16, "D", 138_357_544), (nn.VGG19, "E", 143_667_240)):
        model = build(cls)
        assert model.config == config and model.num_parameters() == count


def test_vgg19_is_counted_without_allocating_its_weights():
    tracemalloc.start()
    try:
        model = build(nn.VGG19)
        s = nn.summary(model, (1, 3, 224, 224), run=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert s.total == 143_667_240
    assert peak < 20e6                   # the float32 weights alone would be 575 MB
    assert all(nn.init.is_placeholder(p.data) for p in model.parameters())
    with pytest.raises(ValueError, match=r"placeholder from nn\.meta\(\)"):
        nn.optim.SGD(model.parameters(), lr=0.1)


def test_vgg_rejects_an_unknown_configuration():
    with pytest.raises(ValueError, match="config must be one of A, B, C, D, E"):
        nn.VGG("F")


# ---------------------------------------------------------------- ResNet

def basic(c_in, width, stride):
    project = conv(c_in, width, 1, bias=False) + bn(width) if stride != 1 or c_in != width else 0
    return (conv(c_in, width, 3, bias=False) + bn(width) + conv(width, width, 3, bias=False) + bn(width)
            + project)


def bottleneck(c_in, width, stride):
    out = 4 * width
    project = conv(c_in, out, 1, bias=False) + bn(out) if stride != 1 or c_in != out else 0
    return (conv(c_in, width, 1, bias=False) + bn(width) + conv(width, width, 3, bias=False) + bn(width)
            + conv(width, out, 1, bias=False) + bn(out) + project)


def resnet_count(layers, use_bottleneck):
    block, grow = (bottleneck, 4) if use_bottleneck else (basic, 1)
    total, c_in = conv(3, 64, 7, bias=False) + bn(64), 64
    for stage, (n, width) in enumerate(zip(layers, (64, 128, 256, 512))):
        for i in range(n):
            total += block(c_in, width, 2 if i == 0 and stage > 0 else 1)
            c_in = width * grow
    return total + fc(c_in, 1000)


# the paper's Table 1 and torchvision's published counts
RESNETS = [(nn.ResNet18, (2, 2, 2, 2), False, 18, 11_689_512),
           (nn.ResNet34, (3, 4, 6, 3), False, 34, 21_797_672),
           (nn.ResNet50, (3, 4, 6, 3), True, 50, 25_557_032),
           (nn.ResNet101, (3, 4, 23, 3), True, 101, 44_549_160),
           (nn.ResNet152, (3, 8, 36, 3), True, 152, 60_192_808)]


@pytest.mark.parametrize("cls, layers, use_bottleneck, depth, published", RESNETS)
def test_resnets(cls, layers, use_bottleneck, depth, published):
    model = build(cls)
    assert model.num_parameters() == resnet_count(layers, use_bottleneck) == published
    assert weight_layers(model, 224) == depth
    bottlenecks = sum(isinstance(m, nn.Bottleneck) for m in model.modules())
    assert bottlenecks == (sum(layers) if use_bottleneck else 0)
    rows = {r.name: r.output_shape for r in nn.summary(model, (1, 3, 224, 224), run=False).rows}
    wide = 4 if use_bottleneck else 1
    # Table 1's output sizes: conv1 112, conv2_x 56, conv3_x 28, conv4_x 14, conv5_x 7
    assert rows["conv1"] == (1, 64, 112, 112) and rows["maxpool"] == (1, 64, 56, 56)
    for stage, size in zip((1, 2, 3, 4), (56, 28, 14, 7)):
        last = [v for k, v in rows.items() if k.startswith(f"layer{stage}.")][-1]
        assert last == (1, 64 * 2 ** (stage - 1) * wide, size, size)
    assert rows["avgpool"] == (1, 512 * wide, 1, 1) and rows["fc"] == (1, 1000)


def test_resnet18_runs_a_small_image_and_agrees_with_the_shape_path():
    model = build(nn.ResNet18).eval()
    assert rows(model, 64, run=True) == rows(model, 64, run=False)


@pytest.mark.slow
@pytest.mark.parametrize("cls", [nn.ResNet50, nn.ResNet152])
def test_bottleneck_resnets_run_a_small_image_and_agree_with_the_shape_path(cls):
    model = build(cls).eval()
    assert rows(model, 32, run=True) == rows(model, 32, run=False)


def test_bottleneck_block_gradchecks_and_matches_its_shape_rule():
    rng = np.random.default_rng(0)
    block = nn.Bottleneck(3, 1, stride=2, dtype=np.float64, rng=rng)
    assert block.downsample is not None
    x = Tensor(rng.standard_normal((2, 3, 3, 3)), requires_grad=True)
    assert autograd.gradcheck(lambda x: block(x), [x])
    assert block(x).shape == (2, 4, 2, 2) == shapes_of(nn.Sequential(block), (2, 3, 3, 3))[-1]
    same = nn.Bottleneck(8, 2, dtype=np.float64, rng=rng)
    assert same.downsample is None                                        # identity shortcut
    with pytest.raises(ValueError, match="Bottleneck: width must be a positive int"):
        nn.Bottleneck(8, 0)


# ---------------------------------------------------------------- GoogLeNet

# the paper's Table 1: (in, #1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj)
INCEPTION_TABLE = [(192, 64, 96, 128, 16, 32, 32), (256, 128, 128, 192, 32, 96, 64),
                   (480, 192, 96, 208, 16, 48, 64), (512, 160, 112, 224, 24, 64, 64),
                   (512, 128, 128, 256, 24, 64, 64), (512, 112, 144, 288, 32, 64, 64),
                   (528, 256, 160, 320, 32, 128, 128), (832, 256, 160, 320, 32, 128, 128),
                   (832, 384, 192, 384, 48, 128, 128)]


def googlenet_count(paper):
    def unit(c_in, c_out, k):
        return conv(c_in, c_out, k) if paper else conv(c_in, c_out, k, bias=False) + bn(c_out)
    total = unit(3, 64, 7) + unit(64, 64, 1) + unit(64, 192, 3)
    for c_in, a, b_red, b, c_red, c, pool in INCEPTION_TABLE:
        total += (unit(c_in, a, 1) + unit(c_in, b_red, 1) + unit(b_red, b, 3) + unit(c_in, c_red, 1)
                  + unit(c_red, c, 5 if paper else 3) + unit(c_in, pool, 1))
    return total + fc(1024, 1000)


def test_googlenet_torchvision_count():
    assert build(nn.GoogLeNet).num_parameters() == googlenet_count(paper=False) == 6_624_904


def test_googlenet_paper_count():
    assert build(nn.GoogLeNet, variant="paper").num_parameters() == googlenet_count(paper=True)


@pytest.mark.parametrize("variant", ["torchvision", "paper"])
def test_googlenet_sizes_follow_the_papers_table(variant):
    model = build(nn.GoogLeNet, variant=variant)
    rows = nn.summary(model, (1, 3, 224, 224), run=False).rows
    out = {}
    for r in rows:                                    # the last row of each top-level child
        out[r.name.split(".")[0]] = r.output_shape
    assert out["conv1"] == (1, 64, 112, 112) and out["maxpool1"] == (1, 64, 56, 56)
    assert out["conv3"] == (1, 192, 56, 56) and out["maxpool2"] == (1, 192, 28, 28)
    incs = [(1, a + b + c + p) for _, a, _, b, _, c, p in INCEPTION_TABLE]
    sizes = [28, 28, 14, 14, 14, 14, 14, 7, 7]
    names = ["3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"]
    got = [model[f"inception{n}"] for n in names]
    assert [g.out_channels for g in got] == [c for _, c in incs]
    assert [c for _, c in incs] == [256, 480, 512, 512, 512, 528, 832, 832, 1024]
    # each module's concat: the shape path of the whole model puts the branches side by side
    shape_rows = {r.name: r.output_shape for r in rows}
    for n, size in zip(names, sizes):
        branch_outputs = [v for k, v in shape_rows.items() if k.startswith(f"inception{n}.branch")
                          and k.endswith(("branch1.relu", "2.1.relu", "3.1.relu", "4.1.relu"))]
        assert sum(o[1] for o in branch_outputs) == model[f"inception{n}"].out_channels
        assert {o[2:] for o in branch_outputs} == {(size, size)}
    assert out["avgpool"] == (1, 1024, 1, 1) and out["fc"] == (1, 1000)


def test_googlenet_runs_a_small_image_and_agrees_with_the_shape_path():
    model = build(nn.GoogLeNet).eval()
    assert rows(model, 32, run=True) == rows(model, 32, run=False)


def test_inception_module_gradchecks_and_sums_its_branches():
    rng = np.random.default_rng(1)
    for variant in ("torchvision", "paper"):
        module = nn.Inception(2, 2, 1, 3, 1, 2, 1, variant=variant, dtype=np.float64, rng=rng)
        x = Tensor(rng.standard_normal((2, 2, 3, 3)), requires_grad=True)
        y = module(x)
        assert y.shape == (2, 2 + 3 + 2 + 1, 3, 3)
        parts = [branch(x).data for branch in module.branches()]
        np.testing.assert_array_equal(y.data, np.concatenate(parts, axis=1))
        assert autograd.gradcheck(lambda x, m=module: m(x), [x])
    with pytest.raises(ValueError, match="Inception: variant must be one of"):
        nn.Inception(3, 2, 2, 3, 1, 2, 1, variant="v3")


# ---------------------------------------------------------------- shared

def rows(model, size, run):
    s = nn.summary(model, (1, 3, size, size), run=run)
    return [(r.name, r.kind, r.output_shape, r.parameters, r.note) for r in s.rows]


def layout(model):
    """Name -> shape of every parameter and buffer (no copies: the weights may be placeholders)."""
    return {**{k: tuple(v.shape) for k, v in model.named_parameters()},
            **{k: tuple(np.shape(v)) for k, v in model.named_buffers()}}


def test_parameter_names_follow_torchvision():
    """A few of torchvision's state_dict names (its VGG puts dropout after the ReLUs, AlexNet before
    the Linear layers), so its checkpoints load by name."""
    names = {cls: set(layout(build(cls))) for cls in (nn.AlexNet, nn.VGG16, nn.ResNet50, nn.GoogLeNet)}
    assert {"classifier.1.weight", "classifier.4.weight", "classifier.6.bias"} <= names[nn.AlexNet]
    assert {"features.0.weight", "features.28.weight", "classifier.0.weight", "classifier.3.weight",
            "classifier.6.bias"} <= names[nn.VGG16]
    assert {"layer1.0.downsample.0.weight", "layer4.2.bn3.running_var", "layer3.5.conv2.weight",
            "fc.weight"} <= names[nn.ResNet50]
    assert {"conv1.conv.weight", "conv1.bn.num_batches_tracked", "inception3a.branch2.1.conv.weight",
            "inception5b.branch4.1.bn.running_var", "fc.bias"} <= names[nn.GoogLeNet]


def test_torchvision_state_dict_layouts():
    torchvision = pytest.importorskip("torchvision")
    pairs = [(nn.AlexNet, torchvision.models.alexnet), (nn.VGG11, torchvision.models.vgg11),
             (nn.VGG16, torchvision.models.vgg16), (nn.VGG19, torchvision.models.vgg19),
             (nn.ResNet18, torchvision.models.resnet18), (nn.ResNet50, torchvision.models.resnet50),
             (nn.ResNet152, torchvision.models.resnet152)]
    for ours, theirs in pairs:
        t = {k: tuple(v.shape) for k, v in theirs(weights=None).state_dict().items()}
        assert layout(build(ours)) == t, ours.__name__
    g = torchvision.models.googlenet(weights=None, aux_logits=False, init_weights=False)
    assert layout(build(nn.GoogLeNet)) == {k: tuple(v.shape) for k, v in g.state_dict().items()}
