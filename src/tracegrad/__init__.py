"""tracegrad: JAX-style function transformations in pure Python on NumPy.

>>> import tracegrad as tg, tracegrad.numpy as tnp
>>> tg.grad(lambda x: tnp.sum(tnp.sin(x) * x))(np.zeros(2))
array([0., 0.])
"""

from tracegrad import errors as errors
from tracegrad import lax as lax
from tracegrad import nn as nn
from tracegrad import numpy as numpy
from tracegrad import scipy as scipy
from tracegrad import tree_util as tree_util
from tracegrad.control.custom import custom_jvp, custom_vjp
from tracegrad.control.remat import checkpoint, remat
from tracegrad.core import (
    ClosedJaxpr,
    ConcretizationTypeError,
    ShapeError,
    TracerArrayConversionError,
    TracerBoolConversionError,
    TracerIntegerConversionError,
    UnexpectedTracerError,
    eval_jaxpr,
    make_jaxpr,
)
from tracegrad.ops.structural import stop_gradient
from tracegrad.transforms.jacobians import hessian, jacfwd, jacrev
from tracegrad.transforms.jit import jit
from tracegrad.transforms.jvp import jvp
from tracegrad.transforms.linearize import linearize
from tracegrad.transforms.transpose import linear_transpose
from tracegrad.transforms.vjp import grad, value_and_grad, vjp
from tracegrad.transforms.vmap import vmap

__version__ = "0.1.0"

__all__ = [
    "ClosedJaxpr",
    "checkpoint",
    "custom_jvp",
    "custom_vjp",
    "errors",
    "ConcretizationTypeError",
    "ShapeError",
    "TracerArrayConversionError",
    "TracerBoolConversionError",
    "TracerIntegerConversionError",
    "UnexpectedTracerError",
    "eval_jaxpr",
    "grad",
    "hessian",
    "jacfwd",
    "jacrev",
    "jit",
    "lax",
    "jvp",
    "linear_transpose",
    "linearize",
    "make_jaxpr",
    "nn",
    "numpy",
    "remat",
    "scipy",
    "stop_gradient",
    "tree_util",
    "value_and_grad",
    "vjp",
    "vmap",
]
