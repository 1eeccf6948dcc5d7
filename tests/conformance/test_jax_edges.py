"""Documented differences with JAX at non-smooth and edge points (SPEC 7): where the
derivative exists tracegrad returns it (JAX's pow rule gives nan at 0), at kinks the
minimum-norm subgradient (JAX picks a side), ties in max/min split evenly (as in JAX);
each test asserts both tracegrad's value and JAX's, so a change on either side shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from conformance.peers import JAX, TG, JaxReferences, Peer, api, assert_close, require


def derivs(P: Peer, f: Callable[..., Any], x: Any, order: int, argnums: Any = 0) -> list[Any]:
    """[f', f'', ...] up to ``order`` by nested grad (one argument)."""
    out, g = [], f
    for _ in range(order):
        g = P.grad(g, argnums)
        out.append(g(*x) if isinstance(x, tuple) else g(x))
    return out


@dataclass(frozen=True)
class Edge:
    """tracegrad's derivative at an edge point, and JAX's (documented, both asserted)."""

    name: str
    compute: Callable[[Peer], Any]
    needs: tuple[str, ...]
    tracegrad: Any
    jax: Any
    xfail: str = ""  # tracegrad does not give ``tracegrad`` yet: the bug, for the report

    def __str__(self) -> str:
        return self.name


NAN, INF = float("nan"), float("inf")
T3 = np.array([1.0, 3.0, 3.0])
EDGES = [
    # Where the derivative exists, tracegrad returns it; JAX's pow rule gives nan.
    Edge(
        "x**2 at 0 (orders 1-3)",
        lambda P: derivs(P, lambda x: x**2, 0.0, 3),
        ("Tracer.__pow__",),
        [0.0, 2.0, 0.0],
        [0.0, 2.0, 0.0],
    ),
    Edge(
        "x**2.0 at 0 (orders 1-3)",
        lambda P: derivs(P, lambda x: x**2.0, 0.0, 3),
        ("Tracer.__pow__",),
        [0.0, 2.0, 0.0],
        [0.0, 2.0, NAN],
    ),
    Edge(
        "x**0 at 0",
        lambda P: derivs(P, lambda x: x**0, 0.0, 2),
        ("Tracer.__pow__",),
        [0.0, 0.0],
        [0.0, 0.0],
    ),
    Edge(
        "x**0.0 at 0",
        lambda P: derivs(P, lambda x: x**0.0, 0.0, 2),
        ("Tracer.__pow__",),
        [0.0, 0.0],
        [NAN, NAN],
    ),
    Edge(
        "x**1.0 at 0",
        lambda P: derivs(P, lambda x: x**1.0, 0.0, 2),
        ("Tracer.__pow__",),
        [1.0, 0.0],
        [1.0, NAN],
    ),
    Edge(
        "power(x, 3.0) at 0 (orders 1-3)",
        lambda P: derivs(P, lambda x: P.xp.power(x, 3.0), 0.0, 3),
        ("power",),
        [0.0, 0.0, 6.0],
        [0.0, 0.0, 6.0],
    ),
    Edge(
        "power(x, y) at (0, 0)",
        lambda P: P.grad(P.xp.power, (0, 1))(0.0, 0.0),
        ("power",),
        (0.0, 0.0),
        (NAN, 0.0),
    ),
    Edge(
        "sinc at 0 (orders 1-3)",
        lambda P: derivs(P, P.xp.sinc, 0.0, 3),
        ("sinc",),
        [0.0, -(np.pi**2) / 3, 0.0],
        [0.0, -(np.pi**2) / 3, 0.0],
    ),
    # Kinks: tracegrad takes the minimum-norm subgradient; JAX picks a side.
    Edge("abs at 0", lambda P: derivs(P, P.xp.abs, 0.0, 2), ("abs",), [0.0, 0.0], [1.0, 0.0]),
    Edge("sign at 0", lambda P: derivs(P, P.xp.sign, 0.0, 1), ("sign",), [0.0], [0.0]),
    Edge(
        "linalg.norm at 0",
        lambda P: P.grad(P.xp.linalg.norm)(np.zeros(3)),
        ("linalg.norm",),
        np.zeros(3),
        np.full(3, NAN),
    ),
    Edge(
        "linalg.norm ord=1 at 0",
        lambda P: P.grad(lambda x: P.xp.linalg.norm(x, 1))(np.zeros(3)),
        ("linalg.norm",),
        np.zeros(3),
        np.ones(3),
    ),
    Edge(
        "linalg.norm fro at 0",
        lambda P: P.grad(P.xp.linalg.norm)(np.zeros((2, 2))),
        ("linalg.norm",),
        np.zeros((2, 2)),
        np.full((2, 2), NAN),
    ),
    Edge(
        "hypot at (0, 0)",
        lambda P: P.grad(P.xp.hypot, (0, 1))(0.0, 0.0),
        ("hypot",),
        (0.0, 0.0),
        (0.5, 0.5),
    ),
    Edge(
        "std of a constant",
        lambda P: P.grad(P.xp.std)(np.ones(3)),
        ("std",),
        np.zeros(3),
        np.full(3, NAN),
    ),
    Edge(
        "arctan2 at (0, 0)",
        lambda P: P.grad(P.xp.arctan2, (0, 1))(0.0, 0.0),
        ("arctan2",),
        (0.0, 0.0),
        (NAN, NAN),
    ),
    Edge(
        "logaddexp at (-inf, -inf)",
        lambda P: P.grad(P.xp.logaddexp, (0, 1))(-INF, -INF),
        ("logaddexp",),
        (0.5, 0.5),
        (NAN, NAN),
    ),
    Edge(
        "sort with ties",
        lambda P: P.grad(lambda x: P.xp.sum(P.xp.sort(x) * np.arange(1.0, 4.0)))(
            np.array([1.0, 1.0, 3.0])
        ),
        ("sort",),
        np.array([1.5, 1.5, 3.0]),
        np.array([1.0, 2.0, 3.0]),
    ),
    # Ties split evenly in both, for elementwise and reduction max/min.
    Edge(
        "maximum tie",
        lambda P: P.grad(P.xp.maximum, (0, 1))(1.0, 1.0),
        ("maximum",),
        (0.5, 0.5),
        (0.5, 0.5),
    ),
    Edge(
        "minimum tie",
        lambda P: P.grad(P.xp.minimum, (0, 1))(1.0, 1.0),
        ("minimum",),
        (0.5, 0.5),
        (0.5, 0.5),
    ),
    Edge(
        "relu as maximum(x, 0) at 0",
        lambda P: P.grad(lambda x: P.xp.maximum(x, 0.0))(0.0),
        ("maximum",),
        0.5,
        0.5,
    ),
    Edge(
        "fmax tie", lambda P: P.grad(P.xp.fmax, (0, 1))(1.0, 1.0), ("fmax",), (0.5, 0.5), (0.0, 1.0)
    ),
    Edge(
        "fmin tie", lambda P: P.grad(P.xp.fmin, (0, 1))(1.0, 1.0), ("fmin",), (0.5, 0.5), (0.0, 1.0)
    ),
    Edge(
        "max with ties",
        lambda P: P.grad(P.xp.max)(T3),
        ("max",),
        np.array([0.0, 0.5, 0.5]),
        np.array([0.0, 0.5, 0.5]),
    ),
    Edge(
        "min with a 3-way tie",
        lambda P: P.grad(P.xp.min)(np.full(3, 2.0)),
        ("min",),
        np.full(3, 1 / 3),
        np.full(3, 1 / 3),
    ),
    Edge(
        "amax along an axis with ties",
        lambda P: P.grad(lambda x: P.xp.sum(P.xp.amax(x, axis=0)))(
            np.array([[1.0, 3.0], [1.0, 2.0]])
        ),
        ("amax",),
        np.array([[0.5, 1.0], [0.5, 0.0]]),
        np.array([[0.5, 1.0], [0.5, 0.0]]),
    ),
    Edge(
        "ptp with ties",
        lambda P: P.grad(P.xp.ptp)(np.array([3.0, 3.0, 1.0, 1.0])),
        ("ptp",),
        np.array([0.5, 0.5, -0.5, -0.5]),
        np.array([0.5, 0.5, -0.5, -0.5]),
    ),
    Edge(
        "linalg.norm ord=inf with ties",
        lambda P: P.grad(lambda x: P.xp.linalg.norm(x, np.inf))(np.array([1.0, -1.0, 0.5])),
        ("linalg.norm",),
        np.array([0.5, -0.5, 0.0]),
        np.array([0.5, -0.5, 0.0]),
    ),
    Edge(
        "clip at its bounds",
        lambda P: (
            P.grad(lambda x: P.xp.clip(x, 0.0, 1.0))(0.0),
            P.grad(lambda x: P.xp.clip(x, 0.0, 1.0))(1.0),
        ),
        ("clip",),
        (0.5, 0.5),
        (0.5, 0.5),
    ),
    # Infinite derivatives are inf in both; 0 * inf is nan in both (the "where" trap).
    Edge("sqrt at 0", lambda P: P.grad(P.xp.sqrt)(0.0), ("sqrt",), INF, INF),
    Edge("cbrt at 0", lambda P: P.grad(P.xp.cbrt)(0.0), ("cbrt",), INF, INF),
    Edge("log at 0", lambda P: P.grad(P.xp.log)(0.0), ("log",), INF, INF),
    Edge(
        "where(x > 0, sqrt(x), 0) at 0",
        lambda P: P.grad(lambda x: P.xp.where(x > 0, P.xp.sqrt(x), 0.0))(0.0),
        ("where", "sqrt"),
        NAN,
        NAN,
    ),
]


def _special(P: Peer, name: str) -> Any:
    return api(P.xp, f"scipy.special.{name}")


EDGES += [
    # Overflow: tracegrad's derivatives stay exact where JAX's rules overflow.
    Edge(
        "logaddexp(x, inf) with respect to x",
        lambda P: P.grad(lambda x: P.xp.logaddexp(x, INF))(1.0),
        ("logaddexp",),
        0.0,
        np.e,
    ),
    Edge(
        "hypot(x, 1e300) at x = 1e300",
        lambda P: P.grad(lambda x: P.xp.hypot(x, 1e300))(1e300),
        ("hypot",),
        np.sqrt(0.5),
        1.5 * np.sqrt(0.5),
    ),
    Edge(
        "std(ddof=1) of two equal values",
        lambda P: P.grad(lambda x: P.xp.std(P.xp.stack([x, x]), ddof=1))(1.0),
        ("std", "stack"),
        0.0,
        NAN,
    ),
    Edge("nn.relu at 0", lambda P: P.grad(api(P.xp, "nn.relu"))(0.0), ("tg.nn.relu",), 0.0, 0.0),
    Edge(
        "xlogy(0, y) with respect to y at 0",
        lambda P: P.grad(lambda y: _special(P, "xlogy")(0.0, y))(0.0),
        ("tg.scipy.special.xlogy",),
        0.0,
        NAN,
        xfail="xlogy(0, y) is 0 for every y, so its derivative in y is 0 (SPEC 7: where the "
        "derivative exists, return it); tracegrad gives nan, as JAX does",
    ),
    Edge(
        "logit at 0",
        lambda P: P.grad(_special(P, "logit"))(0.0),
        ("tg.scipy.special.logit",),
        INF,
        INF,
        xfail="d/dx logit(x) = 1/(x(1-x)) is +inf at 0 (SPEC 7: infinite derivatives are inf, "
        "as JAX gives); tracegrad gives nan",
    ),
]
EDGE_REFS = JaxReferences(lambda e: ((lambda: e.compute(JAX)), []))


@pytest.mark.parametrize(
    "edge",
    [
        pytest.param(e, marks=[pytest.mark.xfail(strict=True, reason=e.xfail)] if e.xfail else [])
        for e in EDGES
    ],
    ids=str,
)
def test_edge_points(edge: Edge) -> None:
    """Documented: tracegrad's derivative at the point is ``edge.tracegrad``; JAX's (asserted
    too, so a change in JAX is noticed) is ``edge.jax``."""
    require(*edge.needs)
    jax_got = EDGE_REFS.get(edge, EDGES)
    with np.errstate(all="ignore"):
        got = edge.compute(TG)
    assert_close(got, edge.tracegrad, what=f"tracegrad at {edge}", check_dtype=False)
    assert_close(jax_got, edge.jax, what=f"jax at {edge}", check_dtype=False)
