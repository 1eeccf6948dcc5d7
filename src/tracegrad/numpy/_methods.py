"""The one table that installs NumPy operators and array methods on ``Tracer``."""

from __future__ import annotations

from typing import Any

from tracegrad.core import Tracer
from tracegrad.numpy import _reductions as red
from tracegrad.numpy import _ufuncs as uf


def _swap(f: Any) -> Any:
    return lambda self, other: f(other, self)


_OPERATORS: dict[str, Any] = {
    "__add__": uf.add, "__radd__": _swap(uf.add),
    "__sub__": uf.subtract, "__rsub__": _swap(uf.subtract),
    "__mul__": uf.multiply, "__rmul__": _swap(uf.multiply),
    "__truediv__": uf.divide, "__rtruediv__": _swap(uf.divide),
    "__neg__": uf.negative,
}  # fmt: skip

_METHODS: dict[str, Any] = {
    "sum": red.sum,
}


def install() -> None:
    for name, fn in {**_OPERATORS, **_METHODS}.items():
        setattr(Tracer, name, fn)
