"""Poisson samples as ``jax.random.poisson`` draws them, in float32: Knuth's product of
uniforms below a rate of 10, Hormann's transformed rejection ("The transformed rejection
method for generating Poisson random variables", 1993) above, both as while loops over the
whole array."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
import tracegrad.scipy.special as tsp
from tracegrad.control.loops import while_loop
from tracegrad.random._fma import fma
from tracegrad.random._xla_math import log
from tracegrad.random.continuous import cast, shape_of, uniform_data
from tracegrad.random.keys import canonical_shape, split_data, unwrap

Shape = Sequence[int]
_F32 = np.dtype(np.float32)


def _knuth(data: Any, lam: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    def cond(carry: Any) -> Any:
        i, _, _, log_prod = carry
        return tnp.any(log_prod > -lam) & (i < np.iinfo(dtype).max)

    def body(carry: Any) -> Any:
        i, k, rng, log_prod = carry
        rng, subkey = split_data(rng, (2,))
        k = tnp.where(log_prod > -lam, k + dtype.type(1), k)
        u = uniform_data(subkey, shape, _F32)
        return i + 1, k, rng, log_prod + log(u)

    init = (np.int64(0), np.zeros(shape, dtype), data, np.zeros(shape, _F32))
    k = while_loop(cond, body, init)[1]
    return tnp.astype(k - dtype.type(1), dtype)


def _rejection(data: Any, lam: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    f = _F32.type
    log_lam = log(lam)
    # XLA fuses each multiply feeding an add into one rounding: so do we.
    b = fma(f(2.53), tnp.sqrt(lam), f(0.931), _F32)
    a = fma(f(0.02483), b, f(-0.059), _F32)
    inv_alpha = f(1.1239) + f(1.1328) / (b - f(3.4))
    v_r = f(0.9277) - f(3.6224) / (b - f(2))

    def cond(carry: Any) -> Any:
        i, _, accepted, _ = carry
        return tnp.any(~accepted) & (i < np.iinfo(dtype).max)

    def body(carry: Any) -> Any:
        i, k_out, accepted, rng = carry
        rng, key0, key1 = split_data(rng, (3,))
        u = uniform_data(key0, shape, _F32) - f(0.5)
        v = uniform_data(key1, shape, _F32)
        u_shifted = f(0.5) - tnp.abs(u)
        k = tnp.floor(fma(f(2) * a / u_shifted + b, u, lam, _F32) + f(0.43))
        s = log(v * inv_alpha / (a / (u_shifted * u_shifted) + b))
        t = fma(k, log_lam, -lam, _F32) - tsp.gammaln(k + f(1))
        accept1 = (u_shifted >= f(0.07)) & (v <= v_r)
        reject = (k < 0) | ((u_shifted < f(0.013)) & (v > u_shifted))
        accept = accept1 | (~reject & (s <= t))
        return i + 1, tnp.where(accept, k, k_out), accepted | accept, rng

    init = (np.int64(0), np.full(shape, f(-1)), np.zeros(shape, bool), data)
    return tnp.astype(while_loop(cond, body, init)[1], dtype)


def poisson(key: Any, lam: Any, shape: Shape | None = None, dtype: Any = None) -> Any:
    """Poisson samples with rate ``lam`` (default dtype int64, as JAX under x64).

    >>> from tracegrad.random import PRNGKey
    >>> poisson(PRNGKey(0), 3.0, (5,))
    array([...])
    """
    data, _ = unwrap(key, "poisson")
    dt = np.dtype(np.int64 if dtype is None else dtype)
    shp = shape_of(lam) if shape is None else canonical_shape(shape, "poisson")
    lam = cast(tnp.broadcast_to(lam, shp), _F32)
    with np.errstate(divide="ignore", invalid="ignore"):
        use_knuth = tnp.isnan(lam) | (lam < 10)
        lam_knuth = tnp.where(use_knuth, lam, _F32.type(0))
        lam_rejection = tnp.where(use_knuth, _F32.type(1e5), lam)
        result = tnp.where(
            use_knuth,
            _knuth(data, lam_knuth, shp, dt),
            _rejection(data, lam_rejection, shp, dt),
        )
    return tnp.where(lam == 0, tnp.zeros_like(result), result)
