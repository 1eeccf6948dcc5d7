"""Testing helpers: ``check_grads`` compares derivatives with finite differences and
forward with reverse mode, recursively to any order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import pytree
from tracegrad.core.dtypes import float0, is_inexact
from tracegrad.transforms.jvp import jvp
from tracegrad.transforms.vjp import vjp

__all__ = ["check_grads", "check_jvp", "check_vjp", "numerical_jvp"]

_DEFAULT_TOL: dict[np.dtype[Any], float] = {
    np.dtype(np.float16): 1e-1,
    np.dtype(np.float32): 2e-2,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 2e-2,
    np.dtype(np.complex128): 1e-5,
}
_DEFAULT_EPS: dict[np.dtype[Any], float] = {
    np.dtype(np.float16): 1e-1,
    np.dtype(np.float32): 1e-2,
    np.dtype(np.float64): 1e-5,
    np.dtype(np.complex64): 1e-2,
    np.dtype(np.complex128): 1e-5,
}


def _tol(dtypes: Sequence[np.dtype[Any]], table: dict[np.dtype[Any], float]) -> float:
    return max((table.get(d, 1e-5) for d in dtypes), default=1e-5)


def _leaves(tree: Any) -> list[np.ndarray]:
    return [np.asarray(x) for x in pytree.tree_leaves(tree)]


def _random_like(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    if not is_inexact(x.dtype):  # integer and boolean values have float0 tangents
        return np.zeros(x.shape, float0)
    if x.dtype.kind == "c":
        return (rng.standard_normal(x.shape) + 1j * rng.standard_normal(x.shape)).astype(x.dtype)
    return rng.standard_normal(x.shape).astype(x.dtype)


def _add_scaled(x: np.ndarray, t: np.ndarray, eps: float) -> np.ndarray:
    return (
        x.astype(np.result_type(x, np.float64) if x.dtype.kind != "c" else np.complex128) + eps * t
    ).astype(x.dtype)


def _conj(x: Any) -> Any:
    return np.conj(x) if np.iscomplexobj(x) else x


def _inner(xs: Sequence[np.ndarray], ys: Sequence[np.ndarray]) -> float:
    return float(
        sum(
            np.real(np.vdot(np.asarray(x, np.complex128), np.asarray(y, np.complex128)))
            for x, y in zip(xs, ys, strict=True)
            if x.dtype != float0 and y.dtype != float0
        )
    )


def _assert_close(name: str, got: Any, want: Any, atol: float, rtol: float) -> None:
    g, w = _leaves(got), _leaves(want)
    for gi, wi in zip(g, w, strict=True):
        if gi.dtype == float0:  # an integer or boolean output: no derivative to compare
            continue
        np.testing.assert_allclose(
            gi.astype(np.complex128),
            wi.astype(np.complex128),
            atol=atol,
            rtol=rtol,
            err_msg=f"{name} mismatch",
        )


def numerical_jvp(
    f: Callable[..., Any], args: Sequence[Any], tangents: Sequence[Any], eps: float
) -> Any:
    """Central finite difference of ``f`` at ``args`` along ``tangents``."""
    plus = f(*[_add_scaled(x, t, eps) for x, t in zip(args, tangents, strict=True)])
    minus = f(*[_add_scaled(x, t, -eps) for x, t in zip(args, tangents, strict=True)])

    def difference(p: Any, m: Any) -> np.ndarray:
        if not is_inexact(np.asarray(p).dtype):  # integer, boolean or float0 outputs
            return np.zeros(np.shape(p), float0)
        return (np.asarray(p, np.complex128) - np.asarray(m, np.complex128)) / (2 * eps)

    return pytree.tree_map(difference, plus, minus)


def check_jvp(
    f: Callable[..., Any],
    args: Sequence[Any],
    *,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``jvp(f)`` against a central finite difference along a random direction."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in args]
    dtypes = [a.dtype for a in arrays if is_inexact(a.dtype)]
    atol = _tol(dtypes, _DEFAULT_TOL) if atol is None else atol
    rtol = _tol(dtypes, _DEFAULT_TOL) if rtol is None else rtol
    eps = _tol(dtypes, _DEFAULT_EPS) if eps is None else eps
    tangents = [_random_like(rng, a) for a in arrays]
    _, t_out = jvp(f, tuple(arrays), tuple(tangents))
    want = numerical_jvp(f, arrays, tangents, eps)
    _assert_close("JVP", t_out, want, atol, rtol)


def check_vjp(
    f: Callable[..., Any],
    args: Sequence[Any],
    *,
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
    seed: int = 0,
) -> None:
    """Check ``vjp(f)`` against finite differences: ``<u, J v> == <J^T u, v>`` for random
    u, v, with ``J v`` computed numerically."""
    rng = np.random.default_rng(seed)
    arrays = [np.asarray(a) for a in args]
    dtypes = [a.dtype for a in arrays if is_inexact(a.dtype)]
    atol = _tol(dtypes, _DEFAULT_TOL) if atol is None else atol
    rtol = _tol(dtypes, _DEFAULT_TOL) if rtol is None else rtol
    eps = _tol(dtypes, _DEFAULT_EPS) if eps is None else eps
    tangents = [_random_like(rng, a) for a in arrays]
    out, f_vjp = vjp(f, *arrays)
    _assert_close("primal output of vjp", out, f(*arrays), atol, rtol)
    t_out = numerical_jvp(f, arrays, tangents, eps)
    cts = pytree.tree_map(lambda o: _random_like(rng, np.asarray(o)), out)
    # JAX's convention: the vjp of a complex function is the transpose, not the adjoint,
    # of its jvp; conjugating on the way in and out gives the adjoint for any dtype.
    cts_in = pytree.tree_map(_conj, f_vjp(pytree.tree_map(_conj, cts)))
    lhs = _inner(_leaves(cts), _leaves(t_out))
    rhs = _inner(_leaves(cts_in), tangents)
    scale = max(1.0, abs(lhs), abs(rhs))
    if abs(lhs - rhs) > atol * scale + rtol * scale:
        raise AssertionError(f"VJP mismatch: <ct, J t> = {lhs!r} but <J^T ct, t> = {rhs!r}")


def check_grads(
    f: Callable[..., Any],
    args: Sequence[Any],
    order: int,
    modes: Sequence[str] = ("fwd", "rev"),
    atol: float | None = None,
    rtol: float | None = None,
    eps: float | None = None,
) -> None:
    """Check derivatives of ``f`` at ``args`` up to ``order``, in forward and reverse mode.

    >>> import tracegrad.numpy as tnp
    >>> check_grads(tnp.sin, (np.array([0.5, 1.0]),), order=2)
    """
    leaves, treedef = pytree.tree_flatten(tuple(args))
    if any(not isinstance(a, np.ndarray | np.generic | float | int | complex) for a in args):
        # Pytree arguments (tuples, dicts, ...): check the function of their leaves.
        def flat_f(*xs: Any) -> Any:
            return f(*pytree.tree_unflatten(treedef, list(xs)))

        check_grads(flat_f, leaves, order, modes, atol, rtol, eps)
        return
    args = tuple(np.asarray(a) for a in args)
    if "fwd" in modes:
        check_jvp(f, args, atol=atol, rtol=rtol, eps=eps)
    if "rev" in modes:
        check_vjp(f, args, atol=atol, rtol=rtol, eps=eps)
    if order <= 1:
        return
    rng = np.random.default_rng(order)
    if "fwd" in modes:
        tangents = tuple(_random_like(rng, a) for a in args)
        check_grads(lambda *xs: jvp(f, xs, tangents)[1], args, order - 1, ("fwd",), atol, rtol, eps)
    if "rev" in modes:
        out = f(*args)
        cts = pytree.tree_map(lambda o: _random_like(rng, np.asarray(o)), out)
        check_grads(lambda *xs: vjp(f, *xs)[1](cts), args, order - 1, ("rev",), atol, rtol, eps)
