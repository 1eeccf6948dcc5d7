"""Abstract values: what a transformation knows about an array (shape, dtype, weak type)."""

from __future__ import annotations

import contextlib
import operator
import reprlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core.dtypes import float0, is_bfloat16

_SHORT_NAMES = {
    "float16": "f16", "float32": "f32", "float64": "f64", "bfloat16": "bf16",
    "complex64": "c64", "complex128": "c128",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool",
}  # fmt: skip


def short_dtype_name(dtype: np.dtype[Any]) -> str:
    if dtype == float0:
        return "float0"
    name: str = dtype.name
    return _SHORT_NAMES.get(name, name)


class ShapedArray:
    """The abstract value of an array: shape, dtype and whether its type is weak.

    Avals are immutable and interned: equal avals are the same object, so comparing
    and hashing them costs an identity check (they are made on every traced operation).

    >>> ShapedArray((2, 3), np.dtype('float32'))
    f32[2,3]
    >>> ShapedArray((2, 3), np.float32) is ShapedArray([2, 3], np.dtype('float32'))
    True
    """

    __slots__ = ("dtype", "shape", "weak_type")
    shape: tuple[int, ...]
    dtype: np.dtype[Any]
    weak_type: bool

    def __new__(cls, shape: Sequence[int], dtype: Any, weak_type: bool = False) -> ShapedArray:
        try:
            return _INTERNED[(shape, dtype, weak_type)]
        except (KeyError, TypeError):  # TypeError: an unhashable shape such as a list
            pass
        norm_shape = tuple(operator.index(d) for d in shape)
        norm_dtype = np.dtype(dtype)
        if not is_traceable_dtype(norm_dtype):
            raise invalid_value_error(None, norm_dtype, norm_shape)
        key = (norm_shape, norm_dtype, bool(weak_type))
        aval = _INTERNED.get(key)
        if aval is None:
            aval = object.__new__(cls)
            object.__setattr__(aval, "shape", norm_shape)
            object.__setattr__(aval, "dtype", norm_dtype)
            object.__setattr__(aval, "weak_type", bool(weak_type))
            aval = _INTERNED.setdefault(key, aval)  # atomic: one object per key across threads
        with contextlib.suppress(TypeError):
            _INTERNED.setdefault((shape, dtype, weak_type), aval)
        return aval

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ShapedArray is immutable: cannot assign to {name!r}.")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"ShapedArray is immutable: cannot delete {name!r}.")

    def __reduce__(self) -> tuple[Any, ...]:
        return ShapedArray, (self.shape, self.dtype, self.weak_type)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    def str_short(self) -> str:
        return f"{short_dtype_name(self.dtype)}[{','.join(map(str, self.shape))}]"

    def strip_weak_type(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype) if self.weak_type else self

    def update(
        self,
        shape: tuple[int, ...] | None = None,
        dtype: np.dtype[Any] | None = None,
        weak_type: bool | None = None,
    ) -> ShapedArray:
        return ShapedArray(
            self.shape if shape is None else shape,
            self.dtype if dtype is None else dtype,
            self.weak_type if weak_type is None else weak_type,
        )

    def __repr__(self) -> str:
        return self.str_short()


class ShapeDtypeStruct:
    """A shape and a dtype standing for an array that need not exist: what ``eval_shape``
    returns and what ``make_jaxpr`` and ``eval_shape`` accept in place of an array.

    >>> ShapeDtypeStruct((2, 3), np.float32)
    ShapeDtypeStruct(shape=(2, 3), dtype=float32)
    """

    __slots__ = ("dtype", "shape", "weak_type")

    def __init__(self, shape: Sequence[int], dtype: Any, *, weak_type: bool = False) -> None:
        self.shape = tuple(operator.index(d) for d in shape)
        self.dtype = np.dtype(dtype)
        self.weak_type = bool(weak_type)

    @property
    def ndim(self) -> int:
        return self.aval.ndim

    @property
    def size(self) -> int:
        return self.aval.size

    @property
    def aval(self) -> ShapedArray:
        return ShapedArray(self.shape, self.dtype, self.weak_type)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ShapeDtypeStruct):
            return NotImplemented
        return (self.shape, self.dtype, self.weak_type) == (
            other.shape,
            other.dtype,
            other.weak_type,
        )

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.weak_type))

    def __repr__(self) -> str:
        weak = ", weak_type=True" if self.weak_type else ""
        return f"ShapeDtypeStruct(shape={self.shape}, dtype={self.dtype.name}{weak})"


def abstractify(x: Any) -> ShapedArray:
    """The abstract value of a concrete value or of a ``ShapeDtypeStruct``."""
    if isinstance(x, ShapeDtypeStruct):
        return x.aval
    return concrete_aval(x)


