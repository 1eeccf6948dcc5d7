"""The differential fuzz test against jax.numpy (test_jax_differential.py's machinery: eager
and traced values, dtypes, jvp, grad and higher derivatives of a smooth scalarization) over
the functions added toward ``dir(jax.numpy)`` (issue 12, item 3): the nan-family, quantiles,
statistics, interpolation, polynomials, set operations, element editing, index helpers and
the array-API names.

Deliberate differences are handled where they are drawn: where NumPy's result dtype differs
from JAX's (``cov``, ``corrcoef``, ``interp``, ``vander``, ``polyfit``, weighted
``bincount``: float64 in NumPy; see docs/decisions.md), the call is drawn in float64; where
NumPy's signature differs (``put`` and friends in place, ``bincount``'s ``length``), each
peer is called in its own spelling (``by_peer``); set operations are compared with ``size=``
(JAX's derivative without ``size=`` is zero, its values then being constants).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.differential import (
    ANY,
    F32,
    F64,
    POS,
    RSHAPES,
    Call,
    check,
    draw_axis,
    seeded,
    uniform,
)
from conformance.peers import jnp

Spec = tuple[str, Callable[..., Any], list[np.ndarray], int]

# A quarter of the profile's examples (2 in CI): each family's JAX program is large.
FEW = settings(max_examples=max(2, settings.default.max_examples // 4))


def with_nans(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """``x`` with NaNs at about a sixth of its entries, never a whole line along any axis
    (their index sums are multiples of 3, which no run of 2 or more neighbours is)."""
    idx = np.indices(x.shape).sum(axis=0)
    out = x.copy()
    out[(idx % 3 == 0) & (rng.random(x.shape) < 0.5)] = np.nan
    return out


NAN_REDUCTIONS = ["nansum", "nanprod", "nanmax", "nanmin", "nanmean", "nanvar", "nanstd"]


@FEW
@given(data=st.data())
def test_nan_functions(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for name in [*NAN_REDUCTIONS, "nanargmax", "nanargmin", "nancumsum", "nancumprod"]:
        shape = data.draw(st.sampled_from(RSHAPES), f"{name} shape")
        single = name.startswith(("nanarg", "nancum"))
        kw: dict[str, Any] = {"axis": draw_axis(data, len(shape), f"{name} axis", not single)}
        if not name.startswith("nancum") and data.draw(st.booleans(), f"{name} keepdims"):
            kw["keepdims"] = True
        if name in ("nanvar", "nanstd"):
            kw["ddof"] = data.draw(st.sampled_from([0, 1]), f"{name} ddof")
        dom = (0.5, 1.5) if "prod" in name else ANY
        x = with_nans(rng, uniform(rng, shape, dom, dtype))
        order = 0 if name.startswith("nanarg") else 3
        calls.append(
            Call(
                f"{name}(x, **{kw})",
                lambda xp, a, n=name, k=kw: getattr(xp, n)(a, **k),
                [x],
                order,
                rng,
            )
        )
    check(calls)


QUANTILE_METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf"]


@FEW
@given(data=st.data())
def test_quantiles(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for name in ["quantile", "percentile", "nanquantile", "nanpercentile"]:
        shape = data.draw(st.sampled_from(RSHAPES), f"{name} shape")
        method = data.draw(st.sampled_from(QUANTILE_METHODS), f"{name} method")
        axis = draw_axis(data, len(shape), f"{name} axis")
        keep = data.draw(st.booleans(), f"{name} keepdims")
        top = 100.0 if "percentile" in name else 1.0
        q_shape = data.draw(st.sampled_from([(), (3,)]), "q shape")
        # q in x's dtype: a float64 q makes NumPy's result float64 (JAX's stays float32).
        q = np.asarray(rng.uniform(0.02, 0.98, size=q_shape) * top, dtype)
        x = uniform(rng, shape, ANY, dtype)
        if name.startswith("nan"):
            x = with_nans(rng, x)
        kw = {"axis": axis, "method": method, "keepdims": keep}
        calls.append(
            Call(
                f"{name}(x, q, **{kw})",
                lambda xp, a, n=name, q=q, k=kw: getattr(xp, n)(a, q, **k),
                [x],
                2,
                rng,
            )
        )
    x = uniform(rng, (3, 5), ANY, F64)
    calls.append(
        Call(
            "quantile(x, traced q)",
            lambda xp, a, q: xp.quantile(a, q, axis=1),
            [x, rng.uniform(0.05, 0.95, 4)],
            3,
            rng,
        )
    )
    for name in ["median", "nanmedian"]:
        shape = data.draw(st.sampled_from(RSHAPES), f"{name} shape")
        axis = draw_axis(data, len(shape), f"{name} axis")
        x = uniform(rng, shape, ANY, dtype)
        if name == "nanmedian":
            x = with_nans(rng, x)
        calls.append(
            Call(
                f"{name}(x, axis={axis})",
                lambda xp, a, n=name, ax=axis: getattr(xp, n)(a, axis=ax),
                [x],
                3,
                rng,
            )
        )
    check(calls)


def _bincount(xp: Any, w: Any, ids: np.ndarray) -> Any:
    return (
        xp.bincount(ids, weights=w, length=7)
        if xp is jnp
        else xp.bincount(ids, weights=w, minlength=7)
    )


@FEW
@given(data=st.data())
def test_statistics_and_interpolation(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    u = lambda shape, dom=ANY, dt=dtype: uniform(rng, shape, dom, dt)
    rowvar = data.draw(st.booleans(), "rowvar")
    m = u((3, 6) if rowvar else (6, 3), dt=F64)
    cov_kw = data.draw(
        st.sampled_from(
            [{}, {"bias": True}, {"ddof": 2}, {"aweights": "a"}, {"fweights": "f", "aweights": "a"}]
        ),
        "cov keywords",
    )
    kw = {
        k: (rng.integers(1, 4, 6) if v == "f" else rng.uniform(0.5, 2.0, 6))
        for k, v in cov_kw.items()
    }
    ids = rng.integers(0, 6, 9)
    xp_ = np.sort(rng.uniform(-2.0, 2.0, 6))
    period = data.draw(st.sampled_from([None, 2.5]), "interp period")
    edges = np.sort(rng.uniform(-2.0, 2.0, 5))
    specs: list[Spec] = [
        (
            f"cov(m, rowvar={rowvar}, **{cov_kw})",
            lambda xp, a: xp.cov(a, rowvar=rowvar, **kw),
            [m],
            3,
        ),
        ("cov(x, y)", lambda xp, a, b: xp.cov(a, b), [u((2, 5), dt=F64), u((5,), dt=F64)], 3),
        (f"corrcoef(m, rowvar={rowvar})", lambda xp, a: xp.corrcoef(a, rowvar=rowvar), [m], 2),
        ("bincount(ids, weights=w)", lambda xp, w: _bincount(xp, w, ids), [u((9,), dt=F64)], 3),
        (
            "histogram(x, 4, weights=w)",
            lambda xp, w: xp.histogram(edges.mean() + edges.std() * ids, 4, weights=w),
            [u((9,), dt=F64)],
            3,
        ),
        (
            "histogram(x, bins=edges, density=True)",
            lambda xp, e: xp.histogram(ids * 0.5 - 1.5, bins=e, density=True)[0],
            [edges],
            3,
        ),
        (
            "digitize",
            lambda xp: (
                # JAX's digitize is int32 under x64, NumPy's intp: compared as int64.
                xp.digitize(ids * 0.5 - 1.5, edges).astype(np.int64),
                xp.digitize(ids * 0.5 - 1.5, edges[::-1], right=True).astype(np.int64),
            ),
            [],
            0,
        ),
        (
            f"interp(x, xp, fp, period={period})",
            lambda xp, a, b, c: xp.interp(a, b, c, period=period),
            [u((7,), (-3.0, 3.0), F64), xp_, u((6,), dt=F64)],
            3,
        ),
        (
            "interp(x, xp, fp, left, right)",
            lambda xp, a, c: xp.interp(a, xp_, c, left=-5.0, right=5.0),
            [u((7,), (-3.0, 3.0), F64), u((6,), dt=F64)],
            3,
        ),
        ("trapezoid(y, axis=0)", lambda xp, a: xp.trapezoid(a, axis=0), [u((4, 3))], 3),
        (
            "trapezoid(y, x)",
            lambda xp, a, b: xp.trapezoid(a, b),
            [u((2, 4)), np.cumsum(u((4,), POS))],
            3,
        ),
        ("trapezoid(y, dx=0.5)", lambda xp, a: xp.trapezoid(a, dx=0.5), [u((5,))], 3),
        (
            "ediff1d",
            lambda xp, a: xp.ediff1d(a, to_begin=np.array([1.0]), to_end=np.array([2.0, 3.0])),
            [u((2, 3))],
            3,
        ),
        ("unwrap(3 x, axis=0)", lambda xp, a: xp.unwrap(3 * a, axis=0), [u((4, 3))], 3),
        ("unwrap(x, period=1.5)", lambda xp, a: xp.unwrap(a, period=1.5), [u((6,))], 3),
        (
            "cumulative_sum(include_initial)",
            lambda xp, a: xp.cumulative_sum(a, axis=1, include_initial=True),
            [u((2, 3))],
            3,
        ),
        ("cumulative_prod", lambda xp, a: xp.cumulative_prod(a, axis=0), [u((3, 2), POS)], 3),
    ]
    check([Call(label, f, args, order, rng) for label, f, args, order in specs])


@FEW
@given(data=st.data())
def test_polynomials(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    u = lambda shape, dom=ANY, dt=dtype: uniform(rng, shape, dom, dt)
    n1, n2 = data.draw(st.integers(1, 5), "n1"), data.draw(st.integers(1, 4), "n2")
    deg = data.draw(st.integers(0, 3), "deg")
    m = data.draw(st.integers(0, 3), "m")
    specs: list[Spec] = [
        ("polyval", lambda xp, p, x: xp.polyval(p, x), [u((n1,)), u((2, 3))], 3),
        ("polyadd", lambda xp, a, b: xp.polyadd(a, b), [u((n1,)), u((n2,))], 3),
        ("polysub", lambda xp, a, b: xp.polysub(a, b), [u((n1,)), u((n2,))], 3),
        ("polymul", lambda xp, a, b: xp.polymul(a, b), [u((n1,)), u((n2,))], 3),
        (f"polyder(p, {m})", lambda xp, p: xp.polyder(p, m), [u((n1,))], 3),
        # JAX wants exactly m constants (NumPy: at least m).
        (
            f"polyint(p, {m + 1}, k=...)",
            lambda xp, p, k: xp.polyint(p, m + 1, k=k),
            [u((n1,)), u((m + 1,))],
            3,
        ),
        ("poly(roots)", lambda xp, r: xp.poly(r), [u((n1,))], 3),
        (
            f"vander(x, {n2}, increasing)",
            lambda xp, x: xp.vander(x, n2, increasing=True),
            [u((4,), dt=F64)],
            3,
        ),
        (
            f"polyfit(x, y, {deg})",
            lambda xp, x, y: xp.polyfit(x, y, deg),
            [np.linspace(-1, 1, 6) + u((6,), (-0.1, 0.1), F64), u((6, 2), dt=F64)],
            2,
        ),
        (
            "polydiv",
            # JAX keeps the remainder's leading zeros (NumPy drops them): its last entry.
            lambda xp, a, b: (xp.polydiv(a, b)[0], xp.polydiv(a, b)[1][-1:]),
            [u((4,), dt=F64), u((2,), (1.0, 2.0), F64)],
            3,
        ),
    ]
    check([Call(label, f, args, order, rng) for label, f, args, order in specs])


@FEW
@given(data=st.data())
def test_set_operations(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    size = data.draw(st.integers(2, 9), "size")
    a = rng.integers(0, 5, 7).astype(dtype) + uniform(rng, (7,), (0.0, 0.0), dtype)
    b = rng.integers(2, 8, 5).astype(dtype)
    opts = data.draw(
        st.sampled_from(
            [{}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True}]
        ),
        "unique",
    )
    specs: list[Spec] = [
        (
            f"unique(a, size={size}, **{opts})",
            lambda xp, x: xp.unique(x, size=size, **opts),
            [a],
            3,
        ),
        (
            f"unique(a, size={size}, fill_value=-1)",
            lambda xp, x: xp.unique(x, size=size, fill_value=-1.0),
            [a],
            3,
        ),
        ("unique_counts(size=)", lambda xp, x: tuple(xp.unique_counts(x, size=size)), [a], 3),
        ("isin(a, b)", lambda xp, x: (xp.isin(x, b), xp.isin(x, b, invert=True)), [a], 0),
    ]
    for name in ["union1d", "intersect1d", "setdiff1d", "setxor1d"]:
        specs.append(
            (
                f"{name}(a, b, size={size})",
                lambda xp, x, y, n=name: getattr(xp, n)(x, y, size=size),
                [a, b],
                3,
            )
        )
    check([Call(label, f, args, order, rng) for label, f, args, order in specs])


def _np_style(name: str) -> Callable[..., Any]:
    """``xp.<name>(..., inplace=False)``: tracegrad accepts JAX's spelling."""
    return lambda xp, *args, **kw: getattr(xp, name)(*args, inplace=False, **kw)


