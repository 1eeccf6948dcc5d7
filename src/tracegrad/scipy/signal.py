"""``tracegrad.scipy.signal``: N-d ``convolve``/``correlate``, ``convolve2d``/``correlate2d``
and ``fftconvolve``, as ``jax.scipy.signal``, on the ``conv_general_dilated`` primitive (so
derivatives of every order come from its rules). ``method`` is accepted; the direct
convolution is always used."""

from __future__ import annotations

from typing import Any as _Any

from tracegrad.core import ShapeError as _ShapeError
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.numpy._convolve import correlate_window as _correlate_window
from tracegrad.numpy.frontend import promote_dtypes as _promote_dtypes
from tracegrad.ops.elementwise import conj as _conj
from tracegrad.ops.shapes import rev as _rev

_METHODS = ("auto", "direct", "fft")


def _operands(name: str, in1: _Any, in2: _Any, mode: str, method: str) -> tuple[_Any, _Any]:
    if mode not in ("full", "same", "valid"):
        raise ValueError("acceptable mode flags are 'valid', 'same', or 'full'.")
    if method not in _METHODS:
        raise ValueError(f"Acceptable method flags are 'auto', 'direct', or 'fft', got {method!r}.")
    in1, in2 = _promote_dtypes(in1, in2)
    s1, s2 = _get_aval(in1).shape, _get_aval(in2).shape
    if len(s1) != len(s2):
        raise ValueError(
            f"{name}: in1 and in2 should have the same dimensionality, got shapes {s1} and {s2}."
        )
    if 0 in s1 or 0 in s2:
        raise _ShapeError(f"{name}: inputs must be non-empty, got shapes {s1} and {s2}.")
    if mode == "valid":
        bigger1 = all(a >= b for a, b in zip(s1, s2, strict=True))
        bigger2 = all(b >= a for a, b in zip(s1, s2, strict=True))
        if not (bigger1 or bigger2):
            raise ValueError(
                "For 'valid' mode, one must be at least as large as the other in every "
                f"dimension, got shapes {s1} and {s2}."
            )
    return in1, in2


def _window(mode: str, s1: tuple[int, ...], s2: tuple[int, ...]) -> tuple[list[int], list[int]]:
    """(offsets into the full result, output shape) of SciPy's ``mode``."""
    full = [a + b - 1 for a, b in zip(s1, s2, strict=True)]
    if mode == "full":
        return [0] * len(full), full
    if mode == "same":
        return [(f - a) // 2 for f, a in zip(full, s1, strict=True)], list(s1)
    return [min(a, b) - 1 for a, b in zip(s1, s2, strict=True)], [
        abs(a - b) + 1 for a, b in zip(s1, s2, strict=True)
    ]


def correlate(in1: _Any, in2: _Any, mode: str = "full", method: str = "auto") -> _Any:
    """N-d cross-correlation ``sum_j in1[k + j] * conj(in2[j])``, as
    ``scipy.signal.correlate``.

    >>> correlate(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]))
    array([0.5, 2. , 3.5, 3. , 0. ])
    """
    in1, in2 = _operands("correlate", in1, in2, mode, method)
    starts, shape = _window(mode, _get_aval(in1).shape, _get_aval(in2).shape)
    kernel = _conj(in2) if _get_aval(in2).dtype.kind == "c" else in2
    return _correlate_window(in1, kernel, starts, shape)


def convolve(in1: _Any, in2: _Any, mode: str = "full", method: str = "auto") -> _Any:
    """N-d convolution, as ``scipy.signal.convolve``.

    >>> convolve(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 0.5]), "same")
    array([1. , 2.5, 4. ])
    """
    in1, in2 = _operands("convolve", in1, in2, mode, method)
    starts, shape = _window(mode, _get_aval(in1).shape, _get_aval(in2).shape)
    return _correlate_window(in1, _rev(in2, range(len(shape))), starts, shape)


def fftconvolve(in1: _Any, in2: _Any, mode: str = "full", axes: _Any = None) -> _Any:
    """N-d convolution, as ``scipy.signal.fftconvolve`` (computed directly, so exact; only
    ``axes=None`` is supported).

    >>> fftconvolve(np.ones(3), np.ones(2))
    array([1., 2., 2., 1.])
    """
    if axes is not None:
        raise NotImplementedError("tracegrad.scipy.signal.fftconvolve supports axes=None only.")
    return convolve(in1, in2, mode)


def _check_2d(name: str, in1: _Any, in2: _Any, boundary: str, fillvalue: _Any) -> None:
    if boundary != "fill" or fillvalue != 0:
        raise NotImplementedError(
            f"{name}: only boundary='fill' with fillvalue=0 is supported (as in JAX), got "
            f"boundary={boundary!r}, fillvalue={fillvalue!r}."
        )
    for x in (in1, in2):
        if _get_aval(x).ndim != 2:
            raise ValueError(
                f"{name} inputs must both be 2-D arrays, got shape {_get_aval(x).shape}."
            )


def convolve2d(
    in1: _Any, in2: _Any, mode: str = "full", boundary: str = "fill", fillvalue: _Any = 0
) -> _Any:
    """2-d convolution, as ``scipy.signal.convolve2d`` (zero fill only).

    >>> convolve2d(np.eye(2), np.ones((1, 2)))
    array([[1., 1., 0.],
           [0., 1., 1.]])
    """
    _check_2d("convolve2d", in1, in2, boundary, fillvalue)
    return convolve(in1, in2, mode)


def correlate2d(
    in1: _Any, in2: _Any, mode: str = "full", boundary: str = "fill", fillvalue: _Any = 0
) -> _Any:
    """2-d cross-correlation, as ``scipy.signal.correlate2d`` (zero fill only).

    >>> correlate2d(np.eye(2), np.array([[1.0, 2.0]]))
    array([[2., 1., 0.],
           [0., 2., 1.]])
    """
    _check_2d("correlate2d", in1, in2, boundary, fillvalue)
    s1, s2 = _get_aval(in1).shape, _get_aval(in2).shape
    if mode != "same":
        out = correlate(in1, in2, mode)
    else:
        # SciPy's correlate2d centres 'same' as the flipped convolution does: the extra
        # row or column of an even kernel falls on the other side than in correlate.
        in1, in2 = _operands("correlate2d", in1, in2, mode, "auto")
        kernel = _conj(in2) if _get_aval(in2).dtype.kind == "c" else in2
        out = _correlate_window(in1, kernel, [m // 2 for m in s2], s1)
    swapped = mode == "valid" and s1 != s2 and all(b >= a for a, b in zip(s1, s2, strict=True))
    if swapped and _get_aval(out).dtype.kind == "c":
        # SciPy's correlate2d conjugates the operand it swapped to the front.
        out = _conj(out)
    return out


__all__ = _public_names(globals())
