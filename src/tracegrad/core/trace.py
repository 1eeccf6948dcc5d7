"""Trace state: the per-thread current trace, its parent chain, and the Tracer base class."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from tracegrad.core import errors
from tracegrad.core.aval import ShapedArray, concrete_aval

if TYPE_CHECKING:
    from tracegrad.core.primitive import Primitive


class Trace:
    """An interpreter of primitives. Each trace but the bottom one has a parent.

    A trace handles values that are its own tracers; anything else is a constant
    to it, which it passes to its parent when an operation has no tracer of its own.
    ``alive`` turns False when the transformation that created the trace returns,
    so a tracer that escaped is caught on its next use.
    """

    __slots__ = ("alive", "parent")

    def __init__(self, parent: Trace | None) -> None:
        self.parent = parent
        self.alive = True

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        raise NotImplementedError


class EvalTrace(Trace):
    """The bottom of every trace chain: runs primitives on concrete values, with NumPy, or
    with the array namespace of another library's arrays among the inputs (Dask, CuPy,
    ``array_api_strict``, ...: ``ops/array_api_eager.py``)."""

    __slots__ = ()

    def process_primitive(
        self, prim: Primitive, args: tuple[Any, ...], params: dict[str, Any]
    ) -> Any:
        for x in args:
            if not isinstance(x, _PLAIN):
                if isinstance(x, Tracer):
                    raise errors.escaped_tracer_error(x)
                if is_foreign(x):
                    return foreign_evaluator().apply_in_namespace(prim, args, params)
        if prim.impl is None:
            raise NotImplementedError(f"Primitive {prim.name!r} has no evaluation rule.")
        try:
            return prim.impl(*args, **params)
        except ValueError:
            # NumPy's error for bad shapes is a bare ValueError; the abstract rule raises
            # tracegrad's typed one (ShapeError, naming every shape), as under staging.
            if prim.abstract_eval is not None:
                prim.abstract_eval(*(get_aval(x) for x in args), **params)
            raise


# What NumPy's path takes as it is, checked first (one isinstance for the common argument).
_PLAIN = (np.ndarray, np.generic, bool, int, float, complex)
# The commonest of them by exact type, for the hot paths' set lookups (``type(x) in ...``):
# none is another library's array.
NATIVE_TYPES = frozenset({np.ndarray, np.float64, float, int, bool, complex})


def is_foreign(x: Any) -> bool:
    """Whether ``x`` is an array of another array-API library than NumPy (a type with
    ``__array_namespace__``, or a Dask array), which tracegrad computes with that library's
    namespace. Other array-likes (lists, PyTorch tensors, ...) are converted to NumPy, and
    so are JAX arrays: JAX is a peer whose programs tracegrad runs on NumPy (with float64,
    where JAX's default namespace would turn float64 arguments into float32).

    >>> is_foreign(np.ones(2)), is_foreign(1.5), is_foreign([1.0])
    (False, False, False)
    """
    if isinstance(x, (*_PLAIN, Tracer)):
        return False
    t = type(x)
    module = t.__module__
    if module.startswith("dask."):
        return True
    return hasattr(t, "__array_namespace__") and not module.startswith(("jax", "jaxlib"))


# The module that evaluates primitives on other libraries' arrays, named by ``tracegrad.ops``
# (the core depends on no higher layer) and imported on the first such array.
_FOREIGN_EVALUATOR = [""]


def set_foreign_evaluator(module: str) -> None:
    """Name the module whose ``apply_in_namespace(prim, args, params)`` and
    ``value_aval(x)`` the eval trace and ``concrete_aval`` use for arrays of other
    libraries."""
    _FOREIGN_EVALUATOR[0] = module


def foreign_evaluator() -> Any:
    """The module named by ``set_foreign_evaluator``, imported."""
    name = _FOREIGN_EVALUATOR[0]
    if not name:
        raise TypeError(
            "An array of another array-API library reached tracegrad's core before "
            "tracegrad.ops was imported. Import tracegrad (or tracegrad.numpy) first."
        )
    return importlib.import_module(name)


EVAL_TRACE = EvalTrace(None)
_current: ContextVar[Trace] = ContextVar("tracegrad_current_trace", default=EVAL_TRACE)
# The names of the ``named_scope``s entered, joined by "/" ("" outside every scope): what an
# equation staged now records (core/names.py).
name_stack: ContextVar[str] = ContextVar("tracegrad_name_stack", default="")


# ``current_trace`` without a Python frame (the context variable's own ``get``), for the
# hottest paths: tracegrad.numpy's dispatch, once per operation.
fast_current_trace: Callable[[], Trace] = _current.get


def current_trace() -> Trace:
    """The innermost active trace of this thread (the eval trace outside transformations)."""
    return _current.get()


def is_eager() -> bool:
    """True when no transformation is active in this thread."""
    return _current.get() is EVAL_TRACE


def run_in_trace(trace: Trace, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` with ``trace`` current: the hot-path form of set_current_trace."""
    token = _current.set(trace)
    try:
        return fn(*args, **kwargs)
    finally:
        _current.reset(token)


@contextmanager
def set_current_trace(trace: Trace) -> Iterator[Trace]:
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


T = TypeVar("T", bound=Trace)


@contextmanager
def new_trace(trace: T) -> Iterator[T]:
    """Make ``trace`` current for the block, and invalidate it when the block ends."""
    token = _current.set(trace)
    try:
        yield trace
    finally:
        trace.alive = False
        _current.reset(token)


def run_in_new_trace(trace: Trace, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` inside ``new_trace(trace)``: the hot-path form (eager ``grad``)."""
    token = _current.set(trace)
    try:
        return fn(*args, **kwargs)
    finally:
        trace.alive = False
        _current.reset(token)


def check_alive(x: Any) -> None:
    """Raise if ``x`` is a tracer whose transformation has already returned."""
    if isinstance(x, Tracer) and not x._trace.alive:
        raise errors.escaped_tracer_error(x)


class Tracer:
    """A value flowing through a function under transformation.

    Operators and array methods are installed on this class by ``tracegrad.numpy``.
    """

    __slots__ = ("_trace",)
    __array_priority__ = 1000

    def __init__(self, trace: Trace) -> None:
        self._trace = trace

    @property
    def aval(self) -> ShapedArray:
        raise NotImplementedError

    def to_concrete_value(self) -> Any:
        """The concrete value behind this tracer, or None where it is abstract."""
        return None

    def _origin(self) -> str | None:
        return None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape

    @property
    def dtype(self) -> Any:
        return self.aval.dtype

    @property
    def ndim(self) -> int:
        return self.aval.ndim

    @property
    def size(self) -> int:
        return self.aval.size

    @property
    def weak_type(self) -> bool:
        return self.aval.weak_type

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object (a 0-d traced array)")
        return self.shape[0]

    def __iter__(self) -> Iterator[Any]:
        if not self.shape:
            raise TypeError("iteration over a 0-d traced array")
        return (self[i] for i in range(self.shape[0]))  # type: ignore[index]

    # Whether float()/complex() may take the concrete value: False for tracers that carry a
    # derivative, whose conversion would cut it silently (JAX raises there too; int() and
    # bool() are piecewise constant, so they stay allowed, as in JAX).
    numbers_are_constant = True

    def _number(self, kind: type[errors.ConcretizationTypeError], what: str) -> Any:
        if not self.numbers_are_constant:
            raise errors.differentiated_conversion_error(what, self.aval)
        return self._concrete(kind, what)

    def _concrete(self, kind: type[errors.ConcretizationTypeError], what: str) -> Any:
        value = self.to_concrete_value()
        if value is None:
            raise errors.concretization_error(kind, what, self.aval, self._origin())
        return value

    def __bool__(self) -> bool:
        return bool(self._concrete(errors.TracerBoolConversionError, "bool()"))

    def __int__(self) -> int:
        return int(self._concrete(errors.TracerIntegerConversionError, "int()"))

    def __index__(self) -> int:
        return int(self._concrete(errors.TracerIntegerConversionError, "__index__()").__index__())

    def __float__(self) -> float:
        return float(self._number(errors.TracerArrayConversionError, "float()"))

    def __complex__(self) -> complex:
        return complex(self._number(errors.TracerArrayConversionError, "complex()"))

    def __array__(self, dtype: Any = None, copy: Any = None) -> Any:
        # Never silently: a NumPy array made from a tracer would cut the derivative.
        raise errors.TracerArrayConversionError(
            f"The numpy.ndarray conversion method __array__() was called on a traced array "
            f"with shape/dtype {self.aval}. This happens when a NumPy function that "
            "tracegrad does not dispatch is applied to a traced value, or when the value "
            "is passed to code that needs a concrete array. Use tracegrad.numpy functions, "
            "or compute the value outside the transformed function."
        )

    def item(self) -> Any:
        return self._concrete(errors.TracerArrayConversionError, ".item()").item()

    def tolist(self) -> Any:
        return self._concrete(errors.TracerArrayConversionError, ".tolist()").tolist()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Traced<{self.aval.str_short()}>with<{type(self._trace).__name__}>"


def get_aval(x: Any) -> ShapedArray:
    """The abstract value of a tracer or of a concrete value."""
    if isinstance(x, Tracer):
        return x.aval
    return concrete_aval(x)
