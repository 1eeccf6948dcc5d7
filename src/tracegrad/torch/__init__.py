"""``tracegrad.torch``: a PyTorch-shaped namespace whose ``Tensor.backward`` has PyTorch's
semantics, built on tracegrad's primitives (every derivative comes from their rules).

>>> import tracegrad.torch as torch
>>> A = torch.tensor(2.0, requires_grad=True)
>>> B = A * 4
>>> B.backward()
>>> print(A.grad.data)
tensor(4.)
"""

import builtins as _builtins
import sys as _sys

from tracegrad.core.exports import public_names as _public_names
from tracegrad.torch import (
    _arith,
    _cleanup_ops,
    _indexing,
    _inplace,
    _math_ops,
    _more_ops,
    _random_ops,
    _reduce,
    _select_ops,
    _shape,
    _view_ops,
)
from tracegrad.torch import autograd as autograd
from tracegrad.torch import creation as _creation
from tracegrad.torch import linalg as linalg
from tracegrad.torch import nn as nn
from tracegrad.torch import optim as optim
from tracegrad.torch import random as random
from tracegrad.torch._arith import abs as abs
from tracegrad.torch._arith import acos as acos
from tracegrad.torch._arith import add as add
from tracegrad.torch._arith import allclose as allclose
from tracegrad.torch._arith import asin as asin
from tracegrad.torch._arith import asinh as asinh
from tracegrad.torch._arith import atan as atan
from tracegrad.torch._arith import atanh as atanh
from tracegrad.torch._arith import bitwise_and as bitwise_and
from tracegrad.torch._arith import bitwise_not as bitwise_not
from tracegrad.torch._arith import bitwise_or as bitwise_or
from tracegrad.torch._arith import bitwise_xor as bitwise_xor
from tracegrad.torch._arith import ceil as ceil
from tracegrad.torch._arith import cos as cos
from tracegrad.torch._arith import cosh as cosh
from tracegrad.torch._arith import div as div
from tracegrad.torch._arith import eq as eq
from tracegrad.torch._arith import equal as equal
from tracegrad.torch._arith import erf as erf
from tracegrad.torch._arith import erfinv as erfinv
from tracegrad.torch._arith import exp as exp
from tracegrad.torch._arith import exp2 as exp2
from tracegrad.torch._arith import expm1 as expm1
from tracegrad.torch._arith import floor as floor
from tracegrad.torch._arith import floor_divide as floor_divide
from tracegrad.torch._arith import fmod as fmod
from tracegrad.torch._arith import ge as ge
from tracegrad.torch._arith import gt as gt
from tracegrad.torch._arith import isfinite as isfinite
from tracegrad.torch._arith import isnan as isnan
from tracegrad.torch._arith import le as le
from tracegrad.torch._arith import log as log
from tracegrad.torch._arith import log1p as log1p
from tracegrad.torch._arith import log2 as log2
from tracegrad.torch._arith import log10 as log10
from tracegrad.torch._arith import logical_and as logical_and
from tracegrad.torch._arith import logical_not as logical_not
from tracegrad.torch._arith import logical_or as logical_or
from tracegrad.torch._arith import logical_xor as logical_xor
from tracegrad.torch._arith import lt as lt
from tracegrad.torch._arith import maximum as maximum
from tracegrad.torch._arith import minimum as minimum
from tracegrad.torch._arith import mul as mul
from tracegrad.torch._arith import ne as ne
from tracegrad.torch._arith import neg as neg
from tracegrad.torch._arith import negative as negative
from tracegrad.torch._arith import pow as pow
from tracegrad.torch._arith import reciprocal as reciprocal
from tracegrad.torch._arith import relu as relu
from tracegrad.torch._arith import remainder as remainder
from tracegrad.torch._arith import round as round
from tracegrad.torch._arith import rsqrt as rsqrt
from tracegrad.torch._arith import rsub as rsub
from tracegrad.torch._arith import sigmoid as sigmoid
from tracegrad.torch._arith import sign as sign
from tracegrad.torch._arith import sin as sin
from tracegrad.torch._arith import sinh as sinh
from tracegrad.torch._arith import sqrt as sqrt
from tracegrad.torch._arith import square as square
from tracegrad.torch._arith import sub as sub
from tracegrad.torch._arith import tan as tan
from tracegrad.torch._arith import tanh as tanh
from tracegrad.torch._arith import trunc as trunc
from tracegrad.torch._cleanup_ops import nan_to_num as nan_to_num
from tracegrad.torch._cleanup_ops import unique as unique
from tracegrad.torch._common import result_dtype as _result_dtype
from tracegrad.torch._indexing import index_put as index_put
from tracegrad.torch._indexing import index_put_ as index_put_
from tracegrad.torch._indexing import unbind as unbind
from tracegrad.torch._math_ops import addmm as addmm
from tracegrad.torch._math_ops import angle as angle
from tracegrad.torch._math_ops import baddbmm as baddbmm
from tracegrad.torch._math_ops import cdist as cdist
from tracegrad.torch._math_ops import conj as conj
from tracegrad.torch._math_ops import cross as cross
from tracegrad.torch._math_ops import cumprod as cumprod
from tracegrad.torch._math_ops import diff as diff
from tracegrad.torch._math_ops import dist as dist
from tracegrad.torch._math_ops import einsum as einsum
from tracegrad.torch._math_ops import flip as flip
from tracegrad.torch._math_ops import kron as kron
from tracegrad.torch._math_ops import logsumexp as logsumexp
from tracegrad.torch._math_ops import outer as outer
from tracegrad.torch._math_ops import repeat_interleave as repeat_interleave
from tracegrad.torch._math_ops import roll as roll
from tracegrad.torch._math_ops import tile as tile
from tracegrad.torch._math_ops import tril as tril
from tracegrad.torch._math_ops import triu as triu
from tracegrad.torch._more_ops import bincount as bincount
from tracegrad.torch._more_ops import clamp_max as clamp_max
from tracegrad.torch._more_ops import clamp_min as clamp_min
from tracegrad.torch._more_ops import count_nonzero as count_nonzero
from tracegrad.torch._more_ops import diag as diag
from tracegrad.torch._more_ops import isinf as isinf
from tracegrad.torch._more_ops import isneginf as isneginf
from tracegrad.torch._more_ops import isposinf as isposinf
from tracegrad.torch._more_ops import lerp as lerp
from tracegrad.torch._more_ops import movedim as movedim
from tracegrad.torch._more_ops import nansum as nansum
from tracegrad.torch._more_ops import nonzero as nonzero
from tracegrad.torch._random_ops import bernoulli as bernoulli
from tracegrad.torch._random_ops import multinomial as multinomial
from tracegrad.torch._random_ops import normal as normal
from tracegrad.torch._reduce import all as all
from tracegrad.torch._reduce import amax as amax
from tracegrad.torch._reduce import amin as amin
from tracegrad.torch._reduce import any as any
from tracegrad.torch._reduce import argmax as argmax
from tracegrad.torch._reduce import argmin as argmin
from tracegrad.torch._reduce import bmm as bmm
from tracegrad.torch._reduce import cumsum as cumsum
from tracegrad.torch._reduce import dot as dot
from tracegrad.torch._reduce import matmul as matmul
from tracegrad.torch._reduce import max as max
from tracegrad.torch._reduce import mean as mean
from tracegrad.torch._reduce import min as min
from tracegrad.torch._reduce import mm as mm
from tracegrad.torch._reduce import norm as norm
from tracegrad.torch._reduce import prod as prod
from tracegrad.torch._reduce import std as std
from tracegrad.torch._reduce import sum as sum
from tracegrad.torch._reduce import var as var
from tracegrad.torch._select_ops import argsort as argsort
from tracegrad.torch._select_ops import clamp as clamp
from tracegrad.torch._select_ops import gather as gather
from tracegrad.torch._select_ops import index_add as index_add
from tracegrad.torch._select_ops import index_select as index_select
from tracegrad.torch._select_ops import masked_fill as masked_fill
from tracegrad.torch._select_ops import masked_select as masked_select
from tracegrad.torch._select_ops import scatter as scatter
from tracegrad.torch._select_ops import scatter_add as scatter_add
from tracegrad.torch._select_ops import sort as sort
from tracegrad.torch._select_ops import topk as topk
from tracegrad.torch._select_ops import where as where
from tracegrad.torch._shape import cat as cat
from tracegrad.torch._shape import clone as clone
from tracegrad.torch._shape import expand_as as expand_as
from tracegrad.torch._shape import flatten as flatten
from tracegrad.torch._shape import permute as permute
from tracegrad.torch._shape import reshape as reshape
from tracegrad.torch._shape import squeeze as squeeze
from tracegrad.torch._shape import stack as stack
from tracegrad.torch._shape import t as t
from tracegrad.torch._shape import transpose as transpose
from tracegrad.torch._shape import unsqueeze as unsqueeze
from tracegrad.torch._type_info import finfo as finfo
from tracegrad.torch._type_info import iinfo as iinfo
from tracegrad.torch._view_ops import chunk as chunk
from tracegrad.torch._view_ops import diagonal as diagonal
from tracegrad.torch._view_ops import imag as imag
from tracegrad.torch._view_ops import narrow as narrow
from tracegrad.torch._view_ops import real as real
from tracegrad.torch._view_ops import select as select
from tracegrad.torch._view_ops import split as split
from tracegrad.torch.creation import arange as arange
from tracegrad.torch.creation import as_tensor as as_tensor
from tracegrad.torch.creation import empty as empty
from tracegrad.torch.creation import empty_like as empty_like
from tracegrad.torch.creation import eye as eye
from tracegrad.torch.creation import from_numpy as from_numpy
from tracegrad.torch.creation import full as full
from tracegrad.torch.creation import full_like as full_like
from tracegrad.torch.creation import linspace as linspace
from tracegrad.torch.creation import ones as ones
from tracegrad.torch.creation import ones_like as ones_like
from tracegrad.torch.creation import rand as rand
from tracegrad.torch.creation import rand_like as rand_like
from tracegrad.torch.creation import randint as randint
from tracegrad.torch.creation import randint_like as randint_like
from tracegrad.torch.creation import randn as randn
from tracegrad.torch.creation import randn_like as randn_like
from tracegrad.torch.creation import randperm as randperm
from tracegrad.torch.creation import tensor as tensor
from tracegrad.torch.creation import zeros as zeros
from tracegrad.torch.creation import zeros_like as zeros_like
from tracegrad.torch.dtypes import bfloat16 as bfloat16
from tracegrad.torch.dtypes import bool_ as _bool_dtype
from tracegrad.torch.dtypes import can_cast as _can_cast
from tracegrad.torch.dtypes import complex64 as complex64
from tracegrad.torch.dtypes import complex128 as complex128
from tracegrad.torch.dtypes import dtype as dtype
from tracegrad.torch.dtypes import float16 as float16
from tracegrad.torch.dtypes import float32 as float32
from tracegrad.torch.dtypes import float64 as float64
from tracegrad.torch.dtypes import get_default_dtype as get_default_dtype
from tracegrad.torch.dtypes import int8 as int8
from tracegrad.torch.dtypes import int16 as int16
from tracegrad.torch.dtypes import int32 as int32
from tracegrad.torch.dtypes import int64 as int64
from tracegrad.torch.dtypes import promote_types as promote_types
from tracegrad.torch.dtypes import set_default_dtype as set_default_dtype
from tracegrad.torch.dtypes import uint8 as uint8
from tracegrad.torch.grad_mode import enable_grad as enable_grad
from tracegrad.torch.grad_mode import inference_mode as inference_mode
from tracegrad.torch.grad_mode import is_grad_enabled as is_grad_enabled
from tracegrad.torch.grad_mode import is_inference_mode_enabled as is_inference_mode_enabled
from tracegrad.torch.grad_mode import no_grad as no_grad
from tracegrad.torch.grad_mode import set_grad_enabled as set_grad_enabled
from tracegrad.torch.linalg import det as det
from tracegrad.torch.nn.functional import log_softmax as log_softmax
from tracegrad.torch.nn.functional import softmax as softmax
from tracegrad.torch.random import Generator as Generator
from tracegrad.torch.random import default_generator as default_generator
from tracegrad.torch.random import get_rng_state as get_rng_state
from tracegrad.torch.random import initial_seed as initial_seed
from tracegrad.torch.random import manual_seed as manual_seed
from tracegrad.torch.random import seed as seed
from tracegrad.torch.random import set_rng_state as set_rng_state
from tracegrad.torch.tensor import Size as Size
from tracegrad.torch.tensor import Tensor as Tensor
from tracegrad.torch.tensor import device as device
from tracegrad.torch.tensor import install_methods as _install_methods

