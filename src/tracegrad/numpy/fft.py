"""``tracegrad.numpy.fft``: NumPy's discrete Fourier transforms (complex, real and Hermitian;
1-d, 2-d and n-d), the shifts and the sample frequencies, with NumPy's signatures and dtypes,
built on the one ``fft`` primitive."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import concrete, concrete_int, operand
from tracegrad.numpy._manipulation import roll
from tracegrad.numpy._ufuncs import divide, multiply
from tracegrad.numpy.frontend import cast, numpy_when_eager
from tracegrad.ops import elementwise as ew
from tracegrad.ops import structural as st
from tracegrad.ops.fft import NORMS, complex_dtype, real_part_dtype, swap_norm
from tracegrad.ops.fft import fft as fft_op

__all__ = [
    "fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "rfft2", "irfft2",
    "fftn", "ifftn", "rfftn", "irfftn", "fftshift", "ifftshift", "fftfreq", "rfftfreq",
]  # fmt: skip

Lengths = list[int | None]


# ---- arguments ------------------------------------------------------------------------
def _norm(norm: Any) -> str:
    if norm is None:
        return "backward"
    for known in NORMS:
        if norm == known:
            return known
    raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or "forward".')


def _check_out(name: str, out: Any) -> None:
    if out is not None:
        raise NotImplementedError(
            f"tracegrad.numpy.fft.{name}: out= is not supported under a transformation "
            "(traced arrays are never written in place). Use the returned value instead."
        )


def _points(n: int) -> int:
    if n < 1:
        raise ValueError(f"Invalid number of FFT data points ({n}) specified.")
    return n


def _size(n: Any, what: str) -> int | None:
    return None if n is None else concrete_int(n, what)


def _axis(axis: Any, ndim: int) -> int:
    return st.canonical_axis(concrete_int(axis, "axis"), ndim)


def _cook_nd(x: Any, s: Any, axes: Any, *, inverse_real: bool = False) -> tuple[Lengths, list[int]]:
    """NumPy's reading of ``s`` and ``axes``: ``s`` defaults to the sizes along ``axes`` (for
    an inverse real transform, ``2 * (m - 1)`` on the last one), ``axes`` to the last
    ``len(s)`` axes; -1 in ``s`` means the size of the operand. None marks a size left to the
    1-d transform's default."""
    shape = get_aval(x).shape
    ndim = len(shape)
    axes_list = None if axes is None else [_axis(a, ndim) for a in concrete(axes, "axes")]
    if s is None:
        sizes: Lengths = list(shape) if axes_list is None else [shape[a] for a in axes_list]
        if inverse_real and sizes:
            sizes[-1] = None
    else:
        sizes = [_size(n, "s") for n in concrete(s, "s")]
        if axes_list is None:
            warnings.warn(
                "`axes` should not be `None` if `s` is not `None` (Deprecated in NumPy "
                "2.0). Pass the axes that `s` refers to, e.g. axes=range(-len(s), 0).",
                DeprecationWarning,
                stacklevel=4,
            )
        if None in sizes:
            warnings.warn(
                "Passing an array containing `None` values to `s` is deprecated in NumPy "
                "2.0. Pass the size the 1-d transform would use, or omit `s`.",
                DeprecationWarning,
                stacklevel=4,
            )
    if axes_list is None:
        axes_list = [_axis(a, ndim) for a in range(-len(sizes), 0)]
    if len(sizes) != len(axes_list):
        raise ValueError(
            f"Shape and axes have different lengths: s={s!r} and axes={axes!r} must have "
            "one entry per transformed axis."
        )
    sizes = [shape[a] if n == -1 else n for n, a in zip(sizes, axes_list, strict=True)]
    return sizes, axes_list


def _resize(x: Any, lengths: Sequence[int], axes: Sequence[int]) -> Any:
    """``x`` cropped or zero-padded to ``lengths[i]`` entries along ``axes[i]``, as NumPy's
    transforms do: one slice and one pad at most."""
    aval = get_aval(x)
    limits, config = list(aval.shape), [(0, 0, 0)] * aval.ndim
    for n, a in zip(lengths, axes, strict=True):
        limits[a] = min(n, aval.shape[a])
        config[a] = (0, max(0, n - aval.shape[a]), 0)
    x = st.slice(x, [0] * aval.ndim, limits)
    return st.pad(x, np.zeros((), aval.dtype), config)


