"""``autograd.scipy.integrate.odeint(func, y0, t, args=(), **kwargs)``.

SciPy's ``odeint`` runs on concrete values (``primitive``); the gradient in ``y0``, ``t``
and ``args`` (any pytree of arrays) is the adjoint method: the augmented system
``[y, a, a_args]`` is integrated back from ``t[-1]`` with SciPy's ``odeint`` too, and
``func``'s vjps come from ``make_vjp``. First order and eager, as autograd's.

>>> import tracegrad.compat.autograd.numpy as anp
>>> from tracegrad.compat.autograd import grad
>>> decay = lambda y, t, k: -k * y
>>> t = anp.array([0.0, 1.0])
>>> ys = odeint(decay, anp.array([1.0]), t, args=(0.5,))
>>> round(float(ys[1, 0]), 6)                      # exp(-0.5)
0.606531
>>> g = grad(lambda k: odeint(decay, anp.array([1.0]), t, args=(k,))[1, 0])(0.5)
>>> round(float(g), 5)                             # -t exp(-k t)
-0.60653
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.compat.autograd._operators import make_vjp
from tracegrad.compat.autograd.extend import defvjp_argnum, primitive
from tracegrad.flatten_util import ravel_pytree

__doctest_requires__ = ("scipy",)  # the examples run SciPy's odeint (conftest.py)

Fn = Callable[..., Any]


def _scipy_odeint() -> Fn:
    try:
        integrate = importlib.import_module("scipy.integrate")
    except ImportError as e:
        raise ImportError(
            "autograd.scipy.integrate.odeint runs SciPy's odeint: install scipy (pip install scipy)"
        ) from e
    solve: Fn = integrate.odeint
    return solve


@primitive
def _odeint_flat(
    func: Fn, y0: Any, t: Any, flat_args: Any, unravel: Fn, kwargs: dict[str, Any]
) -> Any:
    def rhs(y: Any, time: Any) -> Any:
        return np.asarray(func(y, time, *unravel(flat_args)), dtype=float)

    return _scipy_odeint()(rhs, np.asarray(y0, float), np.asarray(t, float), **kwargs)


def _adjoint(ans: Any, func: Fn, y0: Any, t: Any, flat_args: Any, unravel: Fn, kw: Any) -> Any:
    """The cotangents of ``(y0, t, flat_args)`` for cotangent ``g`` of the solution."""
    ans, t, flat_args = np.asarray(ans), np.asarray(t, float), np.asarray(flat_args, float)
    n, p = ans.shape[1], flat_args.size

    def f(y: Any, time: Any, flat: Any) -> Any:
        return func(y, time, *unravel(flat))

    def augmented(state: Any, time: Any) -> Any:
        y, a = state[:n], state[n : 2 * n]
        vjp, dy = make_vjp(f, (0, 2))(y, time, flat_args)
        a_y, a_args = vjp(-a)
        return np.concatenate([np.asarray(dy), np.asarray(a_y), np.asarray(a_args)])

    def vjp(g: Any) -> tuple[Any, Any, Any]:
        g = np.asarray(g)
        ct_t = np.array([g[i] @ np.asarray(f(ans[i], t[i], flat_args)) for i in range(len(t))])
        a, a_args = g[-1].copy(), np.zeros(p)
        for i in range(len(t) - 1, 0, -1):
            state = np.concatenate([ans[i], a, a_args])
            back = _scipy_odeint()(augmented, state, np.array([t[i], t[i - 1]]), **kw)[1]
            a, a_args = back[n : 2 * n] + g[i - 1], back[2 * n :]
        ct_t[0] = -(a - g[0]) @ np.asarray(f(ans[0], t[0], flat_args))
        return a, ct_t, a_args

    return vjp


def _odeint_vjp(argnum: int, ans: Any, args: Any, kwargs: Any) -> Fn:
    func, y0, t, flat_args, unravel, kw = args
    full = _adjoint(ans, func, y0, t, flat_args, unravel, kw)
    position = {1: 0, 2: 1, 3: 2}
    if argnum not in position:
        raise NotImplementedError(f"VJP of odeint wrt argnum {argnum} not defined")
    return lambda g: tnp.asarray(full(g)[position[argnum]])


defvjp_argnum(_odeint_flat, _odeint_vjp)


def odeint(func: Fn, y0: Any, t: Any, args: Any = (), **kwargs: Any) -> Any:
    """Solve ``dy/dt = func(y, t, *args)`` at times ``t`` from ``y0`` (rows: times)."""
    flat_args, unravel = ravel_pytree(tuple(args))
    return _odeint_flat(func, y0, t, flat_args, unravel, kwargs)
