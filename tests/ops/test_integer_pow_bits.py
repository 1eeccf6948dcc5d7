"""``integer_pow`` multiplies in JAX's order (binary exponentiation), eagerly and under
``jit``, so its bits are JAX's rather than NumPy's ``power`` (``powf``)."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg


@pytest.mark.parametrize("y", [-3, -2, -1, 0, 1, 2, 3, 4, 5, 7, 10])
@pytest.mark.parametrize("dtype", ["float32", "int32"])  # XLA fuses complex products
def test_integer_pow_is_jaxs_bit_for_bit(y: int, dtype: str) -> None:
    jax = pytest.importorskip("jax")
    if y < 0 and dtype == "int32":
        return
    rng = np.random.default_rng(y + 20)
    x = (rng.standard_normal(2000) * 3).astype(dtype)
    want = np.asarray(jax.lax.integer_pow(jax.numpy.asarray(x), y))
    eager = np.asarray(tg.lax.integer_pow(x, y))
    staged = np.asarray(tg.jit(lambda v: tg.lax.integer_pow(v, y))(x))
    np.testing.assert_array_equal(eager, want)
    np.testing.assert_array_equal(staged, want)
    assert eager.dtype == staged.dtype == want.dtype


@pytest.mark.parametrize("y", [-2, 3, 3.0, 5])
def test_numpy_power_with_an_integer_exponent_is_jaxs_eagerly_and_traced(y: float) -> None:
    jax = pytest.importorskip("jax")
    import tracegrad.numpy as tnp

    x = np.random.default_rng(3).standard_normal(2000).astype(np.float32)
    staged = tg.jit(lambda v: tnp.power(v, y))(x)
    np.testing.assert_array_equal(tnp.power(x, y), staged)
    if isinstance(y, int):  # JAX takes integer_pow for Python ints only
        np.testing.assert_array_equal(staged, np.asarray(jax.numpy.power(jax.numpy.asarray(x), y)))


@pytest.mark.parametrize("y", [-2, 2, 3, 5])
def test_complex_power_with_a_python_integer_is_integer_pow_eagerly_and_traced(y: int) -> None:
    import tracegrad.numpy as tnp

    rng = np.random.default_rng(4)
    z = rng.standard_normal(500) + 1j * rng.standard_normal(500)
    power = tg.jit(lambda v: tnp.power(v, y))
    assert "integer_pow" in str(tg.make_jaxpr(lambda v: tnp.power(v, y))(z))  # as JAX's
    power(z)  # the second call runs the generated code
    np.testing.assert_array_equal(power(z), tnp.power(z, y))
