"""Gamma samples as ``jax.random`` draws them (Marsaglia and Tsang's rejection method, one
key per element), the primitive ``random_gamma_p`` that runs the rejection loops, its
implicit-reparameterisation derivative in ``a``, and the samplers built on it: ``gamma``,
``loggamma``, ``beta``, ``dirichlet``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
import tracegrad.scipy.special as tsp
from tracegrad.core import DTypeError, Primitive, ShapedArray, ShapeError, Zero, get_aval
from tracegrad.ops.structural import bdim_at_front
from tracegrad.random._fma import fma
from tracegrad.random._xla_math import exp, flush_subnormals, log1p_impl, log_impl, pow_impl
from tracegrad.random.continuous import (
    cast,
    check_shape,
    float_dtype,
    normal_data,
    shape_of,
    uniform_data,
)
from tracegrad.random.keys import canonical_shape, split_data, unwrap

Shape = Sequence[int]


# ---- the rejection loops, on NumPy arrays of keys -------------------------------------
# The helpers read a key's data as ``data[0], data[1]``, so the transposed keys (2, n)
# act as n keys at once, broadcasting against the counters.
def _split_each(keys: np.ndarray, num: int) -> np.ndarray:
    """``split(k, num)`` for every key of ``keys`` (shape (n, 2)): shape (n, num, 2)."""
    return np.asarray(split_data(keys.T[:, :, None], (num,)))


def _draw_each(keys: np.ndarray, draw: Any, dtype: np.dtype[Any]) -> np.ndarray:
    """One scalar ``draw(key, (), dtype)`` for every key of ``keys`` (shape (n, 2))."""
    return np.asarray(draw(keys.T, (), dtype), dtype)


def _fma(a: Any, b: Any, c: Any, dtype: np.dtype[Any]) -> np.ndarray:
    return np.asarray(fma(np.asarray(a, dtype), np.asarray(b, dtype), np.asarray(c, dtype), dtype))


def _marsaglia_tsang(keys: np.ndarray, alpha: np.ndarray, log_space: bool) -> np.ndarray:
    """JAX's ``_gamma_one`` on every element at once: each element follows its own key
    through the same sequence of splits and draws, so the loops stop per element."""
    dtype = alpha.dtype
    one, third = dtype.type(1), dtype.type(1 / 3)
    boost = alpha >= one
    shifted = np.where(boost, alpha, alpha + one)
    d = shifted - third
    c = third * (one / np.sqrt(d))
    pair = _split_each(keys, 2)
    key, subkey = pair[:, 0], pair[:, 1]
    X = np.zeros_like(alpha)
    V = np.ones_like(alpha)
    U = np.full_like(alpha, 2)

    def rejected() -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            squeeze = _fma(dtype.type(-0.0331), X * X, one, dtype) <= U
            far = log_impl(U) >= X * dtype.type(0.5) + d * (one - V + log_impl(V))
            return np.asarray(squeeze & far)

    active = rejected()
    while active.any():
        idx = np.flatnonzero(active)
        three = _split_each(key[idx], 3)
        key[idx], x_key, u_key = three[:, 0], three[:, 1], three[:, 2]
        x = np.zeros(len(idx), dtype)
        v = np.full(len(idx), -one)
        pending = v <= 0
        while pending.any():
            j = np.flatnonzero(pending)
            halves = _split_each(x_key[j], 2)
            x_key[j] = halves[:, 0]
            x[j] = _draw_each(halves[:, 1], normal_data, dtype)
            v[j] = _fma(x[j], c[idx][j], one, dtype)
            pending = v <= 0
        X[idx], V[idx] = x * x, v * v * v
        U[idx] = _draw_each(u_key, uniform_data, dtype)
        active = rejected()
    with np.errstate(divide="ignore"):
        if log_space:
            log_u = log1p_impl(-_draw_each(subkey, uniform_data, dtype))  # -exponential
            log_boost = np.where(boost | (log_u == 0), dtype.type(0), log_u * (one / alpha))
            return np.asarray(log_impl(d) + log_impl(V) + log_boost, dtype)
        u = one - _draw_each(subkey, uniform_data, dtype)
        sample = d * V * np.where(boost, one, pow_impl(u, one / alpha))
        return np.asarray(flush_subnormals(np.asarray(sample, dtype)))


def _random_gamma_impl(keys: Any, a: Any, *, log_space: bool) -> np.ndarray:
    a = np.asarray(a)
    flat_keys = np.asarray(keys, np.uint32).reshape(-1, 2)
    out = _marsaglia_tsang(flat_keys.copy(), a.reshape(-1).copy(), log_space)
    return np.asarray(out.reshape(a.shape))


def _random_gamma_abstract_eval(
    keys: ShapedArray, a: ShapedArray, *, log_space: bool
) -> ShapedArray:
    if keys.shape != (*a.shape, 2) or keys.dtype != np.uint32:
        raise ShapeError(
            f"random_gamma takes one uint32 key per element of a: keys {keys.dtype.name}"
            f"{list(keys.shape)} for a of shape {a.shape}."
        )
    if a.dtype.kind != "f":
        raise DTypeError(f"random_gamma samples floating dtypes, got {a.dtype.name}.")
    return ShapedArray(a.shape, a.dtype)


def _random_gamma_jvp(
    primals: Sequence[Any], tangents: Sequence[Any], *, log_space: bool
) -> tuple[Any, Any]:
    keys, a = primals
    out = random_gamma_p.bind(keys, a, log_space=log_space)
    a_dot = tangents[1]
    if type(a_dot) is Zero:
        return out, Zero.like_primal(get_aval(out))
    sample = tnp.exp(out) if log_space else out
    slope = gamma_sample_grad(a, sample)
    return out, a_dot * (slope / sample if log_space else slope)


def _batched(args: Sequence[Any], dims: Sequence[int | None]) -> list[Any]:
    """Every argument with the batch axis in front (broadcast where it had none)."""
    size = next(get_aval(x).shape[d] for x, d in zip(args, dims, strict=True) if d is not None)
    return [bdim_at_front(x, d, size) for x, d in zip(args, dims, strict=True)]


def _random_gamma_batch(
    args: Sequence[Any], dims: Sequence[int | None], *, log_space: bool
) -> tuple[Any, int]:
    return random_gamma_p.bind(*_batched(args, dims), log_space=log_space), 0


random_gamma_p = Primitive("random_gamma")
random_gamma_p.def_impl(_random_gamma_impl)
random_gamma_p.def_abstract_eval(_random_gamma_abstract_eval)
random_gamma_p.def_jvp(_random_gamma_jvp)
random_gamma_p.def_batch(_random_gamma_batch)


# ---- d sample / d a by implicit differentiation of the CDF ------------------------------
def gamma_sample_grad(a: Any, x: Any) -> Any:
    """``dx/da`` for a Gamma(a) sample ``x`` held at a fixed CDF value: minus the CDF's
    derivative in ``a`` over its density (Figurnov et al., "Implicit reparameterization
    gradients", 2018). Differentiable once more (a third derivative raises).

    >>> float(gamma_sample_grad(np.float64(1.0), np.float64(1.0)))  # doctest: +ELLIPSIS
    1.1735630272247233
    """
    return gamma_sample_grad_p.bind(a, x)


def _log_series_terms(a: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The log of each term x**(a+n) e**-x / Gamma(a+n+1) of P(a, x), each term's log
    derivative in a, and the index a+n+1, for n up to where the terms are negligible
    (float64 throughout)."""
    top = int(np.max(x + 12 * np.sqrt(x) + 40, initial=40))
    n = np.arange(top, dtype=np.float64)[:, None]
    shifted = a[None, :] + n + 1
    log_term = (a + n) * np.log(x) - x - np.asarray(tsp.gammaln(shifted))
    return log_term, np.log(x) - np.asarray(tsp.digamma(shifted)), shifted


def _cdf_a_derivative_over_density(a: Any, x: Any, order: int) -> np.ndarray:
    """The ``order``-th derivative in ``a`` (1 or 2) of the regularised incomplete gamma
    function P(a, x), over the density of Gamma(a) at x, from P's series."""
    a, x = np.broadcast_arrays(np.asarray(a), np.asarray(x))
    dtype = np.result_type(a, x)
    af, xf = a.reshape(-1).astype(np.float64), x.reshape(-1).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        tiny = np.maximum(xf, np.finfo(np.float64).tiny)
        log_term, dlog, shifted = _log_series_terms(af, tiny)
        factor = dlog if order == 1 else dlog * dlog - np.asarray(tsp.polygamma(1, shifted))
        derivative = np.sum(np.exp(log_term) * factor, axis=0)
        log_density = (af - 1) * np.log(tiny) - tiny - np.asarray(tsp.gammaln(af))
        out = derivative / np.exp(log_density)
    return np.asarray(out.reshape(a.shape), dtype)


def _gamma_sample_grad_impl(a: Any, x: Any) -> np.ndarray:
    return np.asarray(-_cdf_a_derivative_over_density(a, x, 1))


def _gamma_sample_grad_abstract_eval(a: ShapedArray, x: ShapedArray) -> ShapedArray:
    return ShapedArray(tuple(np.broadcast_shapes(a.shape, x.shape)), a.dtype)


def _gamma_sample_grad_jvp(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """With g = -P_a / p (P_a the CDF's derivative in a, p the density):
    dg/dx = -(log x - digamma(a)) - g ((a - 1) / x - 1) and
    dg/da = -P_aa / p - g (log x - digamma(a))."""
    a, x = primals
    g = gamma_sample_grad_p.bind(a, x)
    a_dot, x_dot = tangents
    if type(a_dot) is Zero and type(x_dot) is Zero:
        return g, Zero.like_primal(get_aval(g))
    dlog = tnp.log(x) - tsp.digamma(a)
    out = tnp.zeros_like(g)
    if type(x_dot) is not Zero:
        out = out + x_dot * (-dlog - g * ((a - 1) / x - 1))
    if type(a_dot) is not Zero:
        out = out + a_dot * (-_second_p.bind(a, x) - g * dlog)
    return g, out


def _raise_third_derivative(primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    if all(type(t) is Zero for t in tangents):
        out = _second_p.bind(*primals)
        return out, Zero.like_primal(get_aval(out))
    raise NotImplementedError(
        "The third derivative of a gamma sample in its shape parameter is not implemented "
        "in tracegrad.random; differentiate gamma samples at most twice in `a`."
    )


gamma_sample_grad_p = Primitive("random_gamma_grad")
gamma_sample_grad_p.def_impl(_gamma_sample_grad_impl)
gamma_sample_grad_p.def_abstract_eval(_gamma_sample_grad_abstract_eval)
gamma_sample_grad_p.def_jvp(_gamma_sample_grad_jvp)

# P_aa / p: the second derivative's one new ingredient (not differentiable again).
_second_p = Primitive("random_gamma_grad_second")
_second_p.def_impl(lambda a, x: _cdf_a_derivative_over_density(a, x, 2))
_second_p.def_abstract_eval(_gamma_sample_grad_abstract_eval)
_second_p.def_jvp(_raise_third_derivative)


gamma_sample_grad_p.def_batch(
    lambda args, dims: (gamma_sample_grad_p.bind(*_batched(args, dims)), 0)
)
_second_p.def_batch(lambda args, dims: (_second_p.bind(*_batched(args, dims)), 0))


# ---- the samplers ---------------------------------------------------------------------
def _gamma(key: Any, a: Any, shape: Shape | None, dtype: Any, log_space: bool, name: str) -> Any:
    data, _ = unwrap(key, name)
    dt = float_dtype(dtype, name)
    if shape is None:
        shp = shape_of(a)
    else:
        shp = canonical_shape(shape, name)
        check_shape(name, shp, shape_of(a))
    a = tnp.broadcast_to(cast(a, dt), shp)
    keys = tnp.reshape(split_data(data, (math.prod(shp),)), (*shp, 2))
    return random_gamma_p.bind(keys, a, log_space=log_space)


def gamma(key: Any, a: Any, shape: Shape | None = None, dtype: Any = None) -> Any:
    """Samples of Gamma(a, 1), differentiable in ``a`` (implicit reparameterisation).

    >>> from tracegrad.random import PRNGKey
    >>> gamma(PRNGKey(0), np.array([0.5, 1.0, 4.0]))
    array([...])
    """
    return _gamma(key, a, shape, dtype, False, "gamma")


def loggamma(key: Any, a: Any, shape: Shape | None = None, dtype: Any = None) -> Any:
    """The logarithm of Gamma(a, 1) samples, accurate for small ``a`` where the samples
    underflow.

    >>> from tracegrad.random import PRNGKey
    >>> loggamma(PRNGKey(0), 0.01).shape
    ()
    """
    return _gamma(key, a, shape, dtype, True, "loggamma")


def beta(key: Any, a: Any, b: Any, shape: Shape | None = None, dtype: Any = None) -> Any:
    """Samples of Beta(a, b), from two log-gamma samples.

    >>> from tracegrad.random import PRNGKey
    >>> beta(PRNGKey(0), 2.0, 3.0, (2,)).shape
    (2,)
    """
    data, _ = unwrap(key, "beta")
    dt = float_dtype(dtype, "beta")
    if shape is None:
        shp = tuple(np.broadcast_shapes(shape_of(a), shape_of(b)))
    else:
        shp = canonical_shape(shape, "beta")
        check_shape("beta", shp, shape_of(a), shape_of(b))
    key_a, key_b = split_data(data, (2,))
    log_a = loggamma(key_a, tnp.broadcast_to(cast(a, dt), shp), shp, dt)
    log_b = loggamma(key_b, tnp.broadcast_to(cast(b, dt), shp), shp, dt)
    log_max = tnp.maximum(log_a, log_b)
    scaled_a, scaled_b = exp(log_a - log_max), exp(log_b - log_max)
    return scaled_a / (scaled_a + scaled_b)


def dirichlet(key: Any, alpha: Any, shape: Shape | None = None, dtype: Any = None) -> Any:
    """Samples of Dirichlet(alpha) along the last axis of ``alpha``.

    >>> from tracegrad.random import PRNGKey
    >>> float(dirichlet(PRNGKey(0), np.array([1.0, 2.0, 3.0])).sum())
    1.0
    """
    data, _ = unwrap(key, "dirichlet")
    dt = float_dtype(dtype, "dirichlet")
    ashape = shape_of(alpha)
    if len(ashape) < 1:
        raise ValueError(f"dirichlet requires alpha.ndim >= 1, got alpha.ndim == {len(ashape)}")
    if shape is None:
        shp = ashape[:-1]
    else:
        shp = canonical_shape(shape, "dirichlet")
        check_shape("dirichlet", shp, ashape[:-1])
    log_samples = loggamma(data, cast(alpha, dt), (*shp, ashape[-1]), dt)
    unnormalized = exp(log_samples - tnp.max(log_samples, axis=-1, keepdims=True))
    # XLA divides by a broadcast sum as a product with the sum's reciprocal.
    return unnormalized * (1 / tnp.sum(unnormalized, axis=-1, keepdims=True))
