"""Eager evaluation on another library's arrays: a primitive applied outside ``jit`` (by an
eager ``grad``, ``vmap``, ``jvp``, ``vjp``, or a ``tracegrad.numpy`` function called directly)
to an array of another array-API library (Dask, CuPy, ``array_api_strict``, ...) runs as
``jit`` runs a program on such arrays: a program of that one equation, evaluated with the
library's namespace by the rules of ``ops/array_api.py`` (as JAX's op-by-op dispatch is the
jit of one primitive). The program is staged once per primitive, parameters, input avals
and namespace. Loaded by the eval trace on the first such array; NumPy never comes here.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from tracegrad.backend.namespace import foreign_aval, foreign_namespace
from tracegrad.core import EVAL_TRACE, ClosedJaxpr, Primitive, ShapedArray, get_aval
from tracegrad.core.cache import PlanCache
from tracegrad.core.staging import trace_to_jaxpr
from tracegrad.core.trace import is_foreign, run_in_trace
from tracegrad.ops.array_api import run_in_namespace

# The namespace of each foreign array type (array_api_compat's answer depends on the type).
_NAMESPACES: dict[type, Any] = {}
# The one-equation program of each (primitive, avals, namespace, parameters).
_PROGRAMS = PlanCache(4096)


def namespace_of(x: Any) -> Any:
    """The array-API namespace of the foreign array ``x``.

    >>> import pytest; xs = pytest.importorskip("array_api_strict")
    >>> namespace_of(xs.asarray([1.0])).__name__
    'array_api_strict'
    """
    t = type(x)
    xp = _NAMESPACES.get(t)
    if xp is None:
        xp = _NAMESPACES[t] = foreign_namespace([x])
    return xp


def value_aval(x: Any) -> ShapedArray:
    """The abstract value of the foreign array ``x`` (``concrete_aval``'s answer for it).

    >>> import pytest; xs = pytest.importorskip("array_api_strict")
    >>> value_aval(xs.ones((2, 3), dtype=xs.float32))
    f32[2,3]
    """
    return foreign_aval(namespace_of(x), x)


def apply_in_namespace(prim: Primitive, args: Sequence[Any], params: dict[str, Any]) -> Any:
    """``prim.bind(*args, **params)`` outside every transformation, where some of ``args``
    are foreign arrays: computed with their namespace (NumPy values and Python numbers
    among ``args`` become its arrays); the result is the library's array (lazy on Dask).

    >>> import pytest; xs = pytest.importorskip("array_api_strict")
    >>> from tracegrad.ops import elementwise as ew
    >>> apply_in_namespace(ew.mul_p, (xs.asarray([1.0, 2.0]), np.float64(3.0)), {})
    Array([3., 6.], dtype=array_api_strict.float64)
    """
    foreign = [x for x in args if is_foreign(x)]
    xp = namespace_of(foreign[0])
    if any(namespace_of(x) is not xp for x in foreign[1:]):
        foreign_namespace(foreign)  # raises the error for arrays of several libraries
    avals = tuple(foreign_aval(xp, x) if is_foreign(x) else get_aval(x) for x in args)
    closed = _program(prim, params, avals, xp)
    outs = run_in_namespace(closed, args, xp)
    return outs if prim.multiple_results else outs[0]


def _program(
    prim: Primitive, params: dict[str, Any], avals: tuple[ShapedArray, ...], xp: Any
) -> ClosedJaxpr:
    """The program of one application of ``prim`` at ``avals``, cached when its parameters
    can be hashed (a primitive with no rule for ``xp`` fails when it runs, not here)."""
    key: Hashable = (prim, avals, id(xp), *params.items())
    try:
        closed: ClosedJaxpr | None = _PROGRAMS.get(key)
    except TypeError:  # a parameter that cannot be hashed (an array): staged each time
        return _stage(prim, params, avals)
    if closed is None:
        closed = _stage(prim, params, avals)
        _PROGRAMS.put(key, closed)
    return closed


def _stage(prim: Primitive, params: dict[str, Any], avals: Sequence[ShapedArray]) -> ClosedJaxpr:
    def one(*xs: Any) -> list[Any]:
        out = prim.bind(*xs, **params)
        return list(out) if prim.multiple_results else [out]

    # Staged from the bottom of the trace chain: the application is eager.
    closed: ClosedJaxpr = run_in_trace(EVAL_TRACE, trace_to_jaxpr, one, list(avals))
    return closed
