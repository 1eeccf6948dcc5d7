"""The strong Wolfe line search of ``torch.optim.LBFGS(line_search_fn="strong_wolfe")``:
bracketing, then zooming by safeguarded cubic interpolation (Nocedal and Wright, algorithms
3.5 and 3.6, in the variant of Schmidt's minFunc that PyTorch follows), with PyTorch's
constants and step rules so that a run takes the steps PyTorch takes.

Scalars that PyTorch keeps as 0-d float32 tensors (directional derivatives, steps derived
from them) are NumPy float32 scalars here, so comparisons round as PyTorch's do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

Array = np.ndarray[Any, Any]
# f(t): the loss and the flat gradient at x + t * d (the parameters are restored after).
Directional = Callable[[Any], tuple[float, Array]]


def cubic_minimum(
    x1: Any, f1: Any, g1: Any, x2: Any, f2: Any, g2: Any, bounds: tuple[Any, Any] | None = None
) -> Any:
    """The minimiser of the cubic through ``(x1, f1)`` and ``(x2, f2)`` with slopes ``g1``
    and ``g2``, clipped to ``bounds`` (default: between ``x1`` and ``x2``); the middle of the
    bounds when the cubic has no minimum.

    >>> float(cubic_minimum(0.0, 1.0, -1.0, 2.0, 1.0, 1.0))  # the parabola (t - 1)^2
    1.0
    """
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2
    d2 = np.sqrt(disc)
    if x1 <= x2:
        t = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        t = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(t, lo), hi)


class _Point:
    """A trial step: ``t``, the loss, the flat gradient and the directional derivative."""

    __slots__ = ("f", "g", "gtd", "t")

    def __init__(self, t: Any, f: Any, g: Array, gtd: Any) -> None:
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def strong_wolfe(
    evaluate: Directional,
    t: Any,
    d: Array,
    f: float,
    g: Array,
    gtd: Any,
    *,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Array, Any, int]:
    """A step ``t`` along ``d`` from the point with loss ``f``, gradient ``g`` and
    directional derivative ``gtd`` satisfying the strong Wolfe conditions (or the best
    found within ``max_ls`` evaluations). Returns ``(loss, gradient, t, evaluations)``.

    >>> def evaluate(t):  # f(x) = (x - 3)^2 from x = 0 along d = 1
    ...     return (t - 3.0) ** 2, np.array([2 * (t - 3.0)], np.float32)
    >>> f, g, t, n = strong_wolfe(evaluate, 0.1, np.ones(1, np.float32), 9.0,
    ...                           np.array([-6.0], np.float32), np.float32(-6.0))
    >>> float(t), n  # 0.1 is too short; the next step is at most 10 times as long
    (1.0, 2)
    """
    d_norm = np.abs(d).max()
    start = _Point(0, f, g, gtd)
    f_new, g_new = evaluate(t)
    evals = 1
    new = _Point(t, f_new, g_new, g_new.dot(d))
    prev = start
    bracket: list[_Point] | None = None
    done = False
    ls_iter = 0
    # Bracketing: grow the step until an interval surely holds an acceptable one.
    while ls_iter < max_ls:
        if new.f > f + c1 * new.t * gtd or (ls_iter > 1 and new.f >= prev.f):
            bracket = [prev, new]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [prev, new]
            break
        lo, hi = new.t + 0.01 * (new.t - prev.t), new.t * 10
        t = cubic_minimum(prev.t, prev.f, prev.gtd, new.t, new.f, new.gtd, bounds=(lo, hi))
        prev = new
        f_new, g_new = evaluate(t)
        evals += 1
        new = _Point(t, f_new, g_new, g_new.dot(d))
        ls_iter += 1
    if ls_iter == max_ls or bracket is None:
        bracket = [start, new]
    if done:
        return new.f, new.g, new.t, evals
    # Zooming: shrink the bracket by cubic steps kept away from its ends.
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient = False
    while ls_iter < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break
        t = cubic_minimum(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        top, bottom = max(a.t, b.t), min(a.t, b.t)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals += 1
        new = _Point(t, f_new, g_new, g_new.dot(d))
        ls_iter += 1
        if new.f > f + c1 * t * gtd or new.f >= bracket[low].f:
            bracket[high] = new
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = new
        if done:
            break
    best = bracket[low]
    return best.f, best.g, best.t, evals
