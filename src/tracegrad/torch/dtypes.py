"""PyTorch's dtypes for the Tensor shim: the dtype objects, the default dtype, and PyTorch's
type promotion (which differs from NumPy's: ``int64 + float32 -> float32``, and Python
scalars and 0-d tensors count only through their category)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import dtypes as core_dtypes

# Categories, in PyTorch's order: a value of a higher category wins over any of a lower one.
BOOL, INT, FLOAT, COMPLEX = 0, 1, 2, 3


class dtype:
    """A PyTorch dtype, backed by a NumPy dtype.

    ``np_dtype`` may be a function that loads the NumPy dtype from an optional package: it
    is called on the first read of ``.np`` (bfloat16 and ``ml_dtypes``), so the dtype object
    exists, prints and compares without the package, and using it raises the loader's error.

    >>> float32, float32.is_floating_point, float32.itemsize
    (torch.float32, True, 4)
    """

    __slots__ = (
        "_load_np",
        "category",
        "is_complex",
        "is_floating_point",
        "is_signed",
        "itemsize",
        "name",
        "np",
    )

    np: np.dtype[Any]

    def __init__(self, name: str, np_dtype: Any, category: int, itemsize: int = 0) -> None:
        self.name = name
        self.category = category
        self.is_floating_point = category == FLOAT
        self.is_complex = category == COMPLEX
        self.is_signed = name not in ("bool", "uint8")
        if callable(np_dtype) and not isinstance(np_dtype, type):
            self._load_np: Callable[[], np.dtype[Any]] | None = np_dtype
            self.itemsize = itemsize
        else:
            self._load_np = None
            self.np = np.dtype(np_dtype)
            self.itemsize = self.np.itemsize

    def __getattr__(self, attr: str) -> Any:
        # Reached only while ``np`` is unset: load it from the optional package.
        if attr == "np" and self._load_np is not None:
            self.np = self._load_np()
            return self.np
        raise AttributeError(f"'torch.dtype' object has no attribute {attr!r}")

    def to_real(self) -> dtype:
        """The real dtype of the same precision (complex64 -> float32)."""
        return {"complex64": float32, "complex128": float64}.get(self.name, self)

    def to_complex(self) -> dtype:
        """The complex dtype of the same precision (float64 -> complex128)."""
        return complex128 if self.name in ("float64", "complex128") else complex64

    def __repr__(self) -> str:
        return f"torch.{self.name}"


float16 = dtype("float16", np.float16, FLOAT)
bfloat16 = dtype("bfloat16", core_dtypes.bfloat16, FLOAT, itemsize=2)
float32 = dtype("float32", np.float32, FLOAT)
float64 = dtype("float64", np.float64, FLOAT)
complex64 = dtype("complex64", np.complex64, COMPLEX)
complex128 = dtype("complex128", np.complex128, COMPLEX)
uint8 = dtype("uint8", np.uint8, INT)
int8 = dtype("int8", np.int8, INT)
int16 = dtype("int16", np.int16, INT)
int32 = dtype("int32", np.int32, INT)
int64 = dtype("int64", np.int64, INT)
bool_ = dtype("bool", np.bool_, BOOL)

ALL_DTYPES = (
    float16, bfloat16, float32, float64, complex64, complex128,
    uint8, int8, int16, int32, int64, bool_,
)  # fmt: skip

# bfloat16 is found by name, so that looking up a dtype never imports ml_dtypes.
_FROM_NUMPY: dict[np.dtype[Any], dtype] = {d.np: d for d in ALL_DTYPES if d is not bfloat16}


def from_numpy_dtype(np_dtype: Any) -> dtype:
    """The PyTorch dtype of a NumPy dtype; NumPy dtypes PyTorch lacks raise TypeError.

    >>> from_numpy_dtype(np.dtype(np.int32))
    torch.int32
    """
    d = _FROM_NUMPY.get(np_dtype) or _FROM_NUMPY.get(np.dtype(np_dtype))
    if d is None:
        if core_dtypes.is_bfloat16(np.dtype(np_dtype)):
            return bfloat16
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only "
            "supported types are: float64, float32, float16, complex64, complex128, int64, "
            "int32, int16, int8, uint8, and bool."
        )
    return d


def as_dtype(d: Any) -> dtype:
    """A PyTorch dtype from a PyTorch dtype, a NumPy dtype or a Python type.

    >>> as_dtype(float), as_dtype(np.int32)
    (torch.float32, torch.int32)
    """
    if isinstance(d, dtype):
        return d
    if d is float:
        return get_default_dtype()
    if d is int:
        return int64
    if d is bool:
        return bool_
    if d is complex:
        return get_default_complex_dtype()
    try:
        return from_numpy_dtype(d)
    except TypeError as e:
        raise TypeError(f"expected a torch dtype, got {d!r}") from e


# ---- the default dtype ----------------------------------------------------------------------


class _Defaults(threading.local):
    # PyTorch's default dtype is process-wide; ours is per thread, like grad mode, so that
    # threads running tracegrad.torch code cannot change each other's results.
    float_dtype: dtype = float32


_defaults = _Defaults()


def get_default_dtype() -> dtype:
    """The dtype of tensors made from Python floats (float32 unless changed).

    >>> get_default_dtype()
    torch.float32
    """
    return _defaults.float_dtype


def set_default_dtype(d: dtype) -> None:
    """Set the dtype of tensors made from Python floats: float32 or float64 (or float16).

    >>> set_default_dtype(float64); get_default_dtype()
    torch.float64
    >>> set_default_dtype(float32)
    """
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _defaults.float_dtype = d


def get_default_complex_dtype() -> dtype:
    """The complex dtype matching the default float dtype.

    >>> get_default_complex_dtype()
    torch.complex64
    """
    return complex128 if _defaults.float_dtype is float64 else complex64


# ---- promotion ------------------------------------------------------------------------------


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's ``promote_types``: the smallest dtype both ``a`` and ``b`` convert to.

    >>> promote_types(int64, float16), promote_types(complex64, float64)
    (torch.float16, torch.complex128)
    """
    if a is b:
        return a
    if a.category == b.category:
        if {a.name, b.name} == {"bfloat16", "float16"}:
            return float32
        if a is bfloat16 or b is bfloat16:
            other = b if a is bfloat16 else a
            return bfloat16 if other is float16 else other
        return from_numpy_dtype(np.promote_types(a.np, b.np))
    hi, lo = (a, b) if a.category > b.category else (b, a)
    if hi.category == COMPLEX and lo.category == FLOAT and lo is float64:
        return complex128
    return hi


