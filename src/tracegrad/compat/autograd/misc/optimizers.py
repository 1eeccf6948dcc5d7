"""``autograd.misc.optimizers``: sgd, rmsprop and adam with autograd's arguments.

``grad(x, i)`` gives the gradient at iteration ``i``; ``x0`` may be any nesting of tuples,
lists and dicts of arrays (flattened for the update, as autograd); ``callback(x, i, g)``
runs before each update. The updates are autograd's, step for step.

>>> grad = lambda x, i: 2.0 * x
>>> adam(grad, np.array([1.0]), num_iters=3, step_size=0.1)
array([0.70158627])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.compat.autograd.misc.flatten import flatten

Grad = Callable[[Any, int], Any]
Callback = Callable[[Any, int, Any], Any] | None


def _on_flat(update: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``update`` on the flattened ``x0``; ``grad`` and ``callback`` see the original
    structure."""

    @functools.wraps(update)
    def optimize(grad: Grad, x0: Any, callback: Callback = None, *args: Any, **kwargs: Any) -> Any:
        flat0, unflatten = flatten(x0)

        def flat_grad(x: Any, i: int) -> np.ndarray:
            return np.asarray(flatten(grad(unflatten(x), i))[0])

        flat_callback = None
        if callback is not None:
            cb = callback

            def flat_callback(x: Any, i: int, g: Any) -> Any:
                return cb(unflatten(x), i, unflatten(g))

        x = update(flat_grad, np.asarray(flat0), flat_callback, *args, **kwargs)
        return unflatten(x)

    return optimize


def _loop(
    grad: Grad, x: Any, callback: Callback, num_iters: int, update: Callable[..., Any]
) -> Any:
    """autograd's loop: the gradient, then ``callback(x, i, g)``, then ``x = update(x, g, i)``."""
    for i in range(num_iters):
        g = grad(x, i)
        if callback:
            callback(x, i, g)
        x = update(x, g, i)
    return x


@_on_flat
def sgd(
    grad: Grad,
    x: Any,
    callback: Callback = None,
    num_iters: int = 200,
    step_size: float = 0.1,
    mass: float = 0.9,
) -> Any:
    """Stochastic gradient descent with momentum ``mass``."""
    velocity = np.zeros(len(x))

    def update(x: Any, g: Any, i: int) -> Any:
        nonlocal velocity
        velocity = mass * velocity - (1.0 - mass) * g
        return x + step_size * velocity

    return _loop(grad, x, callback, num_iters, update)


@_on_flat
def rmsprop(
    grad: Grad,
    x: Any,
    callback: Callback = None,
    num_iters: int = 100,
    step_size: float = 0.1,
    gamma: float = 0.9,
    eps: float = 10**-8,
) -> Any:
    """Root-mean-square propagation (the running mean of squares starts at ones)."""
    avg_sq_grad = np.ones(len(x))

    def update(x: Any, g: Any, i: int) -> Any:
        nonlocal avg_sq_grad
        avg_sq_grad = avg_sq_grad * gamma + g**2 * (1 - gamma)
        return x - step_size * g / (np.sqrt(avg_sq_grad) + eps)

    return _loop(grad, x, callback, num_iters, update)


@_on_flat
def adam(
    grad: Grad,
    x: Any,
    callback: Callback = None,
    num_iters: int = 100,
    step_size: float = 0.001,
    b1: float = 0.9,
    b2: float = 0.999,
    eps: float = 10**-8,
) -> Any:
    """Adam (Kingma and Ba), with bias-corrected moment estimates."""
    m = np.zeros(len(x))
    v = np.zeros(len(x))

    def update(x: Any, g: Any, i: int) -> Any:
        nonlocal m, v
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * (g**2) + b2 * v
        mhat = m / (1 - b1 ** (i + 1))
        vhat = v / (1 - b2 ** (i + 1))
        return x - step_size * mhat / (np.sqrt(vhat) + eps)

    return _loop(grad, x, callback, num_iters, update)
