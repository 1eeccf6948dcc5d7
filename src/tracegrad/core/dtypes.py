"""dtype rules: NumPy 2 promotion with weakly typed Python scalars (NEP 50), and float0."""

from __future__ import annotations

from typing import Any

import numpy as np

try:  # optional: bfloat16 comes from ml_dtypes when installed
    import ml_dtypes

    bfloat16: Any = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - depends on the environment
    bfloat16 = None

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
    return dtype.kind == "f" or (bfloat16 is not None and dtype == bfloat16)


def is_inexact(dtype: np.dtype[Any]) -> bool:
    """True for dtypes that can be differentiated: real floating and complex."""
    return dtype.kind in "fc" or (bfloat16 is not None and dtype == bfloat16)


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
