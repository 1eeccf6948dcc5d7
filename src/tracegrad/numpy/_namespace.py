"""NumPy's constants, scalar types and dtype helpers under ``tracegrad.numpy``, with
``ndarray`` as the type of arrays and tracers alike and shape queries that accept tracers."""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.dtypes import issubdtype as _issubdtype
from tracegrad.numpy._arraylike import operand
from tracegrad.numpy.frontend import cast, contains_tracer

pi = np.pi
e = np.e
inf = np.inf
nan = np.nan
newaxis = None
euler_gamma = np.euler_gamma

dtype = np.dtype
finfo = np.finfo
iinfo = np.iinfo
issubdtype = _issubdtype  # typed keys' dtype too
promote_types = np.promote_types

# The abstract scalar types and the inexact scalar types are NumPy's own objects, so that
# ``x.dtype.type is tnp.float32`` holds as it does with NumPy.
generic = np.generic
number = np.number
integer = np.integer
signedinteger = np.signedinteger
unsignedinteger = np.unsignedinteger
inexact = np.inexact
floating = np.floating
complexfloating = np.complexfloating
bool_ = np.bool_
bool = np.bool_  # NumPy 2's name for its boolean scalar type
float16 = half = np.float16
float32 = single = np.float32
float64 = double = np.float64
longdouble = np.longdouble
complex64 = csingle = np.complex64
complex128 = cdouble = np.complex128


class _CastingIntMeta(type):
    """Instances of the NumPy integer type count as instances of its casting subclass."""

    def __instancecheck__(cls, obj: Any) -> builtins.bool:
        return isinstance(obj, cls.__mro__[1])


def _casting_int(np_type: type[np.integer[Any]]) -> Any:
    """NumPy's integer type whose constructor also casts traced values, as ``jnp.int32(x)``
    does; ``np.dtype`` of it is the NumPy dtype, so it serves as a ``dtype=`` argument."""

    def __new__(cls: Any, *args: Any, **kwargs: Any) -> Any:
        if args and contains_tracer(args[0]):
            return cast(operand(args[0]), np.dtype(np_type))
        return np_type(*args, **kwargs)

    doc = f"NumPy's ``{np_type.__name__}``; calling it on a traced value casts it."
    return _CastingIntMeta(np_type.__name__, (np_type,), {"__new__": __new__, "__doc__": doc})


int8 = _casting_int(np.int8)
int16 = _casting_int(np.int16)
int32 = _casting_int(np.int32)
int64 = _casting_int(np.int64)
intp = int_ = _casting_int(np.intp)
uint8 = _casting_int(np.uint8)
uint16 = _casting_int(np.uint16)
uint32 = _casting_int(np.uint32)
uint64 = _casting_int(np.uint64)
uintp = uint = _casting_int(np.uintp)


class _ArrayMeta(type):
    def __instancecheck__(cls, obj: Any) -> builtins.bool:
        return isinstance(obj, np.ndarray | Tracer)

    def __subclasscheck__(cls, sub: Any) -> builtins.bool:
        return issubclass(sub, np.ndarray | Tracer)


class ndarray(metaclass=_ArrayMeta):
    """The type of arrays in ``tracegrad.numpy``: ``isinstance(x, tnp.ndarray)`` holds for
    NumPy arrays and for traced values alike (as ``jax.Array`` does in JAX).

    >>> import tracegrad as tg
    >>> seen = []
    >>> _ = tg.grad(lambda x: seen.append(isinstance(x, ndarray)) or x)(1.0)
    >>> isinstance(np.zeros(2), ndarray), seen
    (True, [True])
    """


def _aval_or_array(x: Any) -> Any:
    return get_aval(x) if isinstance(x, Tracer) else np.asarray(x)


def shape(a: Any) -> tuple[int, ...]:
    """The shape of an array, a traced value or an array-like.

    >>> shape([[1, 2, 3]])
    (1, 3)
    """
    if contains_tracer(a):
        return tuple(get_aval(operand(a)).shape)
    return np.shape(a)


def ndim(a: Any) -> int:
    """The number of dimensions of an array, a traced value or an array-like.

    >>> ndim(np.zeros((2, 3)))
    2
    """
    return len(shape(a))


def size(a: Any, axis: int | None = None) -> int:
    """The number of elements (along ``axis`` if given).

    >>> size(np.zeros((2, 3))), size(np.zeros((2, 3)), 1)
    (6, 3)
    """
    s = shape(a)
    if axis is None:
        return int(np.prod(s, dtype=np.int64))
    return s[axis]


def result_type(*arrays_and_dtypes: Any) -> np.dtype[Any]:
    """The dtype NumPy's promotion gives these operands (traced values by their dtype).

    >>> result_type(np.float32, 1.0)
    dtype('float32')
    """
    return np.result_type(*(get_aval(a).dtype if isinstance(a, Tracer) else a
                            for a in arrays_and_dtypes))  # fmt: skip


def can_cast(from_: Any, to: Any, casting: str = "safe") -> builtins.bool:
    """Whether a cast between dtypes (of a traced value, by its dtype) follows ``casting``.

    >>> can_cast(np.float64, np.float32), can_cast(np.float32, np.float64)
    (False, True)
    """
    if isinstance(from_, Tracer):
        from_ = get_aval(from_).dtype
    return builtins.bool(np.can_cast(from_, to, casting=casting))  # type: ignore[arg-type]


def iscomplexobj(x: Any) -> builtins.bool:
    """Whether ``x`` has a complex dtype (whatever its values).

    >>> iscomplexobj(np.array([1.0 + 0j])), iscomplexobj(1.0)
    (True, False)
    """
    if contains_tracer(x):
        return get_aval(operand(x)).dtype.kind == "c"
    return builtins.bool(np.iscomplexobj(x))


def isrealobj(x: Any) -> builtins.bool:
    """Whether ``x`` does not have a complex dtype.

    >>> isrealobj(np.array([1.0])), isrealobj(1j)
    (True, False)
    """
    return not iscomplexobj(x)


def isscalar(element: Any) -> builtins.bool:
    """As ``numpy.isscalar``: true for Python and NumPy scalars, false for arrays and traced
    values (a traced 0-d value is an array, as in JAX).

    >>> isscalar(1.0), isscalar(np.array(1.0))
    (True, False)
    """
    return False if isinstance(element, Tracer) else builtins.bool(np.isscalar(element))


def copy(a: Any, order: str = "K", subok: builtins.bool = False) -> Any:
    """A copy of an array; a traced value is immutable, so it is its own copy.

    >>> copy([1, 2])
    array([1, 2])
    """
    if contains_tracer(a):
        return operand(a)
    return np.copy(a, order=order, subok=subok)  # type: ignore[call-overload]
