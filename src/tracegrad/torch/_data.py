"""Nested Python data as arrays, refused where PyTorch refuses it, with its classes and
messages (``torch.tensor(data)``, ``torch.Tensor(data)``), and type names as PyTorch's
messages print them. PyTorch reads data in three passes, and the first to fail names the
error: the shape (following first elements), then the dtype (every element, unless
``dtype`` is given), then each element as it is stored."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

_MAX_DIMS = 64
_NUMBERS = (bool, int, float, complex, np.number, np.bool_)
_KINDS = "bifc"  # the order of promotion among inferred kinds
_WIDEST = {"b": np.bool_, "i": np.int64, "f": np.float64, "c": np.complex128}
# Dtypes NumPy and PyTorch convert Python numbers to through a double (2**60 + 2**36 + 1
# becomes 2**60 as float32, where int64 -> float32 would round it up).
_VIA_DOUBLE = frozenset([np.dtype(np.float32), np.dtype(np.float64)])
_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class defined in Python


def type_name(x: Any) -> str:
    """The name of ``x``'s type as CPython's ``tp_name`` gives it, which PyTorch's messages
    print: the bare name for builtins and Python classes, the dotted name for other C types.

    >>> import fractions
    >>> type_name(None), type_name(np.str_("a")), type_name(fractions.Fraction(1))
    ('NoneType', 'numpy.str_', 'Fraction')
    """
    t = type(x)
    if t.__flags__ & _HEAP_TYPE or t.__module__ == "builtins":
        return t.__name__
    return f"{t.__module__}.{t.__qualname__}"


def nested_array(data: Any, dtype: np.dtype[Any] | None) -> np.ndarray[Any, Any]:
    """``data`` (numbers nested in sequences) as a new array of ``dtype``; without ``dtype``,
    of the widest NumPy dtype of the kind PyTorch infers (the caller picks the torch dtype).

    >>> nested_array([1, 2.5], None), nested_array([[1], [2]], np.dtype(np.float32)).shape
    (array([1. , 2.5]), (2, 1))
    >>> nested_array([[1], [2, 3]], None)
    Traceback (most recent call last):
    ValueError: expected sequence of length 1 at dim 1 (got 2)
    """
    try:
        value = np.array(data)
    except ValueError:
        value = None
    # NumPy makes uint64 of ints beyond int64, where PyTorch raises.
    if value is None or value.dtype.kind not in "biufc" or value.dtype == np.uint64:
        kind = check_data(data, dtype)
        try:
            value = np.array(data, dtype=_WIDEST.get(kind, np.float64))
        except ValueError as e:
            raise ValueError(f"expected a rectangular nested sequence of numbers: {e}") from None
    if dtype is None or value.dtype == dtype:
        return value
    if dtype in _VIA_DOUBLE and value.dtype.kind in "bif":
        # Converting the data again would round each number to a double, then to dtype:
        # so does this, without a second pass over the Python objects.
        return value.astype(np.float64, copy=False).astype(dtype)
    return np.array(data, dtype=dtype)


def check_data(data: Any, dtype: np.dtype[Any] | None) -> str:
    """Raise PyTorch's error for ``data`` that is not a rectangular nesting of numbers;
    return the kind of dtype PyTorch gives it (``dtype``'s, when given).

    >>> check_data([1.0, None], None)
    Traceback (most recent call last):
    RuntimeError: Could not infer dtype of NoneType
    >>> check_data([[1], [2, 3]], None)
    Traceback (most recent call last):
    ValueError: expected sequence of length 1 at dim 1 (got 2)
    """
    if isinstance(data, str | bytes):
        raise TypeError(f"new(): invalid data type '{type_name(data)}'")
    sizes = _sizes(data)
    kind = _infer_kind(data) if dtype is None else dtype.kind
    _check_store(data, sizes, 0, kind)
    return kind


def _is_sequence(x: Any) -> bool:
    return isinstance(x, Sequence)


def _sizes(data: Any) -> list[int]:
    """The shape read along first elements; a non-empty string nests without end."""
    sizes: list[int] = []
    seq = data
    while _is_sequence(seq):
        sizes.append(len(seq))
        if len(sizes) > _MAX_DIMS:
            raise ValueError(f"too many dimensions '{type_name(seq)}'")
        if not seq:
            break
        seq = seq[0]
    return sizes


def _infer_kind(x: Any) -> str:
    """The kind (b, i, f, c) of the dtype PyTorch infers for ``x``."""
    if isinstance(x, str | bytes):
        raise TypeError(f"new(): invalid data type '{type_name(x)}'")
    if isinstance(x, bool | np.bool_):
        return "b"
    if isinstance(x, int | np.integer):
        return "i"
    if isinstance(x, float | np.floating):
        return "f"
    if isinstance(x, complex | np.complexfloating):
        return "c"
    if _is_sequence(x):
        kinds = [_infer_kind(item) for item in x]
        return max(kinds, key=_KINDS.index) if kinds else "f"
    raise RuntimeError(f"Could not infer dtype of {type_name(x)}")


def _check_store(x: Any, sizes: list[int], dim: int, kind: str) -> None:
    if dim == len(sizes):
        _check_scalar(x, kind)
        return
    if not _is_sequence(x):
        raise TypeError("not a sequence")
    if len(x) != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
    for item in x:
        _check_store(item, sizes, dim + 1, kind)


def _check_scalar(x: Any, kind: str) -> None:
    if kind in "biu":
        if not isinstance(x, _NUMBERS):
            raise TypeError(f"'{type_name(x)}' object cannot be interpreted as an integer")
        if kind != "b" and isinstance(x, int) and not -(2**63) <= x < 2**63:
            raise ValueError("Overflow when unpacking long long")
    elif not isinstance(x, _NUMBERS):
        raise TypeError(f"must be real number, not {type_name(x)}")
