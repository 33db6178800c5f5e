"""nn.Module, Parameter, initialisation and module error messages."""

import math

import numpy as np
import pytest

import nn
from autograd import Tensor


class Tiny(nn.Module):
    def __init__(self):
        self.fc = nn.Linear(3, 4)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2, bias=False))
        self.scale = nn.Parameter(np.ones(2))

    def forward(self, x):
        return self.head(self.fc(x)) * self.scale


def test_named_parameters_are_dotted_own_first_then_children_like_torch():
    names = [n for n, _ in Tiny().named_parameters()]
    assert names == ["scale", "fc.weight", "fc.bias", "head.1.weight"]


def test_parameters_and_counts():
    m = Tiny()
    assert [p.shape for p in m.parameters()] == [(2,), (4, 3), (4,), (2, 4)]
    assert m.num_parameters() == 12 + 4 + 8 + 2


def test_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    net = nn.Sequential(a, nn.ReLU(), a)
    assert len(net.parameters()) == 2


def test_call_runs_forward_and_backward_fills_grads():
    m = Tiny()
    out = m(Tensor(np.ones((5, 3), dtype=np.float32)))
    assert out.shape == (5, 2)
    out.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_forward_not_implemented_names_the_class():
    class NoForward(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="NoForward"):
        NoForward()(1)


def test_train_eval_reach_every_descendant():
    m = Tiny()
    assert all(x.training for x in m.modules())
    assert m.eval() is m
    assert not any(x.training for x in m.modules())
    m.train()
    assert all(x.training for x in m.modules())


def test_repr_shows_the_tree():
    text = repr(Tiny())
    assert text.splitlines() == [
        "Tiny(",
        "  (fc): Linear(in_features=3, out_features=4)",
        "  (head): Sequential(",
        "    (0): ReLU()",
        "    (1): Linear(in_features=4, out_features=2, bias=False)",
        "  )",
        ")",
    ]


def test_state_dict_is_a_snapshot_and_loads_back():
    m = Tiny()
    sd = m.state_dict()
    assert list(sd) == [n for n, _ in m.named_parameters()]
    before = sd["fc.weight"].copy()
    m.fc.weight.data += 1.0
    assert np.array_equal(sd["fc.weight"], before)
    m.load_state_dict(sd)
    assert np.array_equal(m.fc.weight.data, before)
    assert m.fc.weight.dtype == np.float32


def test_load_state_dict_lists_missing_and_unexpected_names():
    m = Tiny()
    sd = m.state_dict()
    del sd["fc.bias"]
    sd["extra.weight"] = np.zeros(3)
    with pytest.raises(KeyError, match=r"missing fc\.bias; unexpected extra\.weight"):
        m.load_state_dict(sd)
    sd.pop("extra.weight")
    m.load_state_dict(sd, strict=False)  # the rest loads


def test_load_state_dict_lists_every_shape_mismatch_and_changes_nothing():
    m = Tiny()
    sd = m.state_dict()
    sd["fc.weight"] = np.zeros((3, 4))
    sd["scale"] = np.zeros(5)
    sd["fc.bias"] = np.full(4, 7.0)
    with pytest.raises(ValueError, match=r"Tiny: shape mismatch: scale expects \(2,\) but got \(5,\); "
                                         r"fc\.weight expects \(4, 3\) but got \(3, 4\)"):
        m.load_state_dict(sd)
    assert not np.any(m.fc.bias.data == 7.0)


def test_parameter_is_a_float32_leaf_by_default():
    p = nn.Parameter([1, 2, 3])
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert nn.Parameter(np.zeros(2)).dtype == np.float64
    assert nn.Parameter([1.0], dtype=np.float64).dtype == np.float64


def test_parameter_data_can_be_set():
    p = nn.Parameter(np.zeros(3, dtype=np.float32))
    p.data = [1, 2, 3]
    assert p.dtype == np.float32 and np.array_equal(p.data, [1, 2, 3])
    (p * p).sum().backward()
    assert np.array_equal(np.asarray(p.grad), [2, 4, 6])
    assert repr(p).startswith("Parameter(")


