"""``tracegrad.scipy.optimize``: ``minimize`` with BFGS, as ``jax.scipy.optimize`` (one
``while_loop``, so it runs under ``jit``), and the strong Wolfe ``line_search`` it uses."""

from __future__ import annotations

from collections.abc import Callable as _Callable
from collections.abc import Mapping as _Mapping
from typing import Any as _Any
from typing import NamedTuple as _NamedTuple

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.control.loops import while_loop as _while_loop
from tracegrad.core import get_aval as _get_aval
from tracegrad.core.exports import public_names as _public_names
from tracegrad.scipy._line_search import LineSearchResults as LineSearchResults
from tracegrad.scipy._line_search import line_search as line_search
from tracegrad.transforms.vjp import value_and_grad as _value_and_grad


class OptimizeResults(_NamedTuple):
    """The result of ``minimize`` (JAX's fields). ``status``: 0 converged, 1 ``maxiter``
    reached, 3 the line search failed (no descent direction: 4), -1 otherwise."""

    x: _Any
    success: _Any
    status: _Any
    fun: _Any
    jac: _Any
    hess_inv: _Any
    nfev: _Any
    njev: _Any
    nit: _Any


class _BFGSState(_NamedTuple):
    converged: _Any
    failed: _Any
    k: _Any
    nfev: _Any
    x: _Any
    f: _Any
    g: _Any
    h: _Any
    search_status: _Any


def minimize(
    fun: _Callable[..., _Any],
    x0: _Any,
    args: tuple[_Any, ...] = (),
    *,
    method: str,
    tol: float | None = None,
    options: _Mapping[str, _Any] | None = None,
) -> OptimizeResults:
    """Minimize the scalar ``fun(x, *args)`` over the 1-D ``x`` from ``x0``. ``method`` must
    be 'BFGS' (as in JAX); ``options``: ``maxiter`` (default ``200 * len(x0)``), ``norm``
    (of the gradient, default inf), ``gtol`` (default 1e-5; ``tol`` if given),
    ``line_search_maxiter`` (default 10).

    >>> res = minimize(lambda x: ((x - np.array([1.0, 2.0])) ** 2).sum(), np.zeros(2),
    ...                method="BFGS")
    >>> bool(res.success), res.x.round(6).tolist(), int(res.status)
    (True, [1.0, 2.0], 0)
    """
    if method.lower() != "bfgs":
        raise ValueError(f"Method {method} not recognized; tracegrad offers 'BFGS' (as JAX).")
    opts = dict(options or {})
    unknown = set(opts) - {"maxiter", "norm", "gtol", "line_search_maxiter"}
    if unknown:
        raise TypeError(f"minimize: unexpected options {sorted(unknown)} for method 'BFGS'.")
    aval = _get_aval(x0)
    if aval.ndim != 1:
        raise ValueError(f"x0 must be one-dimensional, got shape {aval.shape}.")
    n = aval.shape[0]
    maxiter = opts.get("maxiter", 200 * n)
    norm = opts.get("norm", np.inf)
    gtol = opts.get("gtol", 1e-5 if tol is None else tol)
    search_maxiter = opts.get("line_search_maxiter", 10)
    dtype = np.result_type(aval.dtype, np.float32)
    x0 = tnp.asarray(x0, dtype)

    def objective(x: _Any) -> _Any:
        return fun(x, *args)

    f0, g0 = _value_and_grad(objective)(x0)
    eye = np.eye(n, dtype=dtype)

    def body(s: _BFGSState) -> _BFGSState:
        p = -(s.h @ s.g)
        search = line_search(objective, s.x, p, s.f, None, s.g, maxiter=search_maxiter)
        step = search.a_k * p
        x = s.x + step
        y = search.g_k - s.g
        curvature = tnp.dot(y, step)
        usable = curvature != 0  # else (no step, or a flat direction) keep h
        rho = 1 / tnp.where(usable, curvature, 1)
        w = eye - rho * tnp.outer(step, y)
        h = w @ s.h @ w.T + rho * tnp.outer(step, step)
        h = tnp.where(usable & tnp.isfinite(rho), h, s.h)
        moved = ~search.failed
        return _BFGSState(
            converged=moved & (tnp.linalg.norm(search.g_k, ord=norm) < gtol),
            failed=search.failed,
            k=s.k + 1,
            nfev=s.nfev + search.nfev,
            x=tnp.where(moved, x, s.x),
            f=tnp.where(moved, tnp.asarray(search.f_k, dtype), s.f),
            g=tnp.where(moved, search.g_k, s.g),
            h=tnp.where(moved, h, s.h),
            search_status=search.status,
        )

    init = _BFGSState(
        converged=tnp.linalg.norm(g0, ord=norm) < gtol,
        failed=tnp.asarray(False),
        k=tnp.asarray(0, np.int32),
        nfev=tnp.asarray(1, np.int32),
        x=x0,
        f=tnp.asarray(f0, dtype),
        g=tnp.asarray(g0, dtype),
        h=eye,
        search_status=tnp.asarray(0, np.int32),
    )
    s = _while_loop(lambda s: ~s.converged & ~s.failed & (s.k < maxiter), body, init)
    status = tnp.where(
        s.converged,
        0,
        tnp.where(s.k >= maxiter, 1, tnp.where(s.failed, 2 + s.search_status, -1)),
    )
    return OptimizeResults(
        x=s.x,
        success=s.converged & ~s.failed,
        status=tnp.asarray(status, np.int32),
        fun=s.f,
        jac=s.g,
        hess_inv=s.h,
        nfev=s.nfev,
        njev=s.nfev,
        nit=s.k,
    )


__all__ = _public_names(globals())
