"""``torch.optim``: the optimizers ``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad`` and
``LBFGS`` and the learning-rate schedulers of ``torch.optim.lr_scheduler``, with PyTorch's
defaults, errors, ``state_dict`` layout and update arithmetic (float32 results equal to
PyTorch's to rounding)."""

from __future__ import annotations

from tracegrad.torch.optim import lr_scheduler as lr_scheduler
from tracegrad.torch.optim.adam import Adam, AdamW
from tracegrad.torch.optim.adaptive import Adagrad, RMSprop
from tracegrad.torch.optim.lbfgs import LBFGS
from tracegrad.torch.optim.optimizer import Optimizer
from tracegrad.torch.optim.sgd import SGD

__all__ = ["LBFGS", "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
