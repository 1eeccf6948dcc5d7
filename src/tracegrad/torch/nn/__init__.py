"""``torch.nn``: ``functional``, ``Parameter``, ``Module`` and a few layers and losses."""

import tracegrad.torch.nn.functional as functional
from tracegrad.torch.nn._conv import Conv1d as Conv1d
from tracegrad.torch.nn._conv import Conv2d as Conv2d
from tracegrad.torch.nn._conv import Conv3d as Conv3d
from tracegrad.torch.nn._conv import ConvTranspose1d as ConvTranspose1d
from tracegrad.torch.nn._conv import ConvTranspose2d as ConvTranspose2d
from tracegrad.torch.nn._loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    NLLLoss,
    SmoothL1Loss,
)
from tracegrad.torch.nn._pooling import AdaptiveAvgPool1d as AdaptiveAvgPool1d
from tracegrad.torch.nn._pooling import AdaptiveAvgPool2d as AdaptiveAvgPool2d
from tracegrad.torch.nn._pooling import AdaptiveMaxPool2d as AdaptiveMaxPool2d
from tracegrad.torch.nn._pooling import AvgPool1d as AvgPool1d
from tracegrad.torch.nn._pooling import AvgPool2d as AvgPool2d
from tracegrad.torch.nn._pooling import MaxPool1d as MaxPool1d
from tracegrad.torch.nn._pooling import MaxPool2d as MaxPool2d
from tracegrad.torch.nn.modules import (
    CrossEntropyLoss,
    Flatten,
    Identity,
    Linear,
    Module,
    MSELoss,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Flatten",
    "HuberLoss",
    "Identity",
    "KLDivLoss",
    "L1Loss",
    "Linear",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "SmoothL1Loss",
    "Tanh",
    "functional",
]
