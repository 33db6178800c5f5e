"""Neural-network building blocks on chainrule's autograd: modules, layers, losses,
optimizers, models, saving and datasets (PyTorch's names and semantics)."""

from . import data, init, optim, scalar
from .activation import ELU, GELU, Hardtanh, LeakyReLU, ReLU, Sigmoid, SiLU, Softplus, Tanh
from .container import Sequential
from .conv import Conv1d, Conv2d, ConvTranspose2d
from .dropout import Dropout
from .flatten import Flatten
from .init import manual_seed
from .linear import Linear
from .losses import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .models import MLP, LeNet5
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .parameter import Parameter
from .pooling import AvgPool2d, MaxPool2d
from .resampling import AdaptiveAvgPool2d, MaxUnpool2d, Upsample
from .serialization import load, save
from .softmax import LogSoftmax, Softmax

__all__ = [
    "MLP", "AvgPool2d", "Conv2d", "ConvTranspose2d", "CrossEntropyLoss", "Dropout", "Flatten",
    "LeNet5", "Linear", "MSELoss", "MaxPool2d", "Module", "Parameter", "ReLU", "Sequential",
    "Sigmoid", "Tanh", "data", "init", "load", "manual_seed", "optim", "save", "scalar",
]

# issue 12: losses, normalization, resampling and the other torch-parity layers
__all__ += [
    "AdaptiveAvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d", "BatchNorm2d", "Conv1d",
    "LayerNorm", "LogSoftmax", "MaxUnpool2d", "NLLLoss", "Softmax", "Upsample",
]

# issue 12: activations
__all__ += ["ELU", "GELU", "Hardtanh", "LeakyReLU", "SiLU", "Softplus"]
