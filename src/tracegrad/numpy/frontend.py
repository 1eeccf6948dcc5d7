"""How ``tracegrad.numpy`` functions take their arguments: NumPy's conversion and promotion
rules, and the fast path straight to NumPy when no transformation is active.

A public internal module: the other NumPy-style front ends (``tracegrad.nn``,
``tracegrad.scipy``) build their functions with these helpers, as ``tracegrad.numpy`` does
(docs/architecture.md, "The public surface"). Not part of ``tracegrad.numpy``'s namespace."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from tracegrad.core import Primitive, ShapeError, Tracer, get_aval, is_python_scalar
from tracegrad.core.dtypes import is_inexact, loaded_bfloat16_for, result_type
from tracegrad.core.trace import EVAL_TRACE, NATIVE_TYPES, fast_current_trace, is_foreign
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_discrete as ewd
from tracegrad.ops import reductions as red
from tracegrad.ops.elementwise import scalar_like
from tracegrad.ops.structural import (
    broadcast_in_dim,
    canonical_axis,
    concatenate,
    convert_element_type,
    reshape,
)

F = TypeVar("F", bound=Callable[..., Any])

_FLOAT_OF_KIND = np.dtype(np.float16)
_NDARRAY = np.ndarray


def numpy_named(name: str) -> Callable[..., Any] | None:
    """NumPy's function ``name``, or None where the installed NumPy lacks it (NumPy 1.26
    has no ``concat``, ``vecdot``, ``unique_values``, ...).

    >>> numpy_named("sin") is np.sin, numpy_named("no_such_function")
    (True, None)
    """
    fn: Callable[..., Any] | None = getattr(np, name, None)
    return fn


def numpy_when_eager(
    np_fn: Callable[..., Any] | None, binds: Primitive | None = None
) -> Callable[[F], F]:
    """Outside every transformation, call ``np_fn`` directly (about 0.1 µs of overhead);
    inside one, run the decorated tracegrad implementation. Where NumPy lacks the
    function (``np_fn`` is None), the tracegrad implementation runs in both cases.

    ``binds``: the primitive the implementation binds, and all it does, when called with
    one traced operand of a strongly typed inexact dtype and nothing else (``sin(x)``);
    such a call binds it at once, without the implementation's checks and promotion."""

    def wrap(traced: F) -> F:
        if np_fn is None:
            return traced

        @functools.wraps(traced)
        def dispatch(*args: Any, **kwargs: Any) -> Any:
            try:
                trace = fast_current_trace()
                if trace is EVAL_TRACE:  # is_eager(), inlined on this hot path
                    for a in args:  # numpy_takes(args), inlined on this hot path
                        c = a.__class__
                        if c is not _NDARRAY and c not in NATIVE_TYPES and holds_foreign(a):
                            return traced(*args, **kwargs)  # in the array's namespace
                    try:
                        return np_fn(*args, **kwargs)
                    except ValueError:
                        # Let the traced path raise tracegrad's typed error (a ShapeError
                        # naming both shapes, which is also a TypeError as in JAX).
                        return traced(*args, **kwargs)
                if binds is not None and len(args) == 1 and not kwargs:
                    (x,) = args
                    if isinstance(x, Tracer):  # promote_inexact's first case, inlined
                        aval = x.aval
                        if not aval.weak_type and aval.dtype.kind in "fc":
                            return trace.process_primitive(binds, args, {})
                return traced(*args, **kwargs)
            except TypeError as e:
                # NumPy knows the name 'bfloat16' once ml_dtypes is imported, on first use.
                if not loaded_bfloat16_for(e):
                    raise
                return dispatch(*args, **kwargs)

        dispatch.__wrapped_traced__ = traced  # type: ignore[attr-defined]
        dispatch.__wrapped_numpy__ = np_fn  # type: ignore[attr-defined]
        dispatch.__binds__ = binds  # type: ignore[attr-defined]
        return dispatch  # type: ignore[return-value]

    return wrap


def numpy_unless(np_fn: Callable[..., Any] | None, *jax_only: str) -> Callable[[F], F]:
    """``numpy_when_eager(np_fn)``, except that a call passing one of JAX's extra keyword
    arguments ``jax_only`` (``size=``, say, which NumPy lacks) runs the tracegrad
    implementation eagerly too."""

    def wrap(traced: F) -> F:
        if np_fn is None:
            return traced

        def eager(*args: Any, **kwargs: Any) -> Any:
            if any(kwargs.get(k) is not None for k in jax_only):
                return traced(*args, **kwargs)
            return np_fn(*args, **kwargs)

        return numpy_when_eager(eager)(traced)

    return wrap


def numpy_takes(args: tuple[Any, ...]) -> bool:
    """Whether the eager fast path may hand ``args`` to NumPy: none is (or is a list or
    tuple holding) an array of another array-API library (Dask, CuPy, ``array_api_strict``,
    ...), which the tracegrad implementation computes with that library's namespace,
    primitive by primitive (ops/array_api_eager.py).

    >>> numpy_takes((np.ones(2), [1.0, np.ones(2)]))
    True
    """
    for a in args:
        c = a.__class__
        if c is not _NDARRAY and c not in NATIVE_TYPES and holds_foreign(a):
            return False
    return True


