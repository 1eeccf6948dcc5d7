"""``autograd.misc.fixed_points.fixed_point(f, a, x0, distance, tol)``.

Iterates ``x = f(a)(x)`` from ``x0`` until ``distance(x, x_prev) <= tol``; its gradient in
``a`` solves the adjoint fixed point ``w = g + vjp_x(w)`` the same way (implicit
differentiation), as autograd. The iterations run on concrete values (not under ``jit``).
Under grad of grad, the adjoint iteration is differentiated as the loop it ran, where
autograd solves a second adjoint fixed point: both approximate the exact value to about
``tol``, not to the same digits.

>>> from tracegrad.compat.autograd import grad
>>> sqrt = lambda a: fixed_point(lambda a: lambda x: 0.5 * (x + a / x), a, 1.0,
...                              lambda x, y: abs(x - y), 1e-12)
>>> round(float(sqrt(2.0)), 10), round(float(grad(sqrt)(2.0)), 10)
(1.4142135624, 0.3535533906)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tracegrad.numpy as tnp
from tracegrad.compat.autograd._operators import make_vjp
from tracegrad.compat.autograd.extend import defvjp, primitive

Fn = Callable[..., Any]


def _iterate(step: Fn, x0: Any, distance: Fn, tol: float) -> Any:
    x, x_prev = step(x0), x0
    while distance(x, x_prev) > tol:
        x, x_prev = step(x), x
    return x


@primitive
def fixed_point(f: Fn, a: Any, x0: Any, distance: Fn, tol: float) -> Any:
    """The fixed point of ``f(a)`` reached from ``x0``."""
    return _iterate(f(a), x0, distance, tol)


def _fixed_point_vjp(ans: Any, f: Fn, a: Any, x0: Any, distance: Fn, tol: float) -> Fn:
    vjp_x, _ = make_vjp(f(a))(ans)
    vjp_a, _ = make_vjp(lambda a: f(a)(ans))(a)

    def vjp(g: Any) -> Any:
        w = _iterate(lambda w: vjp_x(w) + g, tnp.zeros_like(ans), distance, tol)
        return vjp_a(w)

    return vjp


defvjp(fixed_point, None, _fixed_point_vjp, None)
