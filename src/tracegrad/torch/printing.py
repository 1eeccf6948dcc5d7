"""``repr`` of tensors in PyTorch's layout: ``tensor([[ 4.,  8., 12.], ...])`` with the
``dtype=``, ``requires_grad=True`` and ``grad_fn=<MulBackward0>`` suffixes.

Numbers are formatted as PyTorch formats them (precision 4): float tensors whose values are
all integers print as ``4.``, others in fixed point, or in scientific notation when the
largest and smallest magnitudes are far apart; every element is padded to one width; lines
wrap at 80 columns; tensors of more than 1000 elements are summarized with ``...``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tracegrad.torch import dtypes

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


def _summarized(v: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The elements a summarized print shows (the first and last EDGEITEMS of each axis)."""
    if v.ndim == 0:
        return v
    if v.shape[0] > 2 * EDGEITEMS:
        v = np.concatenate([v[:EDGEITEMS], v[-EDGEITEMS:]])
    if v.ndim == 1:
        return v
    return np.stack([_summarized(row) for row in v]) if len(v) else v


class _Formatter:
    """Chooses one format for all elements of a (real or integer) array, as PyTorch does."""

    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self.floating = values.dtype.kind == "f" or values.dtype.kind == "V"
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            for x in flat.tolist():
                self.width = max(self.width, len(str(x)))
            return
        as_float = flat.astype(np.float64)
        finite = as_float[np.isfinite(as_float) & (as_float != 0)]
        if finite.size == 0:
            return
        magnitudes = np.abs(finite)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        for x in finite.tolist():
            if self.sci_mode:
                s = f"{x:.{PRECISION}e}"
            elif self.int_mode:
                s = f"{x:.0f}."
            else:
                s = f"{x:.{PRECISION}f}"
            self.width = max(self.width, len(s))

    def format(self, x: Any) -> str:
        if self.floating:
            if self.sci_mode:
                s = f"{x:.{PRECISION}e}"
            elif self.int_mode:
                s = f"{x:.0f}"
                if not (math.isinf(x) or math.isnan(x)):
                    s += "."
            else:
                s = f"{x:.{PRECISION}f}"
        else:
            s = str(x)
        return s.rjust(self.width)


class _ComplexFormatter:
    def __init__(self, values: np.ndarray[Any, Any]) -> None:
        self.real = _Formatter(values.real)
        self.imag = _Formatter(values.imag)
        self.width = self.real.width + self.imag.width + 1

    def format(self, x: Any) -> str:
        re = self.real.format(x.real)
        im = (self.imag.format(x.imag) + "j").lstrip()
        return re + im if im[0] in "+-" else re + "+" + im


Formatter = _Formatter | _ComplexFormatter


def _python_values(v: np.ndarray[Any, Any]) -> list[Any]:
    if v.dtype.kind == "V":  # bfloat16
        v = v.astype(np.float32)
    out: list[Any] = v.tolist()
    return out


def _vector(v: np.ndarray[Any, Any], indent: int, summarize: bool, fmt: Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and v.shape[0] > 2 * EDGEITEMS:
        items = [fmt.format(x) for x in _python_values(v[:EDGEITEMS])]
        items += [" ..."]
        items += [fmt.format(x) for x in _python_values(v[-EDGEITEMS:])]
    else:
        items = [fmt.format(x) for x in _python_values(v)]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(v: np.ndarray[Any, Any], indent: int, summarize: bool, fmt: Formatter) -> str:
    if v.ndim == 0:
        return fmt.format(_python_values(v))
    if v.ndim == 1:
        return _vector(v, indent, summarize, fmt)
    rows: list[str]
    if summarize and v.shape[0] > 2 * EDGEITEMS:
        rows = [_nested(v[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
        rows.append("...")
        rows += [_nested(v[i], indent + 1, summarize, fmt) for i in range(-EDGEITEMS, 0)]
    else:
        rows = [_nested(row, indent + 1, summarize, fmt) for row in v]
    return "[" + ("," + "\n" * (v.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def array_str(v: np.ndarray[Any, Any], indent: int) -> str:
    """The bracketed contents of a tensor, as PyTorch prints them at column ``indent``."""
    if v.size == 0:
        return "[]"
    summarize = v.size > THRESHOLD
    shown = _summarized(v) if summarize else v
    fmt: Formatter = _ComplexFormatter(shown) if v.dtype.kind == "c" else _Formatter(shown)
    return _nested(v, indent, summarize, fmt)


def tensor_repr(t: Any) -> str:
    """``repr(t)`` for a Tensor ``t``, as PyTorch writes it."""
    value: np.ndarray[Any, Any] = t._value
    prefix = "tensor("
    indent = len(prefix)
    dtype = dtypes.from_numpy_dtype(value.dtype)
    suffixes = []
    default = (
        dtypes.get_default_dtype(),
        dtypes.get_default_complex_dtype(),
        dtypes.int64,
        dtypes.bool_,
    )
    if value.size == 0:
        if value.ndim != 1:
            suffixes.append(f"size={tuple(value.shape)!r}")
        if dtype is not dtypes.get_default_dtype():
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if dtype not in default:
            suffixes.append(f"dtype={dtype!r}")
        body = array_str(value, indent)
    grad_fn = t.grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{type(grad_fn).__name__}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    return "".join(parts) + ")"