def _combine(higher: dtype | None, lower: dtype | None) -> dtype | None:
    """Combine the result of a higher-priority group of operands with a lower one: the lower
    group matters only where its category is above the higher group's."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.category == COMPLEX:
        return higher
    if lower.category == COMPLEX:
        return higher.to_complex() if higher.category == FLOAT else lower
    if higher.category == FLOAT:
        return higher
    if higher is bool_ or lower.category == FLOAT:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(x: Any) -> dtype:
    """The dtype a Python (or NumPy) scalar takes in an operation with tensors.

    >>> scalar_dtype(2.5), scalar_dtype(3), scalar_dtype(True)
    (torch.float32, torch.int64, torch.bool)
    """
    if isinstance(x, bool | np.bool_):
        return bool_
    if isinstance(x, int | np.integer):
        return int64
    if isinstance(x, float | np.floating):
        return get_default_dtype()
    if isinstance(x, complex | np.complexfloating):
        return get_default_complex_dtype()
    raise TypeError(f"expected a number, got {type(x).__name__}")


def result_type(operands: list[tuple[dtype, int]]) -> dtype:
    """PyTorch's result dtype of an operation on ``(dtype, rank)`` operands, where the rank
    is 2 for a tensor with dimensions, 1 for a 0-d tensor and 0 for a Python scalar.

    Tensors with dimensions decide within a category; 0-d tensors and then scalars count
    only when their category is higher.

    >>> result_type([(float32, 2), (float64, 1)]), result_type([(int64, 2), (float32, 0)])
    (torch.float32, torch.float32)
    """
    groups: list[dtype | None] = [None, None, None]
    for d, rank in operands:
        g = groups[rank]
        groups[rank] = d if g is None else promote_types(g, d)
    out = _combine(groups[2], _combine(groups[1], groups[0]))
    assert out is not None  # at least one operand
    return out


_SCALAR_NAMES = {
    "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble", "uint8": "Byte",
    "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
}  # fmt: skip


_CPP_NAMES = {
    "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
    "float64": "double", "complex64": "c10::complex<float>",
    "complex128": "c10::complex<double>", "uint8": "unsigned char", "int8": "signed char",
    "int16": "short int", "int32": "int", "int64": "long int", "bool": "bool",
}  # fmt: skip


def cpp_name(d: dtype) -> str:
    """The C++ type of a dtype, as some PyTorch error messages print it (``long int``).

    >>> cpp_name(int64)
    'long int'
    """
    return _CPP_NAMES[d.name]


def scalar_name(d: dtype) -> str:
    """PyTorch's C++ name of a dtype, as its error messages print it (``Float``, ``Long``).

    >>> scalar_name(float32)
    'Float'
    """
    return _SCALAR_NAMES[d.name]


def legacy_type_name(d: dtype) -> str:
    """PyTorch's legacy tensor-type name of a dtype, as some error messages print it.

    >>> legacy_type_name(float32), legacy_type_name(complex64)
    ('torch.FloatTensor', 'CPUComplexFloatType')
    """
    name = _SCALAR_NAMES[d.name]
    if name in ("BFloat16", "ComplexFloat", "ComplexDouble", "Bool"):
        return f"CPU{name}Type"  # types without a legacy ``torch.*Tensor`` class
    return f"torch.{name}Tensor"


def can_cast(src: dtype, dst: dtype) -> bool:
    """Whether an in-place result of dtype ``src`` may be written into a ``dst`` tensor:
    not to a lower category (PyTorch's ``canCast``).

    >>> can_cast(float32, int64), can_cast(int64, float32)
    (False, True)
    """
    return src.category <= dst.category