def _transform(x: Any, fft_type: str, lengths: list[int], axes: list[int], norm: str) -> Any:
    """The primitive over distinct ``axes`` (the last one is the real axis of a real
    transform): move them to the end in order, transform, move them back."""
    ndim = get_aval(x).ndim
    perm = [d for d in range(ndim) if d not in axes] + axes
    out = fft_op(st.transpose(x, perm), fft_type, lengths, norm)
    return st.transpose(out, [int(i) for i in np.argsort(perm)])


def _complex(x: Any) -> Any:
    return cast(x, complex_dtype(get_aval(x).dtype))


def _real(name: str, x: Any) -> Any:
    dtype = get_aval(x).dtype
    if dtype.kind == "c":
        raise TypeError(
            f"{name} takes real input, got dtype {dtype.name}. Use fft for complex input, "
            "or pass the real part."
        )
    return cast(x, real_part_dtype(complex_dtype(dtype)))


def _real_result_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """NumPy's output dtype of a complex-to-real transform of ``dtype`` (float16 stays)."""
    return np.result_type(real_part_dtype(dtype) if dtype.kind == "c" else dtype, 1.0)


# ---- the three kinds, n-dimensional -----------------------------------------------------
def _c2c(x: Any, sizes: Lengths, axes: list[int], norm: str, fft_type: str) -> Any:
    """Complex transforms of complex ``x``; NumPy's order of 1-d transforms if an axis
    repeats."""
    if len(set(axes)) < len(axes):
        for n, a in reversed(list(zip(sizes, axes, strict=True))):
            x = _c2c(x, [n], [a], norm, fft_type)
        return x
    shape = get_aval(x).shape
    lengths = [_points(shape[a] if n is None else n) for n, a in zip(sizes, axes, strict=True)]
    if not lengths:
        return x
    return _transform(_resize(x, lengths, axes), fft_type, lengths, axes, norm)


def _r2c(x: Any, sizes: Lengths, axes: list[int], norm: str) -> Any:
    """The real-to-complex transform of real ``x``: real along ``axes[-1]``, complex along the
    others."""
    shape = get_aval(x).shape
    if len(set(axes)) < len(axes):
        x = _r2c(x, sizes[-1:], axes[-1:], norm)
        return _c2c(x, sizes[:-1], axes[:-1], norm, "fft")
    lengths = [_points(shape[a] if n is None else n) for n, a in zip(sizes, axes, strict=True)]
    return _transform(_resize(x, lengths, axes), "rfft", lengths, axes, norm)


