"""Plain NumPy on tracers: ``__array_ufunc__`` and ``__array_function__`` send NumPy calls
to the ``tracegrad.numpy`` function of the same name, or raise NotImplementedError."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core.errors import UnsupportedFunctionError

_REDUCE_METHODS = {
    "add": "sum",
    "multiply": "prod",
    "maximum": "max",
    "minimum": "min",
    "logical_and": "all",
    "logical_or": "any",
}
_ACCUMULATE_METHODS = {"add": "cumsum", "multiply": "cumprod"}


def _traced(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The traced implementation behind a fast-path function (never NumPy itself again)."""
    return getattr(fn, "__wrapped_traced__", fn)


def _namespace(module_name: str) -> Any:
    """The tracegrad.numpy (sub)module mirroring a NumPy module, e.g. numpy.linalg."""
    parts = module_name.split(".")
    if parts[0] != "numpy":
        return None
    sub = [p for p in parts[1:] if not p.startswith("_")]
    name = ".".join(["tracegrad.numpy", *sub[:1]])
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _unsupported(what: str) -> UnsupportedFunctionError:
    return UnsupportedFunctionError(
        f"tracegrad does not support {what} on traced values. Use a supported "
        "tracegrad.numpy function, or compute this value outside the transformed function. "
        "See the list of supported functions in tracegrad.numpy."
    )


def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    tnp = importlib.import_module("tracegrad.numpy")
    if kwargs.get("out") is not None:
        raise _unsupported(f"numpy.{ufunc.__name__}(..., out=...)")
    kwargs.pop("out", None)
    if method == "__call__":
        fn = getattr(tnp, ufunc.__name__, None)
    elif method == "reduce":
        fn = getattr(tnp, _REDUCE_METHODS.get(ufunc.__name__, ""), None)
        kwargs.setdefault("axis", 0)
    elif method == "accumulate":
        fn = getattr(tnp, _ACCUMULATE_METHODS.get(ufunc.__name__, ""), None)
        kwargs.setdefault("axis", 0)
    else:
        fn = None
    if fn is None:
        name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        raise _unsupported(name)
    return _traced(fn)(*inputs, **kwargs)


def array_function(self: Any, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    ns = _namespace(getattr(func, "__module__", "") or "")
    fn = getattr(ns, func.__name__, None) if ns is not None else None
    # NumPy's own function re-exported (array_str, save, ...) would only dispatch here again.
    if fn is None or not callable(fn) or fn is func:
        raise _unsupported(f"{getattr(func, '__module__', 'numpy')}.{func.__name__}")
    return _traced(fn)(*args, **kwargs)


TRACER_METHODS: dict[str, Any] = {
    "__array_ufunc__": array_ufunc,
    "__array_function__": array_function,
}
