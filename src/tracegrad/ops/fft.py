"""The discrete Fourier transform primitive ``fft``: over the trailing axes of an array, in
its four kinds (complex forward and inverse, real-to-complex and complex-to-real).

One linear primitive, as ``jax.lax.fft``, plus NumPy's ``norm`` as a parameter so that
values are NumPy's to the bit. ``tracegrad.numpy.fft`` moves axes to the end and pads or
crops them; everything here sees the transformed axes last.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from tracegrad.core import DTypeError, Primitive, ShapedArray, ShapeError, get_aval
from tracegrad.ops.elementwise import conj, mul
from tracegrad.ops.rules import deflinear
from tracegrad.ops.structural import moveaxis

FFT_TYPES = ("fft", "ifft", "rfft", "irfft")
Norm = Literal["backward", "ortho", "forward"]
NORMS: tuple[Norm, ...] = ("backward", "ortho", "forward")
_AS_LITERAL: dict[str, Norm] = {n: n for n in NORMS}

# The transpose of a normalized transform is the transform of the opposite direction with
# the same scale: "backward" (scale 1 forward, 1/N inverse) pairs with "forward".
_SWAPPED_NORM = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def swap_norm(norm: str) -> str:
    """The norm of the opposite direction with the same scale factor.

    >>> swap_norm("backward")
    'forward'
    """
    return _SWAPPED_NORM[norm]


def complex_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The complex dtype NumPy computes the transform of ``dtype`` in (float32 -> complex64).

    >>> complex_dtype(np.dtype(np.float32))
    dtype('complex64')
    """
    return np.dtype(np.result_type(dtype, 1j))


