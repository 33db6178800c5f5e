"""ResidualBlock, ResNet and DenseBlock: gradchecks (float64), the add gate carrying the
gradient past a silenced block, shapes over random sizes, parameter counts, and torch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, gradcheck


def leaf(a):
    return Tensor(np.asarray(a, dtype=np.float64), requires_grad=True)


def with_params(module, names):
    """fn(x, *params) -> module(x) with the named parameters replaced by the given tensors,
    so gradcheck differentiates with respect to the weights too."""
    def fn(x, *ps):
        saved = []
        for name, p in zip(names, ps):
            owner, attr = _owner(module, name)
            saved.append((owner, attr, getattr(owner, attr)))
            setattr(owner, attr, p)
        try:
            return module(x)
        finally:
            for owner, attr, old in saved:
                setattr(owner, attr, old)
    return fn


def _owner(module, dotted):
    *path, attr = dotted.split(".")
    for p in path:
        module = module[int(p)] if isinstance(module, list) else getattr(module, p)
    return module, attr


def randomize_bn(module, rng):
    """Non-trivial gamma and beta, so a bug in the affine part cannot hide behind 1 and 0."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data = rng.normal(1.0, 0.3, m.weight.shape)
            m.bias.data = rng.normal(0.0, 0.3, m.bias.shape)


@pytest.mark.parametrize("c_in, c_out, stride", [(2, 2, 1), (2, 3, 2)])
def test_residual_block_gradchecks(c_in, c_out, stride, rng):
    block = nn.ResidualBlock(c_in, c_out, stride, dtype=np.float64)
    randomize_bn(block, rng)
    assert (block.downsample is None) == (c_in == c_out and stride == 1)
    names = ["conv1.weight", "bn1.weight", "conv2.weight", "bn2.bias"]
    if block.downsample is not None:
        names += ["downsample.0.weight", "downsample.1.weight"]
    params = dict(block.named_parameters())
    inputs = [leaf(rng.normal(size=(3, c_in, 4, 4)))] + [leaf(params[n].data) for n in names]
    assert gradcheck(with_params(block, names), inputs, atol=1e-5)


