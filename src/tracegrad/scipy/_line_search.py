"""A line search for the strong Wolfe conditions (Nocedal and Wright, algorithms 3.5 and 3.6:
bracketing, then zoom with safeguarded quadratic interpolation), as one ``while_loop`` so
that it stages under ``jit``; the search of ``jax.scipy.optimize``'s BFGS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.control.loops import while_loop
from tracegrad.core import get_aval
from tracegrad.transforms.vjp import value_and_grad


class LineSearchResults(NamedTuple):
    """The outcome of ``line_search`` (the fields of JAX's ``_LineSearchResults``)."""

    failed: Any
    nit: Any
    nfev: Any
    ngev: Any
    k: Any
    a_k: Any
    f_k: Any
    g_k: Any
    status: Any


class _State(NamedTuple):
    done: Any
    failed: Any
    zooming: Any
    i: Any
    nfev: Any
    a: Any  # the next step to try while bracketing
    a_prev: Any
    phi_prev: Any
    lo: Any  # the bracket while zooming: lo satisfies sufficient decrease
    phi_lo: Any
    dphi_lo: Any
    g_lo: Any
    hi: Any
    phi_hi: Any
    a_star: Any
    f_star: Any
    g_star: Any


def _interpolate(lo: Any, hi: Any, phi_lo: Any, dphi_lo: Any, phi_hi: Any) -> Any:
    """The minimizer of the quadratic through ``(lo, phi_lo)`` with slope ``dphi_lo`` and
    ``(hi, phi_hi)``, clipped to the bracket less 5% at each end (the midpoint if the
    quadratic has no minimum)."""
    d = hi - lo
    denom = 2 * (phi_hi - phi_lo - dphi_lo * d)
    convex = denom > 0
    step = lo - dphi_lo * d * d / tnp.where(convex, denom, 1)
    left, right = tnp.minimum(lo, hi), tnp.maximum(lo, hi)
    margin = 0.05 * tnp.abs(d)
    return tnp.where(convex, tnp.clip(step, left + margin, right - margin), lo + d / 2)


def line_search(
    f: Callable[[Any], Any],
    xk: Any,
    pk: Any,
    old_fval: Any = None,
    old_old_fval: Any = None,
    gfk: Any = None,
    c1: float = 1e-4,
    c2: float = 0.9,
    maxiter: int = 20,
) -> LineSearchResults:
    """A step ``a_k`` along ``pk`` from ``xk`` satisfying the strong Wolfe conditions for
    ``f``: sufficient decrease (``c1``) and curvature (``c2``). ``failed`` if no such step
    is found in ``maxiter`` evaluations; then the best step with sufficient decrease (or 0)
    is returned. ``old_old_fval`` is accepted and unused.

    >>> res = line_search(lambda x: (x**2).sum(), np.array([1.0]), np.array([-1.0]))
    >>> bool(res.failed), float(res.a_k), float(res.f_k)
    (False, 1.0, 0.0)
    """
    value_grad = value_and_grad(f)
    if old_fval is None or gfk is None:
        old_fval, gfk = value_grad(xk)
    dtype = get_aval(xk).dtype

    def scalar(v: Any) -> Any:
        return tnp.asarray(v, dtype)

    phi0, dphi0 = scalar(old_fval), scalar(tnp.dot(gfk, pk))

    def evaluate(a: Any) -> tuple[Any, Any, Any]:
        value, grad = value_grad(xk + a * pk)
        return scalar(value), scalar(tnp.dot(grad, pk)), grad

    def body(s: _State) -> _State:
        a = tnp.where(s.zooming, _interpolate(s.lo, s.hi, s.phi_lo, s.dphi_lo, s.phi_hi), s.a)
        phi, dphi, g = evaluate(a)
        decrease = phi <= phi0 + c1 * a * dphi0
        curvature = tnp.abs(dphi) <= -c2 * dphi0
        # Bracketing: a bracket [a_prev, a] if a lacks decrease (or is worse than the
        # previous step), [a, a_prev] if the slope turned positive; otherwise a doubles.
        worse = ~decrease | ((phi >= s.phi_prev) & (s.i > 0))
        to_zoom_hi = ~s.zooming & worse
        to_zoom_lo = ~s.zooming & ~worse & ~curvature & (dphi >= 0)
        # Zooming: a replaces hi if it lacks decrease, else it becomes lo (and the old lo
        # becomes hi if the slope at a points back past it).
        zoom_hi = s.zooming & (~decrease | (phi >= s.phi_lo))
        zoom_lo = s.zooming & ~zoom_hi & ~curvature
        flip = zoom_lo & (dphi * (s.hi - s.lo) >= 0)
        found = decrease & curvature & (s.zooming & ~zoom_hi | ~s.zooming & ~worse)
        new_lo = to_zoom_lo | zoom_lo
        lo = tnp.where(new_lo, a, tnp.where(to_zoom_hi, s.a_prev, s.lo))
        phi_lo = tnp.where(new_lo, phi, tnp.where(to_zoom_hi, s.phi_prev, s.phi_lo))
        dphi_lo = tnp.where(new_lo, dphi, tnp.where(to_zoom_hi, s.dphi_lo, s.dphi_lo))
        g_lo = tnp.where(new_lo, g, s.g_lo)
        hi = tnp.where(to_zoom_hi | zoom_hi, a, tnp.where(to_zoom_lo, s.a_prev, s.hi))
        hi = tnp.where(flip, s.lo, hi)
        phi_hi = tnp.where(to_zoom_hi | zoom_hi, phi, tnp.where(to_zoom_lo, s.phi_prev, s.phi_hi))
        phi_hi = tnp.where(flip, s.phi_lo, phi_hi)
        return _State(
            done=found,
            failed=~found & (s.i + 1 >= maxiter),
            zooming=s.zooming | to_zoom_hi | to_zoom_lo,
            i=s.i + 1,
            nfev=s.nfev + 1,
            a=2 * a,
            a_prev=a,
            phi_prev=phi,
            lo=lo,
            phi_lo=phi_lo,
            dphi_lo=dphi_lo,
            g_lo=g_lo,
            hi=hi,
            phi_hi=phi_hi,
            a_star=tnp.where(found, a, s.a_star),
            f_star=tnp.where(found, phi, s.f_star),
            g_star=tnp.where(found, g, s.g_star),
        )

    zero, one = scalar(0), scalar(1)
    g0 = tnp.asarray(gfk, dtype)
    descent = dphi0 < 0
    init = _State(
        done=tnp.asarray(False),
        failed=~descent,
        zooming=tnp.asarray(False),
        i=tnp.asarray(0, np.int32),
        nfev=tnp.asarray(0, np.int32),
        a=one,
        a_prev=zero,
        phi_prev=phi0,
        lo=zero,
        phi_lo=phi0,
        dphi_lo=dphi0,
        g_lo=g0,
        hi=zero,
        phi_hi=phi0,
        a_star=zero,
        f_star=phi0,
        g_star=g0,
    )
    s = while_loop(lambda s: ~s.done & ~s.failed, body, init)
    # On failure, the best step with sufficient decrease found so far (lo), as a fallback.
    a_k = tnp.where(s.done, s.a_star, s.lo)
    f_k = tnp.where(s.done, s.f_star, s.phi_lo)
    g_k = tnp.where(s.done, s.g_star, s.g_lo)
    status = tnp.asarray(tnp.where(s.done, 0, tnp.where(descent, 1, 2)), np.int32)
    return LineSearchResults(s.failed, s.i, s.nfev, s.nfev, s.i, a_k, f_k, g_k, status)