# PyTorch's other names for the same functions.
arccos = acos
arcsin = asin
arctan = atan
clip = clamp
concat = cat
concatenate = cat
divide = div
inverse = linalg.inv
moveaxis = movedim
true_divide = div
multiply = mul
subtract = sub
swapaxes = transpose


_install_methods(
    [
        _arith.TENSOR_METHODS,
        _reduce.TENSOR_METHODS,
        _shape.TENSOR_METHODS,
        _indexing.TENSOR_METHODS,
        _inplace.TENSOR_METHODS,
        _view_ops.TENSOR_METHODS,
        _math_ops.TENSOR_METHODS,
        _select_ops.TENSOR_METHODS,
        _cleanup_ops.TENSOR_METHODS,
        _more_ops.TENSOR_METHODS,
        _random_ops.TENSOR_METHODS,
        _creation.TENSOR_METHODS,
        autograd.TENSOR_METHODS,
        {"softmax": softmax, "log_softmax": log_softmax},
    ]
)


def is_tensor(obj: object) -> _builtins.bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> _builtins.int:
    """The number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> _builtins.bool:
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> _builtins.bool:
    return input.dtype.is_complex


def result_type(tensor1: object, tensor2: object) -> dtype:
    """The dtype PyTorch's promotion gives an operation on the two operands."""
    return _result_dtype(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> _builtins.bool:
    """Whether PyTorch allows casting ``from_`` to ``to`` in an in-place operation."""
    return _can_cast(from_, to)


# PyTorch's dtype aliases; assigned last, as they shadow builtins in this module.
half = float16
float = float32
double = float64
cfloat = complex64
cdouble = complex128
short = int16
int = int32
long = int64
bool = _bool_dtype

# torch.autograd.Function, torch.autograd.functional and torch.func live in their own modules.
from tracegrad.torch import autograd_functional as _autograd_functional  # noqa: E402
from tracegrad.torch import func as func  # noqa: E402
from tracegrad.torch import function as _function  # noqa: E402

# Importable under PyTorch's module names too (``from torch.autograd.functional import
# jacobian``, ``from torch.autograd.function import once_differentiable``).
_sys.modules[f"{__name__}.autograd.functional"] = _autograd_functional
_sys.modules[f"{__name__}.autograd.function"] = _function

__all__ = _public_names(globals(), submodules=("autograd", "linalg", "nn", "optim", "random"))
