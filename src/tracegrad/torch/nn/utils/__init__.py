"""``torch.nn.utils``: gradient clipping and flattening parameters into one vector."""

from tracegrad.torch.nn.utils import rnn
from tracegrad.torch.nn.utils.clip_grad import clip_grad_norm_, clip_grad_value_
from tracegrad.torch.nn.utils.convert_parameters import (
    parameters_to_vector,
    vector_to_parameters,
)

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "rnn",
    "vector_to_parameters",
]
