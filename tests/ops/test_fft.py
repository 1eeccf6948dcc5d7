"""The fft primitive and tracegrad.numpy.fft: values and dtypes against NumPy, derivatives to
order 2 in both modes (which checks the transposes against finite differences), values and
vjps against jax.numpy.fft, batching, plain-NumPy dispatch and errors."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import settings

import tracegrad as tg
import tracegrad.numpy.fft as tfft
from harness import C128, F32, F64, OpRecord, record_tests
from tracegrad.core import DTypeError, ShapeError
from tracegrad.ops.fft import fft as fft_op
from tracegrad.test_util import check_grads

C64 = np.dtype(np.complex64)
REAL = (F64, F32)
ANY = (F64, F32, C128, C64)
NORMS = (None, "backward", "ortho", "forward")


def _record(name: str, shapes: list[tuple[int, ...]], dtypes: Any, **kwargs: Any) -> OpRecord:
    label = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return OpRecord(
        f"{name}[{label}]",
        lambda a: getattr(tfft, name)(a, **kwargs),
        lambda a: getattr(np.fft, name)(a, **kwargs),
        [(s,) for s in shapes],
        dtypes=dtypes,
    )


# (function, operand shapes, dtypes, keyword arguments): 1-d to 3-d operands, axes in every
# position, n / s cropping and padding, every norm, repeated axes.
TABLE: list[tuple[str, list[tuple[int, ...]], Any, dict[str, Any]]] = [
    ("fft", [(5,), (2, 4), (2, 3, 4)], ANY, {}),
    ("fft", [(4, 3), (2, 4, 3)], ANY, {"n": 6, "axis": 0, "norm": "ortho"}),
    ("fft", [(5,), (3, 5)], ANY, {"n": 3, "norm": "forward"}),
    ("ifft", [(4,), (3, 4), (2, 3, 4)], ANY, {}),
    ("ifft", [(3, 4), (3, 2, 2)], ANY, {"n": 5, "axis": -2, "norm": "forward"}),
    ("ifft", [(6,), (2, 6)], ANY, {"n": 4, "norm": "ortho"}),
    ("rfft", [(6,), (5,), (3, 4), (2, 3, 5)], REAL, {}),
    ("rfft", [(4, 3), (4, 2, 3)], REAL, {"n": 7, "axis": 0, "norm": "ortho"}),
    ("rfft", [(7,), (2, 8)], REAL, {"n": 4, "norm": "forward"}),
    ("irfft", [(4,), (3, 3), (2, 3, 4)], ANY, {}),
    ("irfft", [(4,), (2, 4)], ANY, {"n": 7, "norm": "ortho"}),
    ("irfft", [(5, 2), (5, 2, 3)], ANY, {"n": 4, "axis": 0, "norm": "forward"}),
    ("irfft", [(3,), (2, 3)], ANY, {"n": 9, "norm": "backward"}),
    ("hfft", [(4,), (2, 3)], ANY, {}),
    ("hfft", [(4,), (3, 4)], ANY, {"n": 5, "norm": "ortho"}),
    ("ihfft", [(5,), (2, 6)], REAL, {}),
    ("ihfft", [(5,), (2, 6)], REAL, {"n": 4, "norm": "forward"}),
    ("fft2", [(3, 4), (2, 3, 4)], ANY, {}),
    ("fft2", [(3, 4), (3, 4, 2)], ANY, {"s": (2, 5), "axes": (0, 1), "norm": "ortho"}),
    ("ifft2", [(3, 4), (2, 3, 2)], ANY, {"norm": "forward"}),
    ("ifft2", [(2, 3, 4)], ANY, {"s": (5, 2), "axes": (2, 0)}),
    ("fftn", [(5,), (2, 3), (2, 3, 2)], ANY, {}),
    ("fftn", [(2, 3, 4)], ANY, {"axes": (2, 0), "norm": "ortho"}),
    ("fftn", [(2, 3, 4)], ANY, {"s": (3, -1, 2), "axes": (0, 1, 2), "norm": "forward"}),
    ("fftn", [(2, 3)], ANY, {"s": (3, 4), "axes": (0, 0)}),  # repeated axis: applied twice
    ("ifftn", [(4,), (2, 3), (2, 3, 2)], ANY, {}),
    ("ifftn", [(2, 3, 4)], ANY, {"s": (3, 2), "axes": (-1, 1), "norm": "ortho"}),
    ("rfftn", [(6,), (3, 4), (2, 3, 4)], REAL, {}),
    ("rfftn", [(3, 4, 2)], REAL, {"s": (5, 3), "axes": (1, 0), "norm": "ortho"}),
    ("rfftn", [(3, 4)], REAL, {"s": (2, 7), "axes": (0, 1), "norm": "forward"}),
    ("rfftn", [(3, 4)], REAL, {"s": (5, 3), "axes": (1, 1)}),
    ("irfftn", [(4,), (3, 3), (2, 3, 3)], ANY, {}),
    ("irfftn", [(3, 4, 2)], ANY, {"s": (3, 5), "axes": (2, 0), "norm": "ortho"}),
    ("irfftn", [(3, 4)], ANY, {"s": (4, 6), "axes": (0, 1), "norm": "forward"}),
    ("irfftn", [(3, 4)], ANY, {"axes": (1, 0, 1)}),
    ("rfft2", [(3, 4), (2, 3, 5)], REAL, {}),
    ("irfft2", [(3, 4), (2, 3, 3)], ANY, {"s": (3, 7), "norm": "ortho"}),
    ("fftshift", [(5,), (4, 5), (2, 3, 4)], ANY, {}),
    ("fftshift", [(4, 5), (4, 5, 3)], REAL, {"axes": 1}),
    ("ifftshift", [(5,), (2, 5), (3, 2, 5)], ANY, {}),
    ("ifftshift", [(3, 5), (3, 5, 2)], REAL, {"axes": (0, -1)}),
]

RECORDS = [_record(name, shapes, dtypes, **kw) for name, shapes, dtypes, kw in TABLE]
RECORDS += [_record("fft", [(4,)], (F64, C128), norm=norm) for norm in NORMS] + [
    _record(name, [(3, 4)], (F64,), norm=norm)
    for name in ("rfft", "irfft", "ifftn")
    for norm in NORMS
]

# Each record is one small variation: a few examples apiece keep the file within budget.
_FEW = settings(max_examples=max(3, settings.default.max_examples // 3))
test_value, test_derivatives = (_FEW(t) for t in record_tests(RECORDS))


# ---- the primitive -----------------------------------------------------------------------
PRIMITIVE_CASES = [
    ("fft", (3, 4), (4,)),
    ("ifft", (2, 3, 4), (3, 4)),
    ("rfft", (3, 5), (5,)),
    ("rfft", (3, 6), (3, 6)),
    ("irfft", (3, 4), (6,)),
    ("irfft", (3, 4), (7,)),
    ("irfft", (2, 3, 4), (3, 7)),
    ("irfft", (2, 1), (1,)),
    ("irfft", (2, 2), (2,)),
]


def _operand(rng: np.random.Generator, fft_type: str, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.standard_normal(shape)
    return x if fft_type == "rfft" else x + 1j * rng.standard_normal(shape)


@pytest.mark.parametrize("case", PRIMITIVE_CASES, ids=lambda c: f"{c[0]}{c[2]}")
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_primitive_transpose_is_exact(case: Any, norm: str) -> None:
    """Re(sum(ct * f(x))) == Re(sum(f^T(ct) * x)) to rounding (JAX's pairing), and the
    derivatives pass check_grads."""
    fft_type, shape, lengths = case
    rng = np.random.default_rng(0)
    x = _operand(rng, fft_type, shape)
    f = lambda a: fft_op(a, fft_type, lengths, norm)
    out, f_vjp = tg.vjp(f, x)
    ct = rng.standard_normal(out.shape) + (
        1j * rng.standard_normal(out.shape) if out.dtype.kind == "c" else 0
    )
    (ct_x,) = f_vjp(ct)
    assert ct_x.dtype == x.dtype and ct_x.shape == x.shape
    np.testing.assert_allclose(np.real(np.sum(ct * out)), np.real(np.sum(ct_x * x)), atol=1e-10)
    check_grads(f, (x,), order=2)


@pytest.mark.parametrize("case", PRIMITIVE_CASES[:6], ids=lambda c: f"{c[0]}{c[2]}")
def test_primitive_batching_anywhere(case: Any) -> None:
    fft_type, shape, lengths = case
    rng = np.random.default_rng(1)
    x = np.stack([_operand(rng, fft_type, shape) for _ in range(3)], axis=-1)
    f = lambda a: fft_op(a, fft_type, lengths)
    for axis in range(x.ndim):
        xb = np.moveaxis(x, -1, axis)
        got = tg.vmap(f, in_axes=axis, out_axes=-1)(xb)
        want = np.stack([f(x[..., i]) for i in range(3)], axis=-1)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_primitive_dtypes_and_printing() -> None:
    for real, cplx in ((np.float32, np.complex64), (np.float64, np.complex128)):
        assert fft_op(np.ones(4, real), "rfft", (4,)).dtype == cplx
        assert fft_op(np.ones(3, cplx), "irfft", (4,)).dtype == real
        assert fft_op(np.ones(4, cplx), "ifft", (4,)).dtype == cplx
    text = str(
        tg.make_jaxpr(lambda a: fft_op(a, "rfft", (6,), "ortho"))(np.ones((2, 6), np.float32))
    )
    assert "c64[2,4] = fft[fft_lengths=(6,) fft_type=rfft norm=ortho]" in text


def test_primitive_abstract_eval_errors() -> None:
    trace = lambda x, *args: tg.make_jaxpr(lambda a: fft_op(a, *args))(x)
    with pytest.raises(DTypeError, match="complex operand"):
        trace(np.ones(4), "fft", (4,))
    with pytest.raises(DTypeError, match="float32 or float64"):
        trace(np.ones(4, np.complex128), "rfft", (4,))
    with pytest.raises(ShapeError, match=r"trailing operand dimensions \(3,\)"):
        trace(np.ones(4, np.complex128), "irfft", (4,))
    with pytest.raises(ShapeError, match="fft_lengths"):
        trace(np.ones(4, np.complex128), "fft", (2, 4))
    with pytest.raises(ValueError, match="fft_type"):
        trace(np.ones(4, np.complex128), "dct", (4,))


# ---- tracegrad.numpy.fft -----------------------------------------------------------------
@pytest.mark.parametrize(
    "dtype", [np.float16, np.float32, np.float64, np.complex64, np.complex128, np.int32, np.bool_]
)
def test_dtypes_follow_numpy(dtype: Any) -> None:
    x = np.ones((4, 4), dtype)
    for name in tfft.__all__:
        if name in ("fftfreq", "rfftfreq") or (
            dtype in (np.complex64, np.complex128) and name in ("rfft", "ihfft", "rfftn", "rfft2")
        ):
            continue
        closed = tg.make_jaxpr(getattr(tfft, name))(x)
        want = getattr(np.fft, name)(x)
        assert closed.out_avals[0].dtype == want.dtype, (name, dtype)
        assert tg.eval_jaxpr(closed, x)[0].dtype == want.dtype, (name, dtype)


def test_plain_numpy_dispatches_to_tracegrad() -> None:
    x = np.random.default_rng(2).standard_normal(6)
    got = tg.grad(lambda a: np.sum(np.abs(np.fft.rfft(a, n=8, norm="ortho")) ** 2))(x)
    want = tg.grad(lambda a: tg.numpy.sum(tg.numpy.abs(tfft.rfft(a, n=8, norm="ortho")) ** 2))(x)
    np.testing.assert_allclose(got, want)
    # Parseval: with norm="ortho" and no cropping, the energy of the spectrum is that of x
    full = tg.grad(lambda a: np.sum(np.abs(np.fft.fft(a, norm="ortho")) ** 2))(x)
    np.testing.assert_allclose(full, 2 * x, atol=1e-12)
    for name in ("fftshift", "ifftshift", "fft2", "irfftn", "hfft"):
        closed = tg.make_jaxpr(lambda a: getattr(np.fft, name)(a))(x.reshape(2, 3))
        np.testing.assert_allclose(
            tg.eval_jaxpr(closed, x.reshape(2, 3))[0], getattr(np.fft, name)(x.reshape(2, 3))
        )


def test_jit_matches_eager() -> None:
    x = np.random.default_rng(3).standard_normal((3, 5))
    for f in (
        lambda a: tfft.rfftn(a, s=(4, 6), axes=(0, 1), norm="ortho"),
        lambda a: tfft.irfft(tfft.rfft(a), n=5),
        lambda a: tfft.fftshift(tfft.fft2(a)),
    ):
        np.testing.assert_allclose(tg.jit(f)(x), f(x), atol=1e-12)
        g = lambda a: tg.numpy.sum(tg.numpy.abs(f(a)) ** 2)
        np.testing.assert_allclose(tg.jit(tg.grad(g))(x), tg.grad(g)(x), atol=1e-10)


def test_frequencies() -> None:
    for n in (1, 4, 5):
        for d in (1.0, 0.25, np.float32(0.5)):
            for name in ("fftfreq", "rfftfreq"):
                want = getattr(np.fft, name)(n, d)
                traced = tg.make_jaxpr(lambda dd: getattr(tfft, name)(n, dd))(d)
                got = tg.eval_jaxpr(traced, d)[0]
                np.testing.assert_allclose(got, want)
                assert got.dtype == want.dtype
    # derivative with respect to the spacing: d/dd (k / (n d)) = -k / (n d^2)
    got = tg.grad(lambda d: tg.numpy.sum(tfft.rfftfreq(6, d)))(0.5)
    np.testing.assert_allclose(got, -np.sum(np.arange(4)) / (6 * 0.25))
    with pytest.raises(ValueError, match="n should be an integer"):
        tg.grad(lambda d: tg.numpy.sum(tfft.fftfreq(4.0, d)))(0.5)


def test_no_axes() -> None:
    x = np.ones((2, 3))
    np.testing.assert_array_equal(
        tg.jit(lambda a: tfft.fftn(a, axes=()))(x), np.fft.fftn(x, axes=())
    )
    with pytest.raises(IndexError, match="no axes"):
        tg.jit(lambda a: tfft.rfftn(a, axes=()))(x)
    with pytest.raises(IndexError, match="no axes"):
        tg.jit(lambda a: tfft.irfftn(a, axes=()))(x)


def test_errors() -> None:
    x = np.ones((3, 4))
    jit = lambda f: tg.jit(f)(x)
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        jit(lambda a: tfft.fft(a, n=0))
    with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
        jit(lambda a: tfft.irfft(a[:, :1]))
    with pytest.raises(ValueError, match="Invalid norm value"):
        jit(lambda a: tfft.ifft(a, norm="unitary"))
    with pytest.raises(np.exceptions.AxisError):
        jit(lambda a: tfft.fft(a, axis=2))
    with pytest.raises(TypeError, match="rfft takes real input, got dtype complex128"):
        jit(lambda a: tfft.rfft(a + 1j))
    with pytest.raises(NotImplementedError, match=r"fft\.fft: out="):
        jit(lambda a: tfft.fft(a, out=np.empty((3, 4), complex)))
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        jit(lambda a: tfft.fftn(a, s=(2, 3), axes=(0,)))
    with pytest.raises(np.exceptions.AxisError), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        jit(lambda a: tfft.fftn(a, s=(2, 3, 4)))
    with pytest.raises(TypeError, match="n must be an integer"):
        jit(lambda a: tfft.fft(a, n=2.5))
    with pytest.warns(DeprecationWarning, match="`axes` should not be `None`"):
        jit(lambda a: tfft.fftn(a, s=(2, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        np.testing.assert_allclose(
            jit(lambda a: tfft.fftn(a, s=(2, None))), np.fft.fftn(x, s=(2, None))
        )


# ---- against jax.numpy.fft ---------------------------------------------------------------
def _numpy_only(kw: dict[str, Any]) -> bool:
    """NumPy extensions that jax.numpy.fft refuses: repeated axes, -1 in ``s``."""
    axes = kw.get("axes", ())
    axes = (axes,) if isinstance(axes, int) else axes
    return len(set(axes)) < len(axes) or -1 in kw.get("s", ())


JAX_CASES = (
    [(name, shapes[0], kw) for name, shapes, _, kw in TABLE if not _numpy_only(kw)]
    + [("fft", (4,), {"norm": n}) for n in NORMS]
    + [("irfftn", (3, 4), {"norm": n}) for n in NORMS]
)


@pytest.mark.parametrize("case", JAX_CASES, ids=lambda c: f"{c[0]}{c[2]}")
def test_against_jax(case: Any) -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    name, shape, kw = case
    rng = np.random.default_rng(4)
    real_in = name in ("rfft", "ihfft", "rfftn", "rfft2")
    for complex_in in (False,) if real_in else (False, True):
        x = rng.standard_normal(shape) + (1j * rng.standard_normal(shape) if complex_in else 0)
        f = lambda a: getattr(tfft, name)(a, **kw)
        jf = lambda a: getattr(jnp.fft, name)(a, **kw)
        out, f_vjp = tg.vjp(f, x)
        jout, jf_vjp = jax.vjp(jf, x)
        np.testing.assert_allclose(out, np.asarray(jout), atol=1e-10, rtol=1e-10)
        ct = rng.standard_normal(out.shape)
        if out.dtype.kind == "c":
            ct = ct + 1j * rng.standard_normal(out.shape)
        np.testing.assert_allclose(f_vjp(ct)[0], np.asarray(jf_vjp(ct)[0]), atol=1e-10, rtol=1e-10)
