"""The Tracer's binary operators (``x + y``, ``x == y``, ``y - x``, ...), as methods calling
the ``tracegrad.numpy`` function of the operation (``numpy/_ufuncs.py`` lists them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import Primitive, Tracer, is_python_scalar
from tracegrad.core.trace import EVAL_TRACE, NATIVE_TYPES, fast_current_trace, is_foreign
from tracegrad.numpy.frontend import weak_number_beside


def is_operand(x: Any) -> bool:
    """Whether an operator takes ``x`` as its other operand (else NotImplemented).

    >>> is_operand(1.5), is_operand([1, 2]), is_operand(None)
    (True, True, False)
    """
    if isinstance(x, Tracer | np.ndarray | np.generic | list | tuple) or is_python_scalar(x):
        return True
    return is_foreign(x)  # another library's array (``dask_y * x`` under grad)


def operator_method(
    f: Callable[..., Any],
    traced: Callable[[Any, Any], Any] | None = None,
    swap: bool = False,
    binds: Primitive | None = None,
) -> Callable[[Any, Any], Any]:
    """``x.__op__(other)`` (with ``swap``, ``x.__rop__(other)``: ``f(other, x)``):
    NotImplemented for operands NumPy would not take either, so that Python tries the other
    operand (``x == None`` is then simply False).

    Under a transformation the operator calls ``traced`` (by default ``f``'s traced route)
    without ``f``'s dispatch; outside every one (a tracer that escaped, or one used in
    another thread) ``f`` decides, as ``f(x, other)`` would. ``binds``: the primitive the
    traced route binds on its operands once promoted, and all it does for an inexact ``x``
    and a Python number (``x * 0.9``): such a call converts the number and binds it.

    >>> import tracegrad as tg
    >>> print(tg.make_jaxpr(lambda x: 2.0 - x)(np.ones(2, np.float32)))
    { lambda ; a:f32[2]. let
        b:f32[2] = sub 2.0:f32[] a
      in (b,) }
    """
    traced_f = getattr(f, "__wrapped_traced__", f) if traced is None else traced

    def method(self: Any, other: Any) -> Any:
        t = type(other)
        if t in NATIVE_TYPES or is_operand(other):
            trace = fast_current_trace()
            if trace is EVAL_TRACE:
                return f(other, self) if swap else f(self, other)
            if binds is not None:
                number = weak_number_beside(self, other)
                if number is not None:
                    args = (number, self) if swap else (self, number)
                    return trace.process_primitive(binds, args, {})
            return traced_f(other, self) if swap else traced_f(self, other)
        return NotImplemented

    return method


def reflected_method(
    f: Callable[..., Any],
    traced: Callable[[Any, Any], Any] | None = None,
    binds: Primitive | None = None,
) -> Callable[[Any, Any], Any]:
    return operator_method(f, traced, swap=True, binds=binds)