def _c2r(x: Any, sizes: Lengths, axes: list[int], norm: str) -> Any:
    """The complex-to-real transform of complex ``x``: complex along all but the last of
    ``axes``, which holds the non-negative frequencies of a real signal."""
    if len(set(axes)) < len(axes):
        for n, a in zip(sizes[:-1], axes[:-1], strict=True):
            x = _c2c(x, [n], [a], norm, "ifft")
        return _c2r(x, sizes[-1:], axes[-1:], norm)
    shape = get_aval(x).shape
    lengths = [
        _points(shape[a] if n is None else n) for n, a in zip(sizes[:-1], axes[:-1], strict=True)
    ]
    last = _points(2 * (shape[axes[-1]] - 1) if sizes[-1] is None else sizes[-1])
    x = _resize(x, [*lengths, last // 2 + 1], axes)
    return _transform(x, "irfft", [*lengths, last], axes, norm)


def _complex_nd(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any, kind: str) -> Any:
    _check_out(name, out)
    norm = _norm(norm)
    x = operand(a)
    sizes, axes_ = _cook_nd(x, s, axes)
    if not axes_:
        return x  # NumPy returns the operand as it is when no axis is transformed
    return _c2c(_complex(x), sizes, axes_, norm, kind)


def _real_nd(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Any:
    _check_out(name, out)
    norm = _norm(norm)
    x = operand(a)
    sizes, axes_ = _cook_nd(x, s, axes)
    if not axes_:
        raise IndexError(f"{name}: no axes to transform (axes={axes!r}, s={s!r}).")
    return _r2c(_real(name, x), sizes, axes_, norm)


def _inverse_real_nd(name: str, a: Any, s: Any, axes: Any, norm: Any, out: Any) -> Any:
    _check_out(name, out)
    norm = _norm(norm)
    x = operand(a)
    sizes, axes_ = _cook_nd(x, s, axes, inverse_real=True)
    if not axes_:
        raise IndexError(f"{name}: no axes to transform (axes={axes!r}, s={s!r}).")
    # NumPy's last 1-d transform sees the output of the others (complex) if there are any.
    x = x if len(axes_) == 1 else _complex(x)
    dtype = _real_result_dtype(get_aval(x).dtype)
    return cast(_c2r(_complex(x), sizes, axes_, norm), dtype)


def _one_axis(x: Any, n: Any, axis: Any) -> tuple[Lengths, list[int]]:
    return [_size(n, "n")], [_axis(axis, get_aval(x).ndim)]


# ---- 1-d ---------------------------------------------------------------------------------
@numpy_when_eager(np.fft.fft)
def fft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The discrete Fourier transform along ``axis``, cropped or zero-padded to ``n`` points.

    >>> fft(np.array([1.0, 0.0, 0.0, 0.0]))
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _check_out("fft", out)
    x = _complex(operand(a))
    return _c2c(x, *_one_axis(x, n, axis), _norm(norm), "fft")


@numpy_when_eager(np.fft.ifft)
def ifft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The inverse discrete Fourier transform along ``axis`` (``ifft(fft(x)) == x``).

    >>> ifft(np.array([4.0, 0.0, 0.0, 0.0]))
    array([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j])
    """
    _check_out("ifft", out)
    x = _complex(operand(a))
    return _c2c(x, *_one_axis(x, n, axis), _norm(norm), "ifft")


@numpy_when_eager(np.fft.rfft)
def rfft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The transform of a real signal: its ``n // 2 + 1`` non-negative frequencies.

    >>> rfft(np.array([1.0, 2.0, 3.0, 4.0]))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    _check_out("rfft", out)
    x = _real("rfft", operand(a))
    return _r2c(x, *_one_axis(x, n, axis), _norm(norm))


@numpy_when_eager(np.fft.irfft)
def irfft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The real signal of ``n`` points (default ``2 * (m - 1)``) whose non-negative
    frequencies are ``a``; imaginary parts of the zero (and Nyquist) frequency are ignored.

    >>> irfft(np.array([10.0, -2.0 + 2.0j, -2.0]))
    array([1., 2., 3., 4.])
    """
    _check_out("irfft", out)
    x = operand(a)
    dtype = _real_result_dtype(get_aval(x).dtype)
    x = _complex(x)
    return cast(_c2r(x, *_one_axis(x, n, axis), _norm(norm)), dtype)


@numpy_when_eager(np.fft.hfft)
def hfft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The (real) transform of a signal with Hermitian symmetry, given by its first half.

    >>> hfft(np.array([1.0, 1.0, 1.0]))
    array([4., 0., 0., 0.])
    """
    _check_out("hfft", out)
    norm = swap_norm(_norm(norm))
    x = operand(a)
    if get_aval(x).dtype.kind == "c":
        x = ew.conj(x)
    return irfft.__wrapped_traced__(x, n, axis, norm)  # type: ignore[attr-defined]


@numpy_when_eager(np.fft.ihfft)
def ihfft(
    a: Any, n: int | None = None, axis: int = -1, norm: str | None = None, out: Any = None
) -> Any:
    """The inverse of ``hfft``: the first half of the Hermitian spectrum of a real signal.

    >>> ihfft(np.array([4.0, 0.0, 0.0, 0.0]))
    array([1.-0.j, 1.-0.j, 1.-0.j])
    """
    _check_out("ihfft", out)
    norm = swap_norm(_norm(norm))
    return ew.conj(rfft.__wrapped_traced__(a, n, axis, norm))  # type: ignore[attr-defined]


# ---- n-d and 2-d -------------------------------------------------------------------------
@numpy_when_eager(np.fft.fftn)
def fftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """The n-dimensional transform over ``axes`` (default all), cropped or padded to ``s``.

    >>> fftn(np.ones((2, 2)))
    array([[4.+0.j, 0.+0.j],
           [0.+0.j, 0.+0.j]])
    """
    return _complex_nd("fftn", a, s, axes, norm, out, "fft")


@numpy_when_eager(np.fft.ifftn)
def ifftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """The n-dimensional inverse transform over ``axes`` (default all).

    >>> ifftn(np.array([[4.0, 0.0], [0.0, 0.0]]))
    array([[1.+0.j, 1.+0.j],
           [1.+0.j, 1.+0.j]])
    """
    return _complex_nd("ifftn", a, s, axes, norm, out, "ifft")


@numpy_when_eager(np.fft.rfftn)
def rfftn(a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None) -> Any:
    """The n-dimensional transform of a real array: half of the last axis' frequencies.

    >>> rfftn(np.ones((2, 4))).shape
    (2, 3)
    """
    return _real_nd("rfftn", a, s, axes, norm, out)


@numpy_when_eager(np.fft.irfftn)
def irfftn(
    a: Any, s: Any = None, axes: Any = None, norm: str | None = None, out: Any = None
) -> Any:
    """The inverse of ``rfftn``: a real array of shape ``s`` along ``axes``.

    >>> irfftn(np.array([[8.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """
    return _inverse_real_nd("irfftn", a, s, axes, norm, out)


@numpy_when_eager(np.fft.fft2)
def fft2(
    a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None
) -> Any:
    """The 2-d transform over the last two axes (or ``axes``).

    >>> fft2(np.ones((2, 2)))[0, 0]
    np.complex128(4+0j)
    """
    return _complex_nd("fft2", a, s, axes, norm, out, "fft")


@numpy_when_eager(np.fft.ifft2)
def ifft2(
    a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None
) -> Any:
    """The 2-d inverse transform over the last two axes (or ``axes``).

    >>> ifft2(np.array([[4.0, 0.0], [0.0, 0.0]]))[1, 1]
    np.complex128(1+0j)
    """
    return _complex_nd("ifft2", a, s, axes, norm, out, "ifft")


@numpy_when_eager(np.fft.rfft2)
def rfft2(
    a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None
) -> Any:
    """The 2-d transform of a real array over the last two axes (or ``axes``).

    >>> rfft2(np.ones((2, 4))).shape
    (2, 3)
    """
    return _real_nd("rfft2", a, s, axes, norm, out)


@numpy_when_eager(np.fft.irfft2)
def irfft2(
    a: Any, s: Any = None, axes: Any = (-2, -1), norm: str | None = None, out: Any = None
) -> Any:
    """The inverse of ``rfft2``.

    >>> irfft2(np.array([[8.0, 0.0, 0.0], [0.0, 0.0, 0.0]])).shape
    (2, 4)
    """
    return _inverse_real_nd("irfft2", a, s, axes, norm, out)


# ---- shifts and frequencies --------------------------------------------------------------
def _shifts(x: Any, axes: Any, sign: int) -> tuple[Any, Any]:
    shape = get_aval(x).shape
    if axes is None:
        return [sign * (n // 2) for n in shape], tuple(range(len(shape)))
    axes = concrete(axes, "axes")
    if isinstance(axes, int | np.integer):
        return sign * (shape[int(axes)] // 2), axes
    return [sign * (shape[int(a)] // 2) for a in axes], axes


@numpy_when_eager(np.fft.fftshift)
def fftshift(x: Any, axes: Any = None) -> Any:
    """Move the zero frequency to the centre of ``axes`` (default all), as a roll.

    >>> fftshift(np.fft.fftfreq(5))
    array([-0.4, -0.2,  0. ,  0.2,  0.4])
    """
    x = operand(x)
    return roll(x, *_shifts(x, axes, 1))


@numpy_when_eager(np.fft.ifftshift)
def ifftshift(x: Any, axes: Any = None) -> Any:
    """The inverse of ``fftshift`` (they differ for odd lengths).

    >>> ifftshift(np.array([-0.4, -0.2, 0.0, 0.2, 0.4]))
    array([ 0. ,  0.2,  0.4, -0.4, -0.2])
    """
    x = operand(x)
    return roll(x, *_shifts(x, axes, -1))


def _integer_frequencies(n: int, full: bool) -> np.ndarray:
    if full:
        return np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    return np.arange(0, n // 2 + 1)


def _frequencies(name: str, n: Any, d: Any, device: Any, full: bool) -> Any:
    if not isinstance(n, int | np.integer):
        raise ValueError("n should be an integer")
    if not isinstance(d, Tracer):
        np_fn = np.fft.fftfreq if full else np.fft.rfftfreq
        return np_fn(n, d, device=device)
    if device not in (None, "cpu"):
        raise ValueError(f'{name}: device must be None or "cpu", got {device!r}.')
    return multiply(_integer_frequencies(int(n), full), divide(1.0, multiply(int(n), d)))


@numpy_when_eager(np.fft.fftfreq)
def fftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """The sample frequencies of ``fft`` for ``n`` samples spaced ``d`` apart (``d`` may be
    traced).

    >>> fftfreq(4, 0.5)
    array([ 0. ,  0.5, -1. , -0.5])
    """
    return _frequencies("fftfreq", n, d, device, full=True)


@numpy_when_eager(np.fft.rfftfreq)
def rfftfreq(n: int, d: Any = 1.0, device: Any = None) -> Any:
    """The sample frequencies of ``rfft`` for ``n`` samples spaced ``d`` apart.

    >>> rfftfreq(4, 0.5)
    array([0. , 0.5, 1. ])
    """
    return _frequencies("rfftfreq", n, d, device, full=False)
