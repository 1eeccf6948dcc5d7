"""``tracegrad.torch``: a PyTorch-shaped namespace whose ``Tensor.backward`` has PyTorch's
semantics, built on tracegrad's primitives (every derivative comes from their rules).

>>> import tracegrad.torch as torch
>>> A = torch.tensor(2.0, requires_grad=True)
>>> B = A * 4
>>> B.backward()
>>> print(A.grad.data)
tensor(4.)
"""

import builtins
import sys as _sys

from tracegrad.torch import (
    _arith,
    _extra,
    _indexing,
    _inplace,
    _math_ops,
    _random_ops,
    _reduce,
    _select_ops,
    _shape,
    _view_ops,
    autograd,
    creation,
)
from tracegrad.torch import nn as nn
from tracegrad.torch import optim as optim
from tracegrad.torch import random as random
from tracegrad.torch._arith import (
    abs,
    acos,
    add,
    allclose,
    asin,
    asinh,
    atan,
    atanh,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    cos,
    cosh,
    div,
    eq,
    equal,
    erf,
    erfinv,
    exp,
    exp2,
    expm1,
    floor,
    floor_divide,
    ge,
    gt,
    isfinite,
    isnan,
    le,
    log,
    log1p,
    log2,
    log10,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    ne,
    neg,
    negative,
    pow,
    reciprocal,
    relu,
    remainder,
    round,
    rsqrt,
    rsub,
    sigmoid,
    sign,
    sin,
    sinh,
    sqrt,
    square,
    sub,
    tan,
    tanh,
    trunc,
)
from tracegrad.torch._arith import acos as arccos
from tracegrad.torch._arith import asin as arcsin
from tracegrad.torch._arith import atan as arctan
from tracegrad.torch._arith import div as divide
from tracegrad.torch._arith import mul as multiply
from tracegrad.torch._arith import sub as subtract
from tracegrad.torch._common import result_dtype as _result_dtype
from tracegrad.torch._extra import (
    chunk,
    clamp,
    cumsum,
    gather,
    prod,
    split,
    std,
    var,
    where,
)
from tracegrad.torch._extra import clamp as clip
from tracegrad.torch._indexing import unbind
from tracegrad.torch._math_ops import (
    addmm,
    angle,
    baddbmm,
    cdist,
    conj,
    cross,
    cumprod,
    diff,
    dist,
    einsum,
    flip,
    kron,
    logsumexp,
    outer,
    repeat_interleave,
    roll,
    tile,
    tril,
    triu,
)
from tracegrad.torch._random_ops import bernoulli, multinomial, normal
from tracegrad.torch._reduce import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    bmm,
    dot,
    matmul,
    max,
    mean,
    min,
    mm,
    norm,
    sum,
)
from tracegrad.torch._select_ops import (
    argsort,
    index_add,
    index_select,
    masked_fill,
    masked_select,
    scatter,
    scatter_add,
    sort,
    topk,
)
from tracegrad.torch._shape import (
    cat,
    clone,
    expand_as,
    flatten,
    permute,
    reshape,
    squeeze,
    stack,
    t,
    transpose,
    unsqueeze,
)
from tracegrad.torch._shape import cat as concat
from tracegrad.torch._shape import cat as concatenate
from tracegrad.torch._shape import transpose as swapaxes
from tracegrad.torch._view_ops import diagonal, imag, narrow, real, select
from tracegrad.torch.creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from tracegrad.torch.dtypes import (
    bfloat16,
    complex64,
    complex128,
    dtype,
    float16,
    float32,
    float64,
    get_default_dtype,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from tracegrad.torch.dtypes import bool_ as _bool_dtype
from tracegrad.torch.dtypes import can_cast as _can_cast
from tracegrad.torch.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from tracegrad.torch.nn.functional import log_softmax, softmax
from tracegrad.torch.random import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from tracegrad.torch.tensor import Size, Tensor, device, install_methods

install_methods(
    [
        _arith.TENSOR_METHODS,
        _reduce.TENSOR_METHODS,
        _shape.TENSOR_METHODS,
        _indexing.TENSOR_METHODS,
        _inplace.TENSOR_METHODS,
        _extra.TENSOR_METHODS,
        _view_ops.TENSOR_METHODS,
        _math_ops.TENSOR_METHODS,
        _select_ops.TENSOR_METHODS,
        _random_ops.TENSOR_METHODS,
        creation.TENSOR_METHODS,
        autograd.TENSOR_METHODS,
        {"softmax": softmax, "log_softmax": log_softmax},
    ]
)


def is_tensor(obj: object) -> builtins.bool:
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input: Tensor) -> builtins.int:
    """The number of elements of ``input``."""
    return input.numel()