def test_dense_block_gradchecks_and_keeps_its_input(rng):
    block = nn.DenseBlock(2, growth_rate=2, num_layers=2, dtype=np.float64)
    randomize_bn(block, rng)
    names = ["layers.0.conv.weight", "layers.1.conv.weight", "layers.1.norm.weight"]
    params = dict(block.named_parameters())
    x = leaf(rng.normal(size=(3, 2, 4, 4)))
    assert gradcheck(with_params(block, names), [x] + [leaf(params[n].data) for n in names])
    y = block(x)
    assert y.shape == (3, 6, 4, 4) and block.out_channels == 6
    np.testing.assert_array_equal(y.data[:, :2], x.data)           # concat keeps every earlier map
    np.testing.assert_array_equal(y.data[:, 2:4], block.layers[0](x).data[:, 2:])


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 3), c=st.integers(1, 3), hw=st.integers(2, 5), seed=st.integers(0, 2**16))
def test_silenced_block_passes_the_gradient_through_the_add(n, c, hw, seed):
    """With bn2's gamma and beta at 0 the residual path outputs 0: the skip block is relu(x) and
    its add gate (a distributor) hands the upstream to x unchanged, routed only by the final
    relu. The plain block of the same depth then passes no gradient at all."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, c, hw, hw))
    up = rng.normal(size=x.shape)
    for skip in (True, False):
        block = nn.ResidualBlock(c, c, skip=skip, dtype=np.float64)
        block.bn2.weight.data = np.zeros(c)
        block.bn2.bias.data = np.zeros(c)
        xt = leaf(x)
        y = block(xt)
        y.backward(up)
        if skip:
            np.testing.assert_array_equal(y.data, np.maximum(x, 0))
            np.testing.assert_array_equal(np.asarray(xt.grad), up * (x > 0))
        else:
            np.testing.assert_array_equal(np.asarray(xt.grad), np.zeros_like(x))
        assert not np.any(np.asarray(block.conv1.weight.grad))      # gamma 0 stops the residual path


@settings(max_examples=8, deadline=None)
@given(c_in=st.integers(1, 4), c_out=st.integers(1, 4), stride=st.integers(1, 3), hw=st.integers(1, 7))
def test_residual_block_output_shape(c_in, c_out, stride, hw):
    block = nn.ResidualBlock(c_in, c_out, stride)
    y = block(Tensor(np.random.default_rng(0).normal(size=(2, c_in, hw, hw)).astype(np.float32)))
    side = (hw - 1) // stride + 1
    assert y.shape == (2, c_out, side, side) and y.dtype == np.float32
    assert np.all(y.data >= 0)                                      # ends in a relu


def test_resnet20_has_the_papers_layers_and_parameters():
    model = nn.ResNet()                                              # ResNet-20 for CIFAR
    convs = [p for n, p in model.named_parameters() if p.ndim == 4 and p.shape[-1] == 3]
    assert len(convs) + 1 == 20                                      # 6n + 2 weight layers, n = 3
    # by hand: stem 3*16*9 + 32 (BN); stage 1: 3 blocks of 2 convs 16*16*9 and 2 BNs (64);
    # stages 2, 3: a first block with a 1x1 projection (conv + BN), then 2 plain-width blocks; fc.
    stage1 = 3 * (2 * 16 * 16 * 9 + 2 * 32)
    stage2 = (16 * 32 * 9 + 32 * 32 * 9 + 2 * 64 + 16 * 32 + 64) + 2 * (2 * 32 * 32 * 9 + 2 * 64)
    stage3 = (32 * 64 * 9 + 64 * 64 * 9 + 2 * 128 + 32 * 64 + 128) + 2 * (2 * 64 * 64 * 9 + 2 * 128)
    assert model.num_parameters() == 3 * 16 * 9 + 32 + stage1 + stage2 + stage3 + 64 * 10 + 10 == 272_474
    plain = nn.ResNet(skip=False)
    assert model.num_parameters() - plain.num_parameters() == 16 * 32 + 64 + 32 * 64 + 128  # projections
    out = model(Tensor(np.random.default_rng(0).normal(size=(2, 3, 32, 32)).astype(np.float32)))
    assert out.shape == (2, 10)
    _, trace = model.forward_trace(Tensor(np.zeros((2, 3, 32, 32), np.float32)))
    shapes = {name: t.shape for name, t in trace}
    assert shapes["layer1.2"] == (2, 16, 32, 32) and shapes["layer2.0"] == (2, 32, 16, 16)
    assert shapes["layer3.2"] == (2, 64, 8, 8)


def test_block_errors():
    with pytest.raises(ValueError, match=r"ResidualBlock: stride must be a positive int, got 0"):
        nn.ResidualBlock(2, 2, stride=0)
    with pytest.raises(ValueError, match=r"DenseBlock: growth_rate must be a positive int, got 1.5"):
        nn.DenseBlock(2, 1.5, 2)
    with pytest.raises(ValueError, match=r"ResNet: blocks \(3, 3\) and widths \(16,\) must be"):
        nn.ResNet(blocks=(3, 3), widths=(16,))
    with pytest.raises(ValueError, match=r"conv2d: weight \(2, 2, 3, 3\) expects 2 .* but the input has 3"):
        nn.ResidualBlock(2, 2)(Tensor(np.zeros((1, 3, 4, 4))))


def _torch_block(torch, c_in, c_out, stride):
    """torchvision's BasicBlock, written out (torchvision is not a test dependency)."""
    tnn = torch.nn

    class BasicBlock(tnn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = tnn.Conv2d(c_in, c_out, 3, stride, 1, bias=False, dtype=torch.float64)
            self.bn1 = tnn.BatchNorm2d(c_out, dtype=torch.float64)
            self.conv2 = tnn.Conv2d(c_out, c_out, 3, 1, 1, bias=False, dtype=torch.float64)
            self.bn2 = tnn.BatchNorm2d(c_out, dtype=torch.float64)
            self.downsample = None
            if stride != 1 or c_in != c_out:
                self.downsample = tnn.Sequential(
                    tnn.Conv2d(c_in, c_out, 1, stride, bias=False, dtype=torch.float64),
                    tnn.BatchNorm2d(c_out, dtype=torch.float64))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return torch.relu(out + (x if self.downsample is None else self.downsample(x)))

    return BasicBlock()


@pytest.mark.parametrize("c_in, c_out, stride", [(3, 3, 1), (3, 4, 2)])
def test_residual_block_matches_torch(c_in, c_out, stride, rng):
    torch = pytest.importorskip("torch")
    theirs = _torch_block(torch, c_in, c_out, stride)
    with torch.no_grad():
        for name, p in theirs.named_parameters():
            p.copy_(torch.tensor(rng.normal(1.0 if name.endswith("bn1.weight") else 0.0, 0.5, p.shape)))
    ours = nn.ResidualBlock(c_in, c_out, stride, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    for mode in ("train", "train", "eval"):
        ours.train(mode == "train")
        theirs.train(mode == "train")
        x = rng.normal(0.5, 2.0, size=(4, c_in, 6, 6))
        up = rng.normal(size=(4, c_out, (6 - 1) // stride + 1, (6 - 1) // stride + 1))
        a, b = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, z = ours(a), theirs(b)
        y.backward(up)
        z.backward(torch.tensor(up))
        np.testing.assert_allclose(y.data, z.detach().numpy(), rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(np.asarray(a.grad), b.grad.numpy(), rtol=1e-8, atol=1e-10)
        tgrads = dict(theirs.named_parameters())
        for name, p in ours.named_parameters():
            np.testing.assert_allclose(np.asarray(p.grad), tgrads[name].grad.numpy(), rtol=1e-8, atol=1e-10,
                                       err_msg=f"{mode}: {name}")
        ours.zero_grad()
        theirs.zero_grad()
        for name, buf in theirs.named_buffers():
            np.testing.assert_allclose(np.asarray(getattr(*_owner(ours, name))), buf.numpy(), rtol=1e-12)


def test_blocks_gradgradcheck(rng):
    """Backward is written in the library's own ops, so the gradient is differentiable again."""
    from autograd import gradgradcheck

    block = nn.ResidualBlock(1, 2, stride=2, dtype=np.float64)
    dense = nn.DenseBlock(1, growth_rate=1, num_layers=2, dtype=np.float64)
    for m in (block, dense):
        randomize_bn(m, rng)
        assert gradgradcheck(m, [leaf(rng.normal(size=(2, 1, 3, 3)))], atol=1e-4)
