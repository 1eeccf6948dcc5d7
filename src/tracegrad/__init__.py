"""tracegrad: JAX-style function transformations in pure Python on NumPy.

>>> import tracegrad as tg, tracegrad.numpy as tnp
>>> tg.grad(lambda x: tnp.sum(tnp.sin(x) * x))(np.zeros(2))
array([0., 0.])
"""

import warnings
from typing import TYPE_CHECKING

# Eager: tracegrad.numpy installs the Tracer's operators, methods and NumPy interop, which
# every traced program needs, and it loads the core, so the core's names cost nothing more.
from tracegrad import numpy as numpy
from tracegrad._lazy import lazy_names
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
from tracegrad.ops.stop_gradient import stop_gradient

# Floating-point exceptions inside tracegrad (log(0), 1/0, overflow) give inf and nan
# silently, as in JAX and PyTorch; the user's own NumPy calls keep NumPy's warnings
# (docs/decisions.md, "Floating-point exceptions are silent").
warnings.filterwarnings(
    "ignore",
    r"(divide by zero|overflow|invalid value|underflow) encountered",
    RuntimeWarning,
    r"tracegrad(\.|$)",
)

# Lazy (docs/imports.md): the transformations, control flow and the other public faces are
# imported on first access, so that `import tracegrad` costs little more than NumPy.
if TYPE_CHECKING:
    from tracegrad import config as config
    from tracegrad import debug as debug
    from tracegrad import dtypes as dtypes
    from tracegrad import errors as errors
    from tracegrad import flatten_util as flatten_util
    from tracegrad import lax as lax
    from tracegrad import nn as nn
    from tracegrad import random as random
    from tracegrad import scipy as scipy
    from tracegrad import tree as tree
    from tracegrad import tree_util as tree_util
    from tracegrad._devices import (
        block_until_ready,
        default_backend,
        device_count,
        device_get,
        device_put,
        devices,
        local_devices,
    )
    from tracegrad.control.callbacks import pure_callback
    from tracegrad.control.custom import custom_jvp, custom_vjp
    from tracegrad.control.custom_gradient import custom_gradient
    from tracegrad.control.remat import checkpoint, remat
    from tracegrad.core.aval import ShapeDtypeStruct
    from tracegrad.core.flags import disable_jit
    from tracegrad.core.names import named_call, named_scope
    from tracegrad.shape_eval import eval_shape
    from tracegrad.transforms.jacobians import hessian, jacfwd, jacrev
    from tracegrad.transforms.jacobians import jacrev as jacobian
    from tracegrad.transforms.jit import jit
    from tracegrad.transforms.jvp import jvp
    from tracegrad.transforms.linearize import linearize
    from tracegrad.transforms.transpose import linear_transpose
    from tracegrad.transforms.vjp import grad, value_and_grad, vjp
    from tracegrad.transforms.vmap import vmap
else:
    __getattr__, __dir__ = lazy_names(
        __name__,
        {
            "config": "tracegrad.config",
            "debug": "tracegrad.debug",
            "dtypes": "tracegrad.dtypes",
            "disable_jit": "tracegrad.core.flags:disable_jit",
            "pure_callback": "tracegrad.control.callbacks:pure_callback",
            "errors": "tracegrad.errors",
            "flatten_util": "tracegrad.flatten_util",
            "lax": "tracegrad.lax",
            "nn": "tracegrad.nn",
            "random": "tracegrad.random",
            "scipy": "tracegrad.scipy",
            "tree": "tracegrad.tree",
            "tree_util": "tracegrad.tree_util",
            "custom_jvp": "tracegrad.control.custom:custom_jvp",
            "custom_vjp": "tracegrad.control.custom:custom_vjp",
            "custom_gradient": "tracegrad.control.custom_gradient:custom_gradient",
            "checkpoint": "tracegrad.control.remat:checkpoint",
            "remat": "tracegrad.control.remat:remat",
            "hessian": "tracegrad.transforms.jacobians:hessian",
            "jacobian": "tracegrad.transforms.jacobians:jacrev",
            "ShapeDtypeStruct": "tracegrad.core.aval:ShapeDtypeStruct",
            "named_call": "tracegrad.core.names:named_call",
            "named_scope": "tracegrad.core.names:named_scope",
            "eval_shape": "tracegrad.shape_eval:eval_shape",
            "devices": "tracegrad._devices:devices",
            "local_devices": "tracegrad._devices:local_devices",
            "device_count": "tracegrad._devices:device_count",
            "default_backend": "tracegrad._devices:default_backend",
            "device_put": "tracegrad._devices:device_put",
            "device_get": "tracegrad._devices:device_get",
            "block_until_ready": "tracegrad._devices:block_until_ready",
            "jacfwd": "tracegrad.transforms.jacobians:jacfwd",
            "jacrev": "tracegrad.transforms.jacobians:jacrev",
            "jit": "tracegrad.transforms.jit:jit",
            "jvp": "tracegrad.transforms.jvp:jvp",
            "linearize": "tracegrad.transforms.linearize:linearize",
            "linear_transpose": "tracegrad.transforms.transpose:linear_transpose",
            "grad": "tracegrad.transforms.vjp:grad",
            "value_and_grad": "tracegrad.transforms.vjp:value_and_grad",
            "vjp": "tracegrad.transforms.vjp:vjp",
            "vmap": "tracegrad.transforms.vmap:vmap",
        },
    )

__version__ = "0.1.0"

__all__ = [
    "ClosedJaxpr",
    "ShapeDtypeStruct",
    "block_until_ready",
    "config",
    "debug",
    "dtypes",
    "disable_jit",
    "pure_callback",
    "default_backend",
    "device_count",
    "device_get",
    "device_put",
    "devices",
    "eval_shape",
    "named_call",
    "named_scope",
    "jacobian",
    "local_devices",
    "checkpoint",
    "custom_jvp",
    "custom_vjp",
    "custom_gradient",
    "errors",
    "flatten_util",
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
    "random",
    "remat",
    "scipy",
    "stop_gradient",
    "tree",
    "tree_util",
    "value_and_grad",
    "vjp",
    "vmap",
]