def holds_foreign(x: Any) -> bool:
    """Whether ``x`` is, or is a list or tuple holding, an array of another library."""
    if isinstance(x, list | tuple):
        return any(is_foreign(y) for y in x)
    return is_foreign(x)


def contains_tracer(x: Any) -> bool:
    if isinstance(x, Tracer):
        return True
    if isinstance(x, list | tuple):
        return any(contains_tracer(y) for y in x)
    return False


def asarray_or_tracer(x: Any) -> Any:
    """Tracers and arrays pass unchanged; Python scalars stay (weakly typed) scalars;
    anything else array-like becomes a NumPy array, nested tracers stacked."""
    if isinstance(x, Tracer | np.ndarray) or is_python_scalar(x):
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, list | tuple) and contains_tracer(x):
        return stack_nested(x)
    return x if is_foreign(x) else np.asarray(x)


def stack_nested(x: Any) -> Any:
    """A nested list or tuple of scalars, arrays and tracers as one array, as np.array does."""
    if not isinstance(x, list | tuple):
        return asarray_or_tracer(x)
    items = [stack_nested(y) for y in x]
    if not items:
        return np.asarray(x)
    items = promote_dtypes(*items)
    shapes = {get_aval(i).shape for i in items}
    if len(shapes) != 1:
        raise ShapeError(
            "setting an array element with a sequence. The requested array has an "
            f"inhomogeneous shape: the elements have shapes {sorted(shapes)}."
        )
    shape = shapes.pop()
    expanded = [
        reshape(i, (1, *shape)) if isinstance(i, Tracer) else np.reshape(i, (1, *shape))
        for i in items
    ]
    return concatenate(expanded, 0)


# Python scalar types that never change an inexact array's dtype under NEP 50, by the
# dtype kinds they leave alone.
_WEAK_KEEPS_KIND = {bool: "fc", int: "fc", float: "fc", complex: "c"}


def _common_strong_dtype(args: tuple[Any, ...]) -> np.dtype[Any] | None:
    """The dtype shared by all of ``args`` if each is an array or a strongly typed tracer
    of that dtype (the common case, decided without promotion tables); else None.
    Python scalars are allowed beside an inexact dtype they leave unchanged."""
    dtype = None
    scalars = False
    for a in args:
        t = type(a)
        if t is np.ndarray:
            d = a.dtype
        elif t in _WEAK_KEEPS_KIND:
            scalars = True
            continue
        elif isinstance(a, Tracer):
            aval = a.aval
            if aval.weak_type:
                return None
            d = aval.dtype
        else:
            return None
        if dtype is None:
            dtype = d
        elif d is not dtype and d != dtype:
            return None
    if scalars and dtype is not None:
        kind = dtype.kind
        for a in args:
            kinds = _WEAK_KEEPS_KIND.get(type(a))
            if kinds is not None and kind not in kinds:
                return None
    return dtype


def weak_number_beside(t: Any, s: Any) -> Any:
    """``s`` as a 0-d array of ``t``'s dtype if ``t`` is a strongly typed tracer and ``s`` a
    Python number that leaves its dtype alone (``x * 0.5``: NEP 50's weak scalar); else None.

    >>> weak_number_beside(np.ones(2), 0.5) is None
    True
    """
    kinds = _WEAK_KEEPS_KIND.get(type(s))
    if kinds is not None and isinstance(t, Tracer):
        aval = t.aval
        if not aval.weak_type and aval.dtype.kind in kinds:
            return np.asarray(s, aval.dtype)
    return None


def promote_dtypes(*args: Any) -> list[Any]:
    """Convert operands to their common dtype, as NumPy 2 promotes them (NEP 50).

    Python scalars become 0-d arrays of the common dtype (weak typing)."""
    if len(args) == 2:  # a strongly typed tracer and a Python number it keeps: ``x * 0.5``
        a, b = args
        t, s = (b, a) if type(a) in _WEAK_KEEPS_KIND else (a, b)
        number = weak_number_beside(t, s)
        if number is not None:
            return [t, number] if t is a else [number, t]
    common = _common_strong_dtype(args)
    if common is not None:
        if len(args) == 2:  # the common case, without a comprehension's frame
            a, b = args
            return [
                np.asarray(a, common) if type(a) in _WEAK_KEEPS_KIND else a,
                np.asarray(b, common) if type(b) in _WEAK_KEEPS_KIND else b,
            ]
        return [np.asarray(a, common) if type(a) in _WEAK_KEEPS_KIND else a for a in args]
    args = tuple(asarray_or_tracer(a) for a in args)
    avals = [get_aval(a) for a in args]
    dtype = result_type(*((a.dtype, a.weak_type) for a in avals))
    weak = avals[0].weak_type and all(a.weak_type for a in avals)  # the first: a quick no
    if weak and any(isinstance(a, Tracer) for a in args):
        return [cast_weak(a, dtype) for a in args]
    return [cast(a, dtype) for a in args]