def real_part_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The real dtype of the parts of a complex ``dtype`` (complex128 -> float64).

    >>> real_part_dtype(np.dtype(np.complex64))
    dtype('float32')
    """
    return np.zeros((), dtype).real.dtype


# ---- fft --------------------------------------------------------------------
def fft(x: Any, fft_type: str, fft_lengths: Sequence[int], norm: str = "backward") -> Any:
    """The ``fft_type`` transform over the last ``len(fft_lengths)`` axes of ``x``.

    ``fft`` and ``ifft`` map complex arrays to complex arrays of the same shape; ``rfft``
    maps a real array whose trailing shape is ``fft_lengths`` to the non-negative
    frequencies of its last axis (``n // 2 + 1`` of them); ``irfft`` inverts it, taking
    those frequencies and returning the real array of trailing shape ``fft_lengths``.
    ``norm`` is NumPy's ("backward", "ortho" or "forward").

    >>> fft(np.array([1.0, 2.0, 3.0, 4.0]), "rfft", (4,))
    array([10.+0.j, -2.+2.j, -2.+0.j])
    """
    lengths = tuple(int(n) for n in fft_lengths)
    return fft_p.bind(x, fft_type=fft_type, fft_lengths=lengths, norm=norm)


def _fft_impl(x: Any, *, fft_type: str, fft_lengths: tuple[int, ...], norm: str) -> Any:
    np_norm = _AS_LITERAL[norm]
    axes = tuple(range(-len(fft_lengths), 0))
    if fft_type == "fft":
        return np.fft.fftn(x, axes=axes, norm=np_norm)
    if fft_type == "ifft":
        return np.fft.ifftn(x, axes=axes, norm=np_norm)
    if fft_type == "rfft":
        return np.fft.rfftn(x, axes=axes, norm=np_norm)
    return np.fft.irfftn(x, s=fft_lengths, axes=axes, norm=np_norm)


def _fft_abstract_eval(
    x: ShapedArray, *, fft_type: str, fft_lengths: tuple[int, ...], norm: str
) -> ShapedArray:
    if fft_type not in FFT_TYPES or norm not in NORMS:
        raise ValueError(
            f"fft: fft_type must be one of {FFT_TYPES} and norm one of {NORMS}, got "
            f"fft_type={fft_type!r} and norm={norm!r}."
        )
    k = len(fft_lengths)
    if not 1 <= k <= x.ndim or min(fft_lengths) < 1:
        raise ShapeError(
            f"fft: fft_lengths={fft_lengths} must be 1 to {x.ndim} positive lengths, one per "
            f"trailing axis of the operand of shape {x.shape}."
        )
    lead, trailing = x.shape[: x.ndim - k], x.shape[x.ndim - k :]
    n = fft_lengths[-1]
    if fft_type == "rfft":
        if x.dtype.kind != "f" or x.dtype == np.float16:
            raise DTypeError(
                f"fft: rfft takes a float32 or float64 operand, got dtype {x.dtype.name} "
                "(tracegrad.numpy.fft.rfft converts other real dtypes first)."
            )
        expected, out_last, dtype = fft_lengths, n // 2 + 1, complex_dtype(x.dtype)
    else:
        if x.dtype.kind != "c":
            raise DTypeError(
                f"fft: {fft_type} takes a complex operand, got dtype {x.dtype.name} "
                "(tracegrad.numpy.fft converts real operands first)."
            )
        if fft_type == "irfft":
            expected, out_last = (*fft_lengths[:-1], n // 2 + 1), n
            dtype = real_part_dtype(x.dtype)
        else:
            expected, out_last, dtype = fft_lengths, n, x.dtype
    if trailing != expected:
        raise ShapeError(
            f"fft: a {fft_type} with fft_lengths={fft_lengths} needs trailing operand "
            f"dimensions {expected}, got an operand of shape {x.shape}. Pad or crop the "
            "operand first (tracegrad.numpy.fft does)."
        )
    return ShapedArray((*lead, *fft_lengths[:-1], out_last), dtype)


def _half_spectrum_weights(n: int, dtype: np.dtype[Any]) -> np.ndarray:
    """How many times each of the ``n // 2 + 1`` frequencies kept by an ``rfft`` of length
    ``n`` stands in the full spectrum: once for the zero frequency (and the Nyquist one when
    ``n`` is even), twice for the others, whose conjugate mirror images were dropped."""
    weights = np.full(n // 2 + 1, 2.0)
    weights[0] = 1.0
    if n % 2 == 0:
        weights[-1] = 1.0
    return weights.astype(dtype)


def _fft_transpose(
    ct: Any, x: Any, *, fft_type: str, fft_lengths: tuple[int, ...], norm: str
) -> list[Any]:
    # Cotangents pair with values as Re(sum(ct * y)), without conjugation (JAX's convention).
    # The unnormalized DFT matrix, and so c * F and c * conj(F), is symmetric: fft and ifft
    # are their own transposes, norm included.
    if fft_type in ("fft", "ifft"):
        return [fft(ct, fft_type, fft_lengths, norm)]
    n = fft_lengths[-1]
    ct_dtype = get_aval(ct).dtype
    if fft_type == "rfft":
        # rfft keeps the first n // 2 + 1 rows of c * F, so its transpose is
        # Re(c * F @ zero-padded ct) on the real line. irfft builds the full spectrum from
        # half of it, counting each dropped mirror image through the weight 2, and takes
        # the real part: dividing by the weights and conjugating gives exactly that sum.
        weights = _half_spectrum_weights(n, ct_dtype)
        return [fft(mul(conj(ct), 1 / weights), "irfft", fft_lengths, swap_norm(norm))]
    # irfft(z) = s * Re(sum_k w_k z_k e^{+2 pi i jk/n}) is R-linear in z; its transpose maps a
    # real ct to s * w_k * conj(sum_j ct_j e^{-2 pi i jk/n}), a weighted, conjugated rfft.
    weights = _half_spectrum_weights(n, complex_dtype(ct_dtype))
    return [mul(conj(fft(ct, "rfft", fft_lengths, swap_norm(norm))), weights)]


def _fft_batch(
    args: Sequence[Any],
    dims: Sequence[int | None],
    *,
    fft_type: str,
    fft_lengths: tuple[int, ...],
    norm: str,
) -> tuple[Any, int]:
    # The transform acts on trailing axes only: a leading batch axis is just one more.
    x = moveaxis(args[0], dims[0], 0)  # type: ignore[arg-type]
    return fft(x, fft_type, fft_lengths, norm), 0


fft_p = Primitive("fft")
fft_p.def_impl(_fft_impl)
fft_p.def_abstract_eval(_fft_abstract_eval)
deflinear(fft_p, _fft_transpose)
fft_p.def_batch(_fft_batch)
