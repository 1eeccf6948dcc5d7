"""HIPS autograd's public API on tracegrad: ``import tracegrad.compat.autograd as autograd``.

Or run an unchanged autograd script with ``python -m tracegrad.compat.autograd script.py``
(docs/autograd.md says what maps and what differs).

>>> from tracegrad.compat.autograd import grad
>>> import tracegrad.compat.autograd.numpy as anp
>>> float(grad(lambda x: anp.tanh(x))(0.0))
1.0
"""

from __future__ import annotations

from tracegrad.compat.autograd._missing import module_getattr
from tracegrad.compat.autograd._operators import (
    checkpoint,
    deriv,
    elementwise_grad,
    grad,
    grad_and_aux,
    grad_named,
    hessian,
    hessian_tensor_product,
    hessian_vector_product,
    holomorphic_grad,
    jacobian,
    make_ggnvp,
    make_hvp,
    make_jvp,
    make_vjp,
    multigrad_dict,
    tensor_jacobian_product,
    value_and_grad,
    vector_jacobian_product,
)
from tracegrad.compat.autograd.builtins import dict, isinstance, list, tuple, type
from tracegrad.compat.autograd.extend import primitive

__all__ = [
    "checkpoint",
    "deriv",
    "dict",
    "elementwise_grad",
    "grad",
    "grad_and_aux",
    "grad_named",
    "hessian",
    "hessian_tensor_product",
    "hessian_vector_product",
    "holomorphic_grad",
    "isinstance",
    "jacobian",
    "list",
    "make_ggnvp",
    "make_hvp",
    "make_jvp",
    "make_vjp",
    "multigrad_dict",
    "primitive",
    "tensor_jacobian_product",
    "tuple",
    "type",
    "value_and_grad",
    "vector_jacobian_product",
]
__getattr__ = module_getattr("autograd")
