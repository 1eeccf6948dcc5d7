"""``torch.finfo`` and ``torch.iinfo``: the numerical limits of a dtype, as Python numbers,
printed as PyTorch prints them (C's ``%g``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tracegrad.torch import dtypes


def _numpy_finfo(np_dtype: np.dtype[Any]) -> Any:
    try:
        return np.finfo(np_dtype)
    except ValueError:  # bfloat16: ml_dtypes, which the dtype itself came from
        import ml_dtypes

        return ml_dtypes.finfo(np_dtype)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class finfo:
    """The limits of a floating (or, through its real part, complex) dtype; the default
    dtype without an argument.

    >>> import tracegrad.torch as torch
    >>> print(torch.finfo(torch.float16))  # doctest: +NORMALIZE_WHITESPACE
    finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562,
          smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)
    >>> torch.finfo().eps
    1.1920928955078125e-07
    """

    bits: int
    eps: float
    max: float
    min: float
    tiny: float
    smallest_normal: float
    resolution: float
    dtype: str

    def __init__(self, type: dtypes.dtype | None = None) -> None:
        d = dtypes.get_default_dtype() if type is None else type
        if not (d.is_floating_point or d.is_complex):
            raise TypeError(
                "torch.finfo() requires a floating point input type. Use torch.iinfo to "
                "handle 'torch.finfo'"
            )
        real = d.to_real()
        info = _numpy_finfo(real.np)
        fields = {
            "bits": int(info.bits),
            "eps": float(info.eps),
            "max": float(info.max),
            "min": float(info.min),
            "tiny": float(info.tiny),
            "smallest_normal": float(info.smallest_normal),
            "resolution": 10.0 ** -int(info.precision),  # PyTorch: 10^-digits, in double
            "dtype": real.name,
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
            f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
            f"tiny={self.tiny:g}, dtype={self.dtype})"
        )


@dataclass(frozen=True)
class iinfo:
    """The limits of an integer dtype.

    >>> import tracegrad.torch as torch
    >>> torch.iinfo(torch.int32).max, torch.iinfo(torch.uint8)
    (2147483647, iinfo(min=0, max=255, dtype=uint8))
    """

    bits: int
    max: int
    min: int
    dtype: str

    def __init__(self, type: dtypes.dtype) -> None:
        if type.is_floating_point or type.is_complex:
            raise TypeError(
                "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                "'torch.iinfo'"
            )
        if type is dtypes.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        info = np.iinfo(type.np)
        for name, value in (("bits", info.bits), ("max", info.max), ("min", info.min)):
            object.__setattr__(self, name, int(value))
        object.__setattr__(self, "dtype", type.name)

    def __repr__(self) -> str:
        return f"iinfo(min={float(self.min):g}, max={float(self.max):g}, dtype={self.dtype})"