@FEW
@given(data=st.data())
def test_editing_and_indices(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    u = lambda shape, dom=ANY: uniform(rng, shape, dom, dtype)
    x = u((3, 4))
    axis = data.draw(st.sampled_from([None, 0, 1, -1]), "axis")
    obj = data.draw(st.sampled_from([1, np.array([0, 2]), slice(0, 3, 2)]), "obj")
    mask = rng.random((3, 4)) > 0.5
    put_idx = rng.permutation(12)[:3]
    idx = rng.integers(0, 4, (3, 1))
    choose_idx = rng.integers(0, 3, (3, 4))
    specs: list[Spec] = [
        (
            f"insert(x, {obj!r}, v, axis={axis})",
            lambda xp, a, v: xp.insert(a, obj, v, axis=axis),
            [x, u(())],
            3,
        ),
        (f"delete(x, {obj!r}, axis={axis})", lambda xp, a: xp.delete(a, obj, axis=axis), [x], 3),
        ("resize(x, (5, 3))", lambda xp, a: xp.resize(a, (5, 3)), [x], 3),
        ("extract(mask, x, size=5)", lambda xp, a: xp.extract(mask, a, size=5), [x], 3),
        (
            "compress(cond, x, size=6)",
            lambda xp, a: xp.compress(mask.ravel(), a, size=6),
            [x],
            3,
        ),
        (
            "place(x, mask, v, inplace=False)",
            lambda xp, a, v: xp.place(a, mask, v, inplace=False),
            [x, u((int(mask.sum()),))],
            3,
        ),
        (
            "put(x, idx, v, inplace=False)",
            lambda xp, a, v: xp.put(a, put_idx, v, inplace=False),
            [x, u((3,))],
            3,
        ),
        (
            "put_along_axis(x, idx, v, 1, inplace=False)",
            lambda xp, a, v: xp.put_along_axis(a, idx, v, 1, inplace=False),
            [x, u((3, 1))],
            3,
        ),
        (
            "fill_diagonal(x, v, inplace=False)",
            lambda xp, a, v: xp.fill_diagonal(a, v, inplace=False),
            [x, u((3,))],
            3,
        ),
        (
            "choose(idx, [a, b, c], mode='clip')",  # JAX's 'raise' needs known indices
            lambda xp, a, b, c: xp.choose(choose_idx, [a, b, c], mode="clip"),
            [x, u((4,)), u((3, 1))],
            3,
        ),
        (
            "x[ix_(rows, cols)]",
            lambda xp, a: a[xp.ix_(np.array([2, 0]), np.array([1, 3, 0]))],
            [x],
            3,
        ),
        ("x[tril_indices_from(x, 1)]", lambda xp, a: a[xp.tril_indices_from(a, 1)], [x], 3),
        ("x[triu_indices(3, -1, 4)]", lambda xp, a: a[xp.triu_indices(3, -1, 4)], [x], 3),
        ("x[diag_indices_from(x[:, :3])]", lambda xp, a: a[xp.diag_indices_from(a[:, :3])], [x], 3),
        (
            "ravel_multi_index / unravel_index",
            lambda xp: (
                xp.ravel_multi_index((choose_idx, idx), (3, 4), mode="clip"),
                xp.unravel_index(put_idx, (3, 4)),
            ),
            [],
            0,
        ),
        ("indices((2, 3))", lambda xp: xp.indices((2, 3)), [], 0),
        ("lexsort", lambda xp: xp.lexsort((choose_idx, idx * 0 + choose_idx[::-1])), [], 0),
    ]
    check([Call(label, f, args, order, rng) for label, f, args, order in specs])


@FEW
@given(data=st.data())
def test_array_api_and_functional(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    u = lambda shape, dom=ANY: uniform(rng, shape, dom, dtype)
    ax = data.draw(st.sampled_from([0, 1, -1]), "axis")
    k = data.draw(st.integers(-1, 1), "k")
    exps = rng.integers(-3, 4, (2, 3))
    sig = data.draw(st.sampled_from([None, "(n)->()", "(n),(n)->()"]), "signature")

    def vectorized(xp: Any, a: Any, b: Any) -> Any:
        if sig is None:
            return xp.vectorize(lambda p, q: xp.sin(p) * q)(a, b)
        if sig == "(n)->()":
            return xp.vectorize(lambda p: xp.sum(p * p), signature=sig)(a)
        return xp.vectorize(lambda p, q: xp.dot(p, q), signature=sig)(a, b)

    specs: list[Spec] = [
        (
            f"concat(axis={ax})",
            lambda xp, a, b: xp.concat([a, b], axis=ax),
            [u((2, 3)), u((2, 3))],
            3,
        ),
        ("permute_dims", lambda xp, a: xp.permute_dims(a, (2, 0, 1)), [u((2, 3, 4))], 3),
        ("matrix_transpose", lambda xp, a: xp.matrix_transpose(a), [u((2, 3, 4))], 3),
        (f"unstack(axis={ax})", lambda xp, a: xp.unstack(a, axis=ax), [u((2, 3))], 3),
        ("vecdot", lambda xp, a, b: xp.vecdot(a, b), [u((2, 3)), u((3,))], 3),
        ("matvec", lambda xp, a, b: xp.matvec(a, b), [u((2, 3, 4)), u((4,))], 3),
        ("vecmat", lambda xp, a, b: xp.vecmat(a, b), [u((3,)), u((2, 3, 4))], 3),
        (
            "block",
            lambda xp, a, b, c: xp.block([[a, b], [c]]),
            [u((2, 2)), u((2, 1)), u((1, 3))],
            3,
        ),
        (f"diagflat(v, {k})", lambda xp, a: xp.diagflat(a, k), [u((2, 2))], 3),
        ("geomspace", lambda xp, a, b: xp.geomspace(a, b, 5), [u((), POS), u((2,), (2.0, 5.0))], 3),
        (f"vectorize(signature={sig})", vectorized, [u((2, 3)), u((3,))], 3),
        (
            "piecewise",
            lambda xp, a: xp.piecewise(
                a, [a < -0.5, a > 0.5], [lambda t: t * t, lambda t: -t, 0.25]
            ),
            [u((2, 3))],
            3,
        ),
        (
            f"apply_along_axis(axis={ax})",
            lambda xp, a: xp.apply_along_axis(lambda r: xp.cumsum(r) * r[0], ax, a),
            [u((2, 3))],
            3,
        ),
        ("apply_over_axes", lambda xp, a: xp.apply_over_axes(xp.sum, a, (0, 2)), [u((2, 3, 4))], 3),
        ("fromfunction", lambda xp, s: xp.fromfunction(lambda i, j: i * s + j, (2, 3)), [u(())], 3),
        ("ldexp", lambda xp, a: xp.ldexp(a, exps), [u((2, 3))], 3),
        ("frexp", lambda xp, a: xp.frexp(a), [u((2, 3))], 3),
        ("modf", lambda xp, a: xp.modf(a), [u((2, 3), (-3.0, 3.0))], 3),
        # float64: the third derivative of the loss overflows float32 at |x| near 40.
        ("i0", lambda xp, a: xp.i0(a), [uniform(rng, (2, 3), (-40.0, 40.0), F64)], 3),
        ("kaiser(6, beta)", lambda xp, b: xp.kaiser(6, b), [u((), (1.0, 8.0))], 3),
        ("gcd, lcm", lambda xp: (xp.gcd(exps, 12), xp.lcm(exps, 4)), [], 0),
        (
            "shifts, bitwise_count",
            lambda xp: (xp.left_shift(exps, 2), xp.right_shift(exps, 1), xp.bitwise_count(exps)),
            [],
            0,
        ),
        (
            "packbits, unpackbits",
            lambda xp: (xp.packbits(exps > 0, axis=1), xp.unpackbits(np.array([3, 250], np.uint8))),
            [],
            0,
        ),
    ]
    calls = []
    for label, f, args, order in specs:
        if dtype == F32 and label in ("fromfunction", "geomspace"):
            # NumPy builds the index arrays / the float(num) promotion in float64; JAX keeps
            # float32 (decisions.md, "Where NumPy makes Python scalars strong").
            continue
        calls.append(Call(label, f, args, order, rng))
    check(calls)