# Every aval ever made, by (shape, dtype, weak_type) as given and as normalized. Bounded in
# practice by the distinct shapes a program uses.
_INTERNED: dict[tuple[Any, Any, Any], ShapedArray] = {}


_PY_SCALAR_DTYPES: dict[type, np.dtype[Any]] = {
    bool: np.dtype(np.bool_),
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
}


def is_python_scalar(x: object) -> bool:
    return type(x) in _PY_SCALAR_DTYPES


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def is_traceable_dtype(dtype: np.dtype[Any]) -> bool:
    """True for the dtypes a transformation traces: boolean, integer, floating, complex,
    float0 and ml_dtypes' types (bfloat16); not object, string, bytes, datetime or structured.

    >>> is_traceable_dtype(np.dtype(np.float32)), is_traceable_dtype(np.dtype(object))
    (True, False)
    """
    if dtype.kind in "biufc":
        return True
    return dtype == float0 or is_bfloat16(dtype) or type(dtype.type).__module__ == "ml_dtypes"


def invalid_value_error(value: Any, dtype: Any, shape: tuple[int, ...] | None) -> TypeError:
    """JAX's TypeError for a value that is not an array of a traceable dtype."""
    what = f"of type {type(value)}" if value is not None else "an array"
    if dtype is not None:
        what += f" with dtype {np.dtype(dtype)}"
    if shape is not None:
        what += f" and shape {shape}"
    shown = "" if value is None else f" ({reprlib.repr(value)})"
    return TypeError(
        f"Error interpreting argument to a traced computation as an abstract array. The "
        f"problematic value is {what}{shown}, which is not a valid JAX type: tracegrad, "
        "as JAX, traces arrays of boolean, integer, floating and complex dtypes and Python "
        "bool/int/float/complex only. Convert the value first (e.g. np.asarray(value, "
        "dtype=float)), or, for jit, mark the argument static (static_argnums)."
    )


def int_overflow_error(value: int) -> OverflowError:
    """JAX's OverflowError for a Python int that fits no 64-bit integer dtype."""
    return OverflowError(
        "An overflow was encountered while parsing an argument to a traced computation. "
        f"Got {type(value)} with value {value}, outside the range of int64 "
        f"[{_INT64_MIN}, {_INT64_MAX}]. Pass a float (e.g. float(value)), or compute with "
        "the integer outside the transformed function."
    )


def concrete_aval(x: Any) -> ShapedArray:
    """The abstract value of a concrete (non-traced) value.

    Python ``int``, ``float`` and ``complex`` are weakly typed, as in JAX and NEP 50.
    Values that no transformation can trace raise JAX's errors: arrays of object, string
    or other non-numeric dtypes a ``TypeError``, Python ints beyond int64 an
    ``OverflowError``.

    >>> concrete_aval(np.ones((2, 3), np.float32)), concrete_aval(2.0)
    (f32[2,3], f64[])
    >>> concrete_aval(np.array([1.0], dtype=object))
    Traceback (most recent call last):
    ...
    TypeError: Error interpreting argument to a traced computation as an abstract array. ...
    """
    t = type(x)
    if t is np.ndarray or isinstance(x, np.generic):
        aval = _INTERNED.get((x.shape, x.dtype, False))  # only traceable dtypes are interned
        return _array_aval(x) if aval is None else aval
    dtype = _PY_SCALAR_DTYPES.get(t)
    if dtype is not None:
        if t is int and not _INT64_MIN <= x <= _INT64_MAX:
            raise int_overflow_error(x)
        return ShapedArray((), dtype, t is not bool)
    if isinstance(x, np.ndarray):
        return _array_aval(x)
    for base, dtype in _PY_SCALAR_DTYPES.items():
        if isinstance(x, base):  # subclasses such as IntEnum
            if isinstance(x, int) and not _INT64_MIN <= x <= _INT64_MAX:
                raise int_overflow_error(x)
            return ShapedArray((), dtype, base is not bool)
    from tracegrad.core.trace import foreign_evaluator, is_foreign  # trace imports aval

    if is_foreign(x):  # an array of another array-API library (Dask, CuPy, ...)
        foreign: ShapedArray = foreign_evaluator().value_aval(x)
        return foreign
    raise TypeError(
        f"Argument {reprlib.repr(x)} of type {t} is not a valid JAX type: tracegrad, as JAX, "
        "expected a NumPy array, a NumPy scalar or a Python bool/int/float/complex."
    )


def _array_aval(x: Any) -> ShapedArray:
    if not is_traceable_dtype(x.dtype):
        raise invalid_value_error(x, x.dtype, x.shape)
    return ShapedArray(x.shape, x.dtype)