def test_layers_default_to_float32_and_take_dtype():
    for layer in (nn.Linear(3, 2), nn.Conv2d(2, 4, 3), nn.ConvTranspose2d(2, 4, 3)):
        assert all(p.dtype == np.float32 for p in layer.parameters())
    assert all(p.dtype == np.float64 for p in nn.Linear(3, 2, dtype=np.float64).parameters())
    assert all(p.dtype == np.float64 for p in nn.LeNet5().to(np.float64).parameters())


def _bound_checks(w, bound):
    w = np.asarray(w, dtype=np.float64)
    assert np.abs(w).max() <= bound
    assert np.abs(w).max() > 0.97 * bound                       # fills the interval
    assert abs(w.std() - bound / math.sqrt(3)) < 0.05 * bound    # std of uniform(-b, b)


def test_init_matches_pytorch_defaults():
    nn.manual_seed(0)
    lin = nn.Linear(400, 120)
    _bound_checks(lin.weight.data, 1 / math.sqrt(400))           # kaiming-uniform(a=sqrt(5))
    _bound_checks(lin.bias.data, 1 / math.sqrt(400))
    conv = nn.Conv2d(6, 64, 5)
    _bound_checks(conv.weight.data, 1 / math.sqrt(6 * 25))       # fan_in = C_in kH kW
    _bound_checks(conv.bias.data, 1 / math.sqrt(6 * 25))
    tconv = nn.ConvTranspose2d(64, 6, 5)                         # torch: fan_in from weight.shape[1]
    _bound_checks(tconv.weight.data, 1 / math.sqrt(6 * 25))
    grouped = nn.Conv2d(8, 16, 3, groups=4)
    _bound_checks(grouped.weight.data, 1 / math.sqrt(2 * 9))


def test_init_bounds_match_torch():
    torch = pytest.importorskip("torch")
    t = torch.nn.ConvTranspose2d(64, 6, 5)
    ours = nn.ConvTranspose2d(64, 6, 5)
    assert abs(t.weight.abs().max().item() - np.abs(ours.weight.data).max()) < 0.01
    assert abs(t.bias.abs().max().item() - np.abs(ours.bias.data).max()) < 0.03