def is_floating_point(input: Tensor) -> builtins.bool:
    return input.dtype.is_floating_point


def is_complex(input: Tensor) -> builtins.bool:
    return input.dtype.is_complex


def result_type(tensor1: object, tensor2: object) -> dtype:
    """The dtype PyTorch's promotion gives an operation on the two operands."""
    return _result_dtype(tensor1, tensor2)


def can_cast(from_: dtype, to: dtype) -> builtins.bool:
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

__all__ = [
    "cross",
    "kron",
    "repeat_interleave",
    "acos",
    "arccos",
    "arcsin",
    "arctan",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "ceil",
    "cosh",
    "diff",
    "erf",
    "erfinv",
    "exp2",
    "expm1",
    "floor",
    "log10",
    "log1p",
    "log2",
    "reciprocal",
    "round",
    "rsqrt",
    "sign",
    "sinh",
    "tan",
    "Size",
    "Tensor",
    "abs",
    "add",
    "addmm",
    "all",
    "allclose",
    "amax",
    "amin",
    "angle",
    "any",
    "arange",
    "argmax",
    "argmin",
    "argsort",
    "as_tensor",
    "autograd",
    "baddbmm",
    "bfloat16",
    "bitwise_and",
    "bitwise_not",
    "bitwise_or",
    "bitwise_xor",
    "bmm",
    "bool",
    "can_cast",
    "cat",
    "cdist",
    "cdouble",
    "cfloat",
    "chunk",
    "clamp",
    "clip",
    "clone",
    "complex128",
    "complex64",
    "concat",
    "concatenate",
    "conj",
    "cos",
    "cumprod",
    "cumsum",
    "device",
    "diagonal",
    "dist",
    "div",
    "divide",
    "dot",
    "double",
    "dtype",
    "einsum",
    "empty",
    "empty_like",
    "enable_grad",
    "eq",
    "equal",
    "exp",
    "expand_as",
    "eye",
    "flatten",
    "flip",
    "float",
    "float16",
    "float32",
    "float64",
    "floor_divide",
    "from_numpy",
    "full",
    "full_like",
    "gather",
    "ge",
    "get_default_dtype",
    "gt",
    "half",
    "imag",
    "index_add",
    "index_select",
    "inference_mode",
    "int",
    "int16",
    "int32",
    "int64",
    "int8",
    "is_complex",
    "is_floating_point",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "is_tensor",
    "isfinite",
    "isnan",
    "le",
    "linspace",
    "log",
    "log_softmax",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "logsumexp",
    "long",
    "lt",
    "manual_seed",
    "masked_fill",
    "masked_select",
    "matmul",
    "max",
    "maximum",
    "mean",
    "min",
    "minimum",
    "mm",
    "mul",
    "multiply",
    "narrow",
    "ne",
    "neg",
    "negative",
    "nn",
    "no_grad",
    "norm",
    "numel",
    "ones",
    "ones_like",
    "optim",
    "outer",
    "permute",
    "pow",
    "prod",
    "promote_types",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randint_like",
    "randperm",
    "Generator",
    "default_generator",
    "get_rng_state",
    "set_rng_state",
    "initial_seed",
    "normal",
    "bernoulli",
    "multinomial",
    "random",
    "real",
    "relu",
    "remainder",
    "reshape",
    "result_type",
    "roll",
    "rsub",
    "scatter",
    "scatter_add",
    "seed",
    "select",
    "set_default_dtype",
    "set_grad_enabled",
    "short",
    "sigmoid",
    "sin",
    "softmax",
    "sort",
    "split",
    "sqrt",
    "square",
    "squeeze",
    "stack",
    "std",
    "sub",
    "subtract",
    "sum",
    "swapaxes",
    "t",
    "tanh",
    "tensor",
    "tile",
    "topk",
    "transpose",
    "tril",
    "triu",
    "trunc",
    "uint8",
    "unbind",
    "unsqueeze",
    "var",
    "where",
    "zeros",
    "zeros_like",
]

# torch.autograd.Function, torch.autograd.functional and torch.func live in their own modules.
from tracegrad.torch import autograd_functional as _autograd_functional  # noqa: E402
from tracegrad.torch import func as func  # noqa: E402
from tracegrad.torch import function as _function  # noqa: E402

# Importable under PyTorch's module names too (``from torch.autograd.functional import
# jacobian``, ``from torch.autograd.function import once_differentiable``).
_sys.modules[f"{__name__}.autograd.functional"] = _autograd_functional
_sys.modules[f"{__name__}.autograd.function"] = _function
