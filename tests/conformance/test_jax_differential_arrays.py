"""The differential fuzz test against jax.numpy (differential.py's machinery; the method
in test_jax_differential.py) for reductions, shape functions, creation and indexing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tracegrad.numpy as tnp
from conformance.differential import (
    ANY,
    F32,
    F64,
    HALF,
    POS,
    RSHAPES,
    Call,
    check,
    draw_axis,
    perm,
    seeded,
    uniform,
)
from conformance.peers import jnp

# ---- reductions ------------------------------------------------------------------------------
REDUCTIONS = [
    "sum",
    "prod",
    "mean",
    "max",
    "min",
    "amax",
    "amin",
    "ptp",
    "var",
    "std",
    "average",
    "argmax",
    "argmin",
    "cumsum",
    "cumprod",
    "all",
    "any",
]


@HALF
@given(data=st.data())
def test_reductions(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for name in REDUCTIONS:
        shape = data.draw(st.sampled_from(RSHAPES), f"{name} shape")
        single = name in ("argmax", "argmin", "cumsum", "cumprod")
        kw: dict[str, Any] = {"axis": draw_axis(data, len(shape), f"{name} axis", not single)}
        if name not in ("cumsum", "cumprod") and data.draw(st.booleans(), f"{name} keepdims"):
            kw["keepdims"] = True
        if name in ("var", "std"):
            kw["ddof"] = data.draw(st.sampled_from([0, 1]), f"{name} ddof")
        if name in ("sum", "prod", "mean", "cumsum") and data.draw(st.booleans(), "dtype="):
            kw["dtype"] = np.float64
        dom = (0.5, 1.5) if "prod" in name else ANY
        x = uniform(rng, shape, dom, dtype)
        order = 0 if name in ("argmax", "argmin", "all", "any") else 3
        if name in ("all", "any"):
            calls.append(
                Call(
                    f"{name}(x > 0, **{kw})",
                    lambda xp, a, n=name, k=kw: getattr(xp, n)(a > 0, **k),
                    [x],
                    0,
                    rng,
                )
            )
            continue
        if data.draw(st.booleans(), f"{name} int input") and name not in ("average",):
            ints = rng.integers(-3, 4, size=shape)
            calls.append(
                Call(
                    f"{name}(int64 array, **{kw})",
                    lambda xp, n=name, k=kw, i=ints: getattr(xp, n)(i, **k),
                    [],
                    0,
                    rng,
                )
            )
        calls.append(
            Call(
                f"{name}(x, **{kw})",
                lambda xp, a, n=name, k=kw: getattr(xp, n)(a, **k),
                [x],
                order,
                rng,
            )
        )
    x = uniform(rng, (2, 3, 4), ANY, dtype)
    w = uniform(rng, (3,), POS, dtype)
    calls += [
        Call(
            "average(a, axis=1, weights=w)",
            lambda xp, a, w: xp.average(a, axis=1, weights=w),
            [x, w],
            3,
            rng,
        ),
        Call(
            "average(a, axis=-1, weights=w, returned=True)",
            lambda xp, a, w: xp.average(a, axis=-1, weights=w, returned=True),
            [x, uniform(rng, (2, 3, 4), POS, dtype)],
            3,
            rng,
        ),
        Call(
            "var(a, axis=(0, 2), correction=1)",
            lambda xp, a: xp.var(a, axis=(0, 2), correction=1),
            [x],
            3,
            rng,
        ),
    ]
    check(calls)


# ---- shapes -------------------------------------------------------------------------------
@HALF
@given(data=st.data())
def test_shapes(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    ax3 = lambda label: d(st.integers(-3, 2), label)
    R = (2, 3, 4)
    x = uniform(rng, R, ANY, dtype)
    y = uniform(rng, R, ANY, dtype)
    new = d(st.sampled_from([(6, 4), (-1,), (4, -1, 2), (24,), (2, 12)]), "reshape")
    axes = perm(data, 3, "transpose")
    a1, a2 = ax3("swap 1"), ax3("swap 2")
    src, dst = perm(data, 3, "move src")[:2], perm(data, 3, "move dst")[:2]
    ex = d(st.sampled_from([0, -1, 2, (0, 3), (-1, 1)]), "expand_dims")
    sq = d(st.sampled_from([None, 0, 2, (0, -1)]), "squeeze")
    cat = ax3("concatenate axis")
    stk = d(st.integers(-4, 3), "stack axis")
    sec = d(st.sampled_from([(2, 0), ([1, 3], 2), ([1], -2), (1, 1), (4, -1)]), "split")
    asec = d(st.sampled_from([(3, 2), (2, 1), ([1, 2], 0)]), "array_split")
    reps = d(st.sampled_from([2, (2, 1), (1, 2, 1, 2)]), "tile")
    rep = d(st.sampled_from([(2, None), (3, 1), ((1, 0, 2), 0), (2, -1)]), "repeat")
    flip_ax = d(st.sampled_from([None, 0, -1, (0, 2)]), "flip")
    roll = d(st.sampled_from([(2, None), (-1, 1), ((1, 2), (0, 2)), (5, -1)]), "roll")
    pad = d(
        st.sampled_from(
            [
                (1, {}),
                (((1, 0), (0, 2), (1, 1)), {"constant_values": 0.5}),
                ((1, 2), {"mode": "edge"}),
                (1, {"mode": "reflect"}),
                ((1, 3), {"mode": "wrap"}),
                (2, {"mode": "symmetric"}),
            ]
        ),
        "pad",
    )
    sort_ax = d(st.sampled_from([-1, 0, 1, None]), "sort axis")
    take_ax = d(st.sampled_from([None, 0, 1, -1]), "take axis")
    n_take = 24 if take_ax is None else R[take_ax]
    idx = rng.integers(-n_take, n_take, size=d(st.sampled_from([(3,), (2, 2), ()]), "take idx"))
    tal_ax = ax3("take_along_axis axis")
    tal_idx = rng.integers(
        0, R[tal_ax], size=tuple(2 if i == tal_ax % 3 else n for i, n in enumerate(R))
    )
    b_shape = d(st.sampled_from([(4,), (3, 1), ()]), "broadcast_to")
    v = uniform(rng, b_shape, ANY, dtype)
    at_shape = d(st.sampled_from([(), (3,), (2, 3)]), "atleast shape")
    z = uniform(rng, at_shape, ANY, dtype)
    specs: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
        (f"reshape(a, shape={new})", lambda xp, a: xp.reshape(a, shape=new), [x]),
        (f"a.reshape{new}", lambda xp, a: a.reshape(*new), [x]),
        ("ravel(a)", lambda xp, a: xp.ravel(a), [x]),
        (f"transpose(a, axes={axes})", lambda xp, a: xp.transpose(a, axes=axes), [x]),
        (f"swapaxes(a, {a1}, {a2})", lambda xp, a: xp.swapaxes(a, a1, a2), [x]),
        (f"moveaxis(a, {src}, {dst})", lambda xp, a: xp.moveaxis(a, src, dst), [x]),
        (f"expand_dims(a, {ex})", lambda xp, a: xp.expand_dims(a, ex), [x]),
        (
            f"squeeze(a, axis={sq})",
            lambda xp, a: xp.squeeze(a, axis=sq),
            [uniform(rng, (1, 3, 1), ANY, dtype)],
        ),
        (
            f"broadcast_to(a, (2, 3, 4)) of {b_shape}",
            lambda xp, a: xp.broadcast_to(a, (2, 3, 4)),
            [v],
        ),
        ("atleast_1d", lambda xp, a: xp.atleast_1d(a), [z]),
        ("atleast_2d", lambda xp, a: xp.atleast_2d(a), [z]),
        (
            f"concatenate([a, b], axis={cat})",
            lambda xp, a, b: xp.concatenate([a, b], axis=cat),
            [x, y],
        ),
        (
            "concatenate((a, b), axis=None)",
            lambda xp, a, b: xp.concatenate((a, b), axis=None),
            [x, z],
        ),
        (f"stack([a, b, a], axis={stk})", lambda xp, a, b: xp.stack([a, b, a], axis=stk), [x, y]),
        ("hstack", lambda xp, a, b: xp.hstack([a, b]), [x, y]),
        ("vstack", lambda xp, a, b: xp.vstack((a, b)), [x, y]),
        (f"split(a, {sec[0]}, axis={sec[1]})", lambda xp, a: xp.split(a, sec[0], axis=sec[1]), [x]),
        (
            f"array_split(a, {asec[0]}, axis={asec[1]})",
            lambda xp, a: xp.array_split(a, asec[0], axis=asec[1]),
            [x],
        ),
        (f"tile(a, {reps})", lambda xp, a: xp.tile(a, reps), [x[0]]),
        (
            f"repeat(a, {rep[0]}, axis={rep[1]})",
            lambda xp, a: xp.repeat(
                a, np.array(rep[0]) if isinstance(rep[0], tuple) else rep[0], axis=rep[1]
            ),
            [x[0]],
        ),
        (f"flip(a, axis={flip_ax})", lambda xp, a: xp.flip(a, axis=flip_ax), [x]),
        (
            f"roll(a, {roll[0]}, axis={roll[1]})",
            lambda xp, a: xp.roll(a, roll[0], axis=roll[1]),
            [x],
        ),
        (f"pad(a, {pad[0]}, **{pad[1]})", lambda xp, a: xp.pad(a, pad[0], **pad[1]), [x]),  # type: ignore[arg-type]
        (f"sort(a, axis={sort_ax})", lambda xp, a: xp.sort(a, axis=sort_ax), [x]),
        (
            f"take(a, {idx.tolist()}, axis={take_ax})",
            lambda xp, a: xp.take(a, idx, axis=take_ax),
            [x],
        ),
        (
            f"take_along_axis(a, idx, axis={tal_ax})",
            lambda xp, a: xp.take_along_axis(a, tal_idx, axis=tal_ax),
            [x],
        ),
        (
            "take_along_axis(a, argsort(a, axis=1), axis=1)",
            lambda xp, a: xp.take_along_axis(a, xp.argsort(a, axis=1), axis=1),
            [x],
        ),
    ]
    check([Call(label, f, args, 3, rng) for label, f, args in specs])


# ---- creation ------------------------------------------------------------------------------
@given(data=st.data())
def test_creation(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    as_dt = d(st.sampled_from([None, np.float64, np.float32]), "dtype=")
    a = uniform(rng, (2, 3), ANY, dtype)
    s = uniform(rng, (), ANY, dtype)
    t = uniform(rng, (), (2.5, 4.0), dtype)
    num = d(st.integers(1, 6), "num")
    endpoint = d(st.booleans(), "endpoint")
    n, m, k = (
        d(st.integers(1, 4), "N"),
        d(st.sampled_from([None, 2, 5]), "M"),
        d(st.integers(-2, 2), "k"),
    )
    ar = d(st.sampled_from([(5,), (1, 7, 2), (4.0,), (0.5, 3.0, 0.75), (6, 0, -2)]), "arange")
    ij = d(st.sampled_from(["xy", "ij"]), "indexing")
    cols = m if m is not None else n
    specs: list[tuple[str, Callable[..., Any], list[np.ndarray]]] = [
        ("array([s, s**2, s*a[0,0]])", lambda xp, s, a: xp.array([s, s**2, s * a[0, 0]]), [s, a]),
        ("array([a, a*a])", lambda xp, a: xp.array([a, a * a]), [a]),
        (f"asarray(a, dtype={as_dt})", lambda xp, a: xp.asarray(a, dtype=as_dt), [a]),
        (f"zeros((2, 3), dtype={as_dt}) + a", lambda xp, a: xp.zeros((2, 3), dtype=as_dt) + a, [a]),
        (f"ones(3, dtype={as_dt}) * a", lambda xp, a: xp.ones(3, dtype=as_dt) * a, [a]),
        ("full((2, 3), fill_value=s)", lambda xp, s: xp.full((2, 3), fill_value=s), [s]),
        (
            f"full((3,), 1.5, dtype={as_dt}) * a",
            lambda xp, a: xp.full((3,), 1.5, dtype=as_dt) * a,
            [a],
        ),
        (
            f"zeros_like(empty((2, 3), dtype={as_dt})) + a",
            lambda xp, a: xp.zeros_like(xp.empty((2, 3), dtype=as_dt)) + a,
            [a],
        ),
        (f"zeros_like(a, dtype={as_dt}) + a", lambda xp, a: xp.zeros_like(a, dtype=as_dt) + a, [a]),
        ("ones_like(a) * a", lambda xp, a: xp.ones_like(a) * a, [a]),
        ("full_like(a, s)", lambda xp, a, s: xp.full_like(a, s), [a, s]),
        ("full_like(a, 2.0) * a", lambda xp, a: xp.full_like(a, 2.0) * a, [a]),
        (f"arange{ar}", lambda xp: xp.arange(*ar), []),
        (f"arange{ar}, dtype={as_dt}", lambda xp: xp.arange(*ar, dtype=as_dt), []),
        (
            f"linspace(s, t, num={num}, endpoint={endpoint})",
            lambda xp, s, t: xp.linspace(s, t, num=num, endpoint=endpoint),
            [s, t],
        ),
        (
            f"linspace(0.0, 1.0, {num}, dtype={as_dt}) * s",
            lambda xp, s: xp.linspace(0.0, 1.0, num, dtype=as_dt) * s,
            [s],
        ),
        (
            f"eye({n}, M={m}, k={k}) * v",
            lambda xp, v: xp.eye(n, M=m, k=k) * v,
            [uniform(rng, (cols,), ANY, dtype)],
        ),
        (f"eye({n}, dtype=int32)", lambda xp: xp.eye(n, dtype=np.int32), []),
        (f"identity({n}, dtype={as_dt})", lambda xp: xp.identity(n, dtype=as_dt), []),
        (
            f"meshgrid(a, b, indexing={ij!r})",
            lambda xp, u, w: xp.meshgrid(u, w, indexing=ij),
            [a[0], a[1, :2]],
        ),
    ]
    calls = []
    for label, f, args in specs:
        if dtype == F32 and label.startswith(("array([s, s**2", "full((3,), 1.5, dtype=None")):
            # Documented (decisions.md, "Where NumPy makes Python scalars strong"): NumPy
            # builds the array / the constant as float64, JAX keeps float32.
            continue
        calls.append(Call(label, f, args, 3, rng))
    check(calls)


# ---- indexing ------------------------------------------------------------------------------
@st.composite
def indices(draw: Any, shape: tuple[int, ...]) -> Any:
    """A basic index, an integer-array index (negative and repeated entries), a mix of both,
    or a boolean mask (concrete)."""
    kind = draw(st.sampled_from(["basic", "basic", "advanced", "mixed", "mask"]))
    if kind == "basic":
        return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    if kind == "mask":
        return draw(hnp.arrays(np.bool_, shape[: draw(st.integers(1, len(shape)))]))
    ix = draw(
        hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=3))
    )
    if kind == "advanced":
        return ix
    # One integer array on one axis, slices or integers on the others.
    axis = draw(st.integers(0, len(shape) - 1))
    parts: list[Any] = [draw(st.one_of(st.slices(n), st.integers(-n, n - 1))) for n in shape]
    parts[axis] = ix[0] % shape[axis] - draw(st.sampled_from([0, shape[axis]]))
    return tuple(parts)


@given(data=st.data())
def test_indexing(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    calls = []
    for i in range(6):
        shape = data.draw(st.sampled_from([(4, 5), (3, 4, 5), (6,)]), f"shape {i}")
        idx = data.draw(indices(shape), f"index {i}")
        x = uniform(rng, shape, ANY, dtype)
        out_shape = np.empty(shape)[idx].shape
        calls.append(Call(f"x{shape}[{idx!r}]", lambda xp, a, i=idx: a[i], [x], 3, rng))
        method = data.draw(
            st.sampled_from(["set", "add", "multiply", "min", "max", "get"]), f"at {i}"
        )
        if method == "get":
            calls.append(
                Call(
                    f"x{shape}.at[{idx!r}].get()",
                    lambda xp, a, i=idx: at(xp, a)[i].get(),
                    [x],
                    3,
                    rng,
                )
            )
            continue
        upd_shape = data.draw(st.sampled_from([out_shape, out_shape[1:], ()]), f"upd {i}")
        u = uniform(rng, upd_shape, ANY, dtype)
        if method in ("set", "multiply") and _repeats(idx, shape):
            # Repeated indices: .set keeps one of the updates (NumPy and JAX on CPU: the last)
            # and .multiply's derivative with respect to the updates needs unique indices in
            # JAX, which we tell JAX when they are (documented in decisions.md, "Indexing").
            method = "add"
        calls.append(
            Call(
                f"x{shape}.at[{idx!r}].{method}(u{upd_shape})",
                lambda xp, a, v, i=idx, m=method: getattr(at(xp, a)[i], m)(
                    v, **({"unique_indices": True} if m == "multiply" and xp is jnp else {})
                ),
                [x, u],
                3,
                rng,
            )
        )
    check(calls)


def _repeats(idx: Any, shape: tuple[int, ...]) -> bool:
    """Whether ``idx`` selects some element of ``shape`` twice."""
    flat = np.arange(int(np.prod(shape))).reshape(shape)[idx]
    return len(np.unique(flat)) < np.size(flat)


def at(xp: Any, x: Any) -> Any:
    return jnp.asarray(x).at if xp is jnp else tnp.at(x)
