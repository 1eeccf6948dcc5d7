"""dtype rules: NumPy 2 promotion with weakly typed Python scalars (NEP 50), and float0."""

from __future__ import annotations

from typing import Any

import numpy as np

from tracegrad.core.errors import MissingExtraError

_bfloat16: list[np.dtype[Any]] = []  # filled on first request: ml_dtypes is optional and slow


def bfloat16() -> np.dtype[Any]:
    """The bfloat16 dtype, from the optional package ``ml_dtypes`` (imported on first use).

    Without ``ml_dtypes`` this raises :class:`MissingExtraError`, an ``ImportError`` that
    names the package and the extra that brings it: no other dtype ever stands in for it.

    >>> try:
    ...     name = bfloat16().name
    ... except ImportError as e:  # ml_dtypes is not installed: the error says what to do
    ...     name = "bfloat16" if "pip install 'tracegrad[bfloat16]'" in str(e) else str(e)
    >>> name
    'bfloat16'
    """
    if not _bfloat16:
        try:
            import ml_dtypes
        except ImportError as e:
            raise MissingExtraError(
                "bfloat16 needs the optional package 'ml_dtypes', which is not installed. "
                "Install it with: pip install 'tracegrad[bfloat16]'"
            ) from e
        _bfloat16.append(np.dtype(ml_dtypes.bfloat16))
    return _bfloat16[0]


def is_bfloat16(dtype: np.dtype[Any]) -> bool:
    """True for ml_dtypes' bfloat16, without importing ml_dtypes (a bfloat16 array exists
    only once it has been imported).

    >>> is_bfloat16(np.dtype(np.float32))
    False
    """
    return dtype.kind == "V" and dtype.name == "bfloat16"


def loaded_bfloat16_for(error: TypeError) -> bool:
    """Whether ``error`` is NumPy not knowing the name ``'bfloat16'`` and loading ml_dtypes
    (which teaches NumPy the name) has just made a retry worth it; raises
    :class:`MissingExtraError` if ml_dtypes is not installed.

    >>> loaded_bfloat16_for(TypeError("data type 'float128' not understood"))
    False
    """
    if _bfloat16 or "'bfloat16'" not in str(error):
        return False
    bfloat16()
    return True


def canonical_dtype(dtype: Any) -> np.dtype[Any]:
    """``np.dtype(dtype)``, where the name ``'bfloat16'`` also works before ``ml_dtypes``
    is imported (and raises :class:`MissingExtraError` when it is not installed).

    >>> canonical_dtype("float32"), canonical_dtype(float)
    (dtype('float32'), dtype('float64'))
    """
    try:
        out: np.dtype[Any] = np.dtype(dtype)
    except TypeError:
        if isinstance(dtype, str) and dtype == "bfloat16":
            return bfloat16()
        raise
    return out


float0 = np.dtype([("float0", np.void, 0)])
"""The dtype of tangents of integer and boolean values, as in JAX."""

_WEAK_REPRESENTATIVE: dict[str, bool | int | float | complex] = {
    "b": False,
    "i": 0,
    "u": 0,
    "f": 0.0,
    "c": 0j,
}


def is_float(dtype: np.dtype[Any]) -> bool:
    """True for real floating dtypes, bfloat16 included."""
    return dtype.kind == "f" or is_bfloat16(dtype)


def is_inexact(dtype: np.dtype[Any]) -> bool:
    """True for dtypes that can be differentiated: real floating and complex."""
    return dtype.kind in "fc" or is_bfloat16(dtype)


def is_complex(dtype: np.dtype[Any]) -> bool:
    return dtype.kind == "c"


def result_type(*items: tuple[np.dtype[Any], bool]) -> np.dtype[Any]:
    """Promote ``(dtype, weak_type)`` pairs as NumPy 2 promotes arrays and Python scalars.

    >>> result_type((np.dtype('float32'), False), (np.dtype('float64'), True))
    dtype('float32')
    """
    strong = [d for d, weak in items if not weak]
    weak = [_WEAK_REPRESENTATIVE.get(d.kind, 0.0) for d, w in items if w]
    if not strong:
        return np.result_type(*[d for d, _ in items])
    return np.result_type(*strong, *weak)


def real_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The real counterpart of a complex dtype; other dtypes unchanged."""
    if dtype.kind == "c":
        return np.dtype(np.float32) if dtype == np.complex64 else np.dtype(np.float64)
    return dtype


def tangent_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype of a tangent (or cotangent) of a value of ``dtype``."""
    return dtype if is_inexact(dtype) else float0
