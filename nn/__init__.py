"""Neural-network building blocks on chainrule's autograd: modules, layers, losses,
optimizers, models, saving and datasets (PyTorch's names and semantics)."""

from . import data, init, optim, scalar, transforms
from .activation import ReLU, Sigmoid, Tanh
from .classic import VGG16, AlexNet
from .container import Sequential
from .conv import Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .init import manual_seed
from .invariant import InvariantConv2d
from .linear import Linear
from .losses import CrossEntropyLoss, MSELoss
from .models import MLP, LeNet5
from .module import Module
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .serialization import load, save
from .shapes import fit, output_size, summary

__all__ = [
    "MLP", "VGG16", "AlexNet", "AvgPool2d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout",
    "Flatten", "InvariantConv2d", "LeNet5", "Linear", "MSELoss", "MaxPool2d", "Module", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Tanh", "data", "fit", "init", "load", "manual_seed", "optim",
    "output_size", "save", "scalar", "summary", "transforms",
]