def promote_inexact(*args: Any) -> list[Any]:
    """As ``promote_dtypes``, then to a floating dtype if integer or boolean (as np.sin does)."""
    if len(args) == 1:  # one operand of an inexact dtype, strongly typed: nothing to do
        (a,) = args
        if isinstance(a, Tracer):
            aval = a.aval
            if not aval.weak_type and aval.dtype.kind in "fc":
                return [a]
        elif type(a) is np.ndarray and a.dtype.kind in "fc":
            return [a]
    common = _common_strong_dtype(args)
    if common is not None and common.kind in "fc":
        return [np.asarray(a, common) if type(a) in _WEAK_KEEPS_KIND else a for a in args]
    args_ = promote_dtypes(*args)
    dtype = get_aval(args_[0]).dtype if args_ else np.dtype(np.float64)
    if not is_inexact(dtype):
        weak = all(get_aval(a).weak_type for a in args_)
        dtype = np.dtype(np.float64) if weak else np.result_type(dtype, _FLOAT_OF_KIND)
        traced = any(isinstance(a, Tracer) for a in args_)
        args_ = [cast_weak(a, dtype) if weak and traced else cast(a, dtype) for a in args_]
    return args_


# The Python type of a weakly typed value of each dtype kind.
_PYTHON_OF_KIND: dict[str, type] = {"b": bool, "i": int, "f": float, "c": complex}


def cast_weak(x: Any, dtype: np.dtype[Any]) -> Any:
    """``cast`` for an operand among weakly typed ones only (Python scalars, and values
    traced from them under ``jit`` or ``vmap``): the result stays weakly typed, as in JAX,
    so that ``x_f32 / (1 - 0.9 ** step)`` with a traced Python ``step`` stays float32."""
    if isinstance(x, Tracer):
        return convert_element_type(x, dtype, weak_type=True)
    python_type = _PYTHON_OF_KIND.get(dtype.kind)
    if python_type is not None and is_python_scalar(x) and np.dtype(python_type) == dtype:
        return python_type(x)
    return cast(x, dtype)


def cast(x: Any, dtype: np.dtype[Any]) -> Any:
    if is_python_scalar(x):
        return np.asarray(x, dtype=dtype)
    if get_aval(x).dtype == dtype:
        return x
    if isinstance(x, Tracer):
        return convert_element_type(x, dtype)
    return np.asarray(x).astype(dtype)


def normalize_axis_tuple(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """NumPy's ``axis`` argument as a sorted tuple of non-negative axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    out = tuple(sorted(canonical_axis(int(a), ndim) for a in axes))
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {axis!r}")
    return out


_UFUNC_KEYWORD_DEFAULTS: dict[str, Any] = {
    "casting": "same_kind", "order": "K", "dtype": None, "subok": True, "signature": None,
}  # fmt: skip


def check_ufunc_args(name: str, out: Any, where: Any, kwargs: dict[str, Any]) -> None:
    """A traced ufunc call takes NumPy's keyword arguments at their defaults only:
    ``out=None``, ``where=True`` and so on; anything else raises NotImplementedError."""
    if not (out is None or (isinstance(out, tuple) and all(o is None for o in out))):
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: out= is not supported under a transformation (traced "
            "arrays are never written in place). Use the returned value instead."
        )
    if not (where is True or (isinstance(where, np.bool_) and bool(where))):
        raise NotImplementedError(
            f"tracegrad.numpy.{name}: where= is not supported under a transformation. "
            f"Compute everywhere and select: tracegrad.numpy.where(mask, {name}(...), fallback)."
        )
    for key, value in kwargs.items():
        if key not in _UFUNC_KEYWORD_DEFAULTS:
            raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
        default = _UFUNC_KEYWORD_DEFAULTS[key]
        if value is not default and not (isinstance(value, str) and value == default):
            hint = " Convert the operands with .astype(...) first." if key == "dtype" else ""
            raise NotImplementedError(
                f"tracegrad.numpy.{name}: {key}={value!r} is not supported under a "
                f"transformation; only the default {key}={default!r} is.{hint}"
            )


def finite_max(x: Any, axes: Sequence[int]) -> Any:
    """The maximum of ``x`` over ``axes``, replaced by 0 where it is not finite or where the
    axes are empty: the shift that keeps ``exp`` in range in logsumexp and softmax.

    The shift cancels exactly in those functions, so derivatives flow through it without
    ``stop_gradient`` and come out right (its own derivative cancels too).

    >>> finite_max(np.array([[1.0, 3.0], [np.inf, 2.0]]), (1,))
    array([3., 0.])
    """
    aval = get_aval(x)
    out_shape = tuple(s for i, s in enumerate(aval.shape) if i not in axes)
    zero = scalar_like(x, 0)
    if any(aval.shape[a] == 0 for a in axes):
        return broadcast_in_dim(zero, out_shape, ())
    m = red.reduce_max(x, axes)
    return ew.select_n(ewd.isfinite(m), zero, m)
