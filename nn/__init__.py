"""Neural-network building blocks on chainrule's autograd: modules, layers, losses,
optimizers, models, saving and datasets (PyTorch's names and semantics)."""

# ruff: noqa: E402 (the engine check runs before the imports that need chainrule's autograd)
from .engine_check import require_chainrule_autograd

require_chainrule_autograd()  # before anything imports from autograd: one line if it is not ours


from autograd.core.watch import hide_frames_of

from . import data, init, optim, scalar, transforms
from .activation import ELU, GELU, Hardtanh, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .classic import AlexNet, ZFNet
from .container import Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dense import DenseBlock, DenseLayer
from .dropout import Dropout
from .flatten import Flatten
from .googlenet import GoogLeNet, Inception
from .init import manual_seed, meta
from .invariant import InvariantConv2d
from .linear import Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .models import MLP, LeNet5
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .resampling import AdaptiveAvgPool2d, MaxUnpool2d, Upsample
from .residual import Bottleneck, ResidualBlock, ResNet
from .resnets import ImageNetResNet, ResNet18, ResNet34, ResNet50, ResNet101, ResNet152
from .serialization import load, save
from .shapes import summary
from .sizes import fit, output_size
from .softmax import LogSoftmax, Softmax
from .vgg import VGG, VGG11, VGG13, VGG16, VGG19

# under autograd.detect_anomaly, the line that made a node is the user's, not a layer's
hide_frames_of(__path__[0])

__all__ = [
    "ELU", "GELU", "MLP", "VGG", "VGG11", "VGG13", "VGG16", "VGG19", "AdaptiveAvgPool2d", "AlexNet",
    "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Bottleneck", "Conv1d",
    "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "DenseBlock", "DenseLayer", "Dropout", "Flatten",
    "GoogLeNet", "Hardtanh", "ImageNetResNet", "Inception", "InvariantConv2d", "LayerNorm", "LeNet5",
    "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "MaxUnpool2d", "Module", "NLLLoss",
    "Parameter", "ReLU", "ResNet", "ResNet18", "ResNet34", "ResNet50", "ResNet101", "ResNet152",
    "ResidualBlock", "Sequential", "SiLU", "Sigmoid", "Softmax", "Softplus", "Tanh", "Upsample",
    "ZFNet", "data", "fit", "init", "load", "manual_seed", "meta", "optim", "output_size", "save",
    "scalar", "summary", "transforms",
]
