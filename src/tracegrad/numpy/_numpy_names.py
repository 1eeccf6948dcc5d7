"""NumPy's own objects under ``tracegrad.numpy``, where tracegrad adds nothing: scalar type
names, warnings, printing options, file and buffer input and output, and dtype and shape
queries. They act on NumPy arrays (a traced value has no buffer to save or print)."""

from __future__ import annotations

from typing import Any

import numpy as np

ComplexWarning = np.exceptions.ComplexWarning
character = np.character
flexible = np.flexible
object_ = np.object_
complex_ = np.complex128  # NumPy 1's alias, kept by JAX
float_ = np.float64  # NumPy 1's alias, kept by JAX
ufunc = np.ufunc
printoptions = np.printoptions
get_printoptions = np.get_printoptions
set_printoptions = np.set_printoptions
array_repr = np.array_repr
array_str = np.array_str
load = np.load
save = np.save
savez = np.savez
fromfile = np.fromfile
fromiter = np.fromiter
fromstring = np.fromstring
frombuffer = np.frombuffer
from_dlpack = np.from_dlpack
einsum_path = np.einsum_path
broadcast_shapes = np.broadcast_shapes

_KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def _isdtype(dtype: Any, kind: Any) -> bool:
    """The array API's ``isdtype`` where NumPy (before 2.0) lacks it.

    >>> _isdtype(np.dtype(np.int8), ("bool", "integral"))
    True
    """
    if isinstance(kind, tuple):
        return any(_isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        return np.dtype(dtype).kind in _KINDS[kind]
    return bool(np.dtype(dtype) == np.dtype(kind))


isdtype: Any = getattr(np, "isdtype", _isdtype)
iterable = np.iterable