def test_manual_seed_makes_init_repeatable():
    nn.manual_seed(3)
    a = nn.LeNet5().state_dict()
    nn.manual_seed(3)
    b = nn.LeNet5().state_dict()
    assert all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("make, message", [
    (lambda: nn.Linear(0, 3), r"Linear: in_features must be a positive int, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, groups=2), r"Conv2d: in_channels 3 and out_channels 4 .* groups 2"),
    (lambda: nn.Conv2d(3, 4, 0), r"Conv2d: kernel_size must be positive, got 0"),
    (lambda: nn.Conv2d(3, 4, 3, padding=-1), r"Conv2d: padding must be non-negative, got -1"),
    (lambda: nn.Dropout(-0.1), r"Dropout: p must be in \[0, 1\], got -0.1"),
    (lambda: nn.Sequential(nn.ReLU(), "relu"), r"Sequential: expected a Module, got str"),
    (lambda: nn.MLP(3, []), r"MLP: nouts must list at least one layer size"),
    (lambda: nn.MLP(3, [4, 1], activation="swish"), r"activation must be one of"),
])
def test_construction_errors(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


# arguments that once made a layer silently (True as 1 channel, 'no' as a bias, integer weights)
REFUSED = [
    (lambda: nn.Conv2d(True, 6, 3), r"^Conv2d: in_channels must be a positive int, got True$"),
    (lambda: nn.Conv2d(3, 6, 3, groups=True), r"^Conv2d: groups must be a positive int, got True$"),
    (lambda: nn.ConvTranspose2d(3, 6.0, 3),
     r"^ConvTranspose2d: out_channels must be a positive int, got 6.0$"),
    (lambda: nn.Conv2d(3, 6, 3, bias="no"), r"^Conv2d: bias must be True or False, got 'no'$"),
    (lambda: nn.ConvTranspose2d(3, 6, 3, bias=0), r"^ConvTranspose2d: bias must be True or False, got 0$"),
    (lambda: nn.Linear(3, 2, bias="no"), r"^Linear: bias must be True or False, got 'no'$"),
    (lambda: nn.Linear(True, 2), r"^Linear: in_features must be a positive int, got True$"),
    (lambda: nn.Conv2d(3, 6, 3, dtype=np.int32),
     r"^Conv2d: dtype must be np.float32 or np.float64, got int32$"),
    (lambda: nn.Linear(3, 2, dtype=np.complex64),
     r"^Linear: dtype must be np.float32 or np.float64, got complex64$"),
    # a Tensor would turn float16 weights into float64: refused rather than silently changed
    (lambda: nn.Linear(3, 2, dtype=np.float16), r"^Linear: dtype must be .*, got float16$"),
    (lambda: nn.ConvTranspose2d(3, 6, 3, dtype="float"),  # numpy reads 'float' as float64: fine
     None),
    (lambda: nn.LeNet5(dtype=np.uint8), r"^Conv2d: dtype must be np.float32 or np.float64, got uint8$"),
    (lambda: nn.Linear(3, 2, dtype="no such"), r"^Linear: dtype must be .*, got 'no such'$"),
    (lambda: nn.Linear(3, 2, dtype=None), r"^Linear: dtype must be .*, got None$"),
]


@pytest.mark.parametrize("make, message", REFUSED, ids=range(len(REFUSED)))
def test_arguments_that_are_not_what_they_name_are_refused(make, message):
    if message is None:
        assert make().weight.dtype == np.float64
        return
    with pytest.raises(ValueError, match=message):
        make()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_make_nonzero_weights_of_that_dtype(dtype):
    for layer in (nn.Linear(3, 2, dtype=dtype), nn.Conv2d(2, 3, 3, dtype=dtype)):
        assert layer.weight.dtype == dtype and layer.bias.dtype == dtype
        assert np.abs(layer.weight.data).min() > 0


def test_forward_shape_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=r"Linear\(3, 2\): input has shape \(4, 5\).* must be 3"):
        nn.Linear(3, 2)(Tensor(np.zeros((4, 5))))
    with pytest.raises(ValueError, match=r"Flatten\(start_dim=1, end_dim=-1\): invalid for input "
                                         r"of shape \(5,\)"):
        nn.Flatten()(Tensor(np.zeros(5)))


# Layers leave the geometry to the functional primitive they call: its one-line error names
# the op (the layer's lower-case twin), the argument and the numbers, when the layer runs.
LAYER_RUN_ERRORS = [
    (nn.Conv2d(3, 4, 3), (1, 2, 8, 8),
     r"^conv2d: weight \(4, 3, 3, 3\) expects 3 x groups=1 = 3 input channels, but the input has 2$"),
    (nn.Conv2d(3, 4, 3), (8, 8), r"^conv2d: input must be 4-d \(N, C, H, W\), got shape \(8, 8\)$"),
    (nn.ConvTranspose2d(3, 4, 3), (1, 2, 8, 8),
     r"^conv_transpose2d: weight \(3, 4, 3, 3\) expects 3 input channels, but the input has 2$"),
    (nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=2), (1, 3, 4, 4),
     r"^conv_transpose2d: output_padding 2 along H must be smaller than stride 2 or dilation 1$"),
    (nn.MaxPool2d(2), (8, 8), r"^max_pool2d: input must be 4-d \(N, C, H, W\), got shape \(8, 8\)$"),
    (nn.MaxPool2d(2, padding=2), (1, 1, 8, 8),
     r"^max_pool2d: padding 2 along H must be at most half the kernel span 2"),
    (nn.AvgPool2d(3, padding=2), (1, 1, 8, 8),
     r"^avg_pool2d: padding 2 along H must be at most half the kernel span 3"),
    (nn.AvgPool2d(5), (1, 1, 4, 4), r"^avg_pool2d: kernel span 5 along H is larger than the padded input"),
]


@pytest.mark.parametrize("layer, shape, message", LAYER_RUN_ERRORS, ids=range(len(LAYER_RUN_ERRORS)))
def test_layers_report_the_functional_check_in_one_line(layer, shape, message):
    with pytest.raises(ValueError, match=message) as e:
        layer(Tensor(np.zeros(shape)))
    assert "\n" not in str(e.value)


def test_modules_in_a_list_attribute_are_children():
    class Stack(nn.Module):
        def __init__(self):
            self.layers = [nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1)]

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    s = Stack()
    assert [n for n, _ in s.named_parameters()] == ["layers.0.weight", "layers.0.bias", "layers.2.weight",
                                                    "layers.2.bias"]
    assert "(layers.1): Tanh()" in repr(s)
    s.eval()
    assert not s.layers[1].training
