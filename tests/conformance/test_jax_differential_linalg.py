"""The differential fuzz test against jax.numpy (differential.py's machinery; the method
in test_jax_differential.py) for linear algebra, fft, and the operators and methods of
tracers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from conformance.differential import (
    ANY,
    C64,
    C128,
    F32,
    F64,
    HALF,
    PAIRS,
    POS,
    Call,
    check,
    draw_axis,
    perm,
    seeded,
    uniform,
)


# ---- linear algebra -------------------------------------------------------------------------
def well_conditioned(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: np.dtype[Any]
) -> np.ndarray:
    a = rng.uniform(-1.0, 1.0, shape) + 3.0 * np.eye(shape[-1])
    return a.astype(dtype)


EINSUM = [
    ("ij,jk->ik", ((2, 3), (3, 4))),
    ("ij->ji", ((2, 3),)),
    ("ii->", ((3, 3),)),
    ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
    ("i,i->", ((3,), (3,))),
    ("ij,j", ((2, 3), (3,))),
    ("ijk->kj", ((2, 3, 4),)),
    ("i,j->ij", ((2,), (3,))),
    ("...ij,...jk", ((2, 2, 3), (3, 2))),
    ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
]
PRODUCT_SHAPES = {
    "dot": [((3,), (3,)), ((2, 3), (3,)), ((2, 3), (3, 4)), ((), (2, 3)), ((2, 3, 4), (2, 4, 3))],
    "matmul": [
        ((2, 3), (3, 4)),
        ((3,), (3, 4)),
        ((2, 3), (3,)),
        ((3,), (3,)),
        ((2, 2, 3), (3, 4)),
        ((3,), (2, 3, 4)),
    ],
    "inner": [((3,), (3,)), ((2, 3), (4, 3)), ((), (3,))],
    "outer": [((3,), (4,)), ((2, 2), (3,))],
    "vdot": [((2, 3), (2, 3)), ((4,), (2, 2))],
    "kron": [((2, 2), (2, 3)), ((3,), (2,))],
}


@HALF
@given(data=st.data())
def test_linalg(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    u = lambda shape, dom=ANY: uniform(rng, shape, dom, dtype)
    calls = []
    for name, pairs in PRODUCT_SHAPES.items():
        sa, sb = d(st.sampled_from(pairs), name)
        calls.append(
            Call(
                f"{name}{sa}{sb}",
                lambda xp, a, b, n=name: getattr(xp, n)(a, b),
                [u(sa), u(sb)],
                3,
                rng,
            )
        )
    calls.append(Call("a.dot(b)", lambda xp, a, b: a.dot(b), [u((2, 3)), u((3,))], 3, rng))
    axes = d(st.sampled_from([0, 1, 2, ([1, 0], [0, 1]), ((2,), (0,))]), "tensordot axes")
    ta = {0: ((2,), (3,)), 1: ((2, 3), (3, 4)), 2: ((2, 3, 4), (3, 4))}.get(
        axes if isinstance(axes, int) else -1,
        ((3, 2, 4), (2, 3)) if axes == ([1, 0], [0, 1]) else ((2, 3, 4), (4, 2)),
    )
    calls.append(
        Call(
            f"tensordot(a, b, axes={axes})",
            lambda xp, a, b: xp.tensordot(a, b, axes=axes),
            [u(ta[0]), u(ta[1])],
            3,
            rng,
        )
    )
    sub, shapes = d(st.sampled_from(EINSUM), "einsum")
    calls.append(
        Call(f"einsum({sub!r})", lambda xp, *a: xp.einsum(sub, *a), [u(s) for s in shapes], 3, rng)
    )
    off, a1, a2 = (
        d(st.integers(-2, 2), "offset"),
        *d(st.sampled_from([(0, 1), (1, 0), (0, 2), (-1, 1)]), "axes"),
    )
    t3 = u((3, 4, 3))
    calls += [
        Call(
            f"trace(a, offset={off}, axis1={a1}, axis2={a2})",
            lambda xp, a: xp.trace(a, offset=off, axis1=a1, axis2=a2),
            [t3],
            3,
            rng,
        ),
        Call(
            f"diagonal(a, offset={off}, axis1={a1}, axis2={a2})",
            lambda xp, a: xp.diagonal(a, offset=off, axis1=a1, axis2=a2),
            [t3],
            3,
            rng,
        ),
        Call(f"diag(v, k={off})", lambda xp, a: xp.diag(a, k=off), [u((3,))], 3, rng),
        Call(f"diag(m, k={off})", lambda xp, a: xp.diag(a, k=off), [u((3, 4))], 3, rng),
        Call(f"tril(m, k={off})", lambda xp, a: xp.tril(a, k=off), [u((2, 3, 4))], 3, rng),
        Call(f"triu(m, k={off})", lambda xp, a: xp.triu(a, k=off), [u((4, 3))], 3, rng),
    ]
    nshape, nkw = d(
        st.sampled_from(
            [
                ((4,), {}),
                ((4,), {"ord": 1}),
                ((4,), {"ord": np.inf}),
                ((4,), {"ord": -np.inf}),
                ((4,), {"ord": 3}),
                ((4,), {"ord": 0.5}),
                ((3, 4), {}),
                ((3, 4), {"ord": "fro"}),
                ((3, 4), {"ord": "nuc"}),
                ((3, 4), {"ord": 1}),
                ((3, 4), {"ord": -1}),
                ((3, 4), {"ord": np.inf}),
                ((3, 4), {"ord": 2}),
                ((3, 4), {"ord": -2}),
                ((3, 4), {"axis": 1, "keepdims": True}),
                ((3, 2, 4), {"axis": (0, 2)}),
                ((3, 2, 4), {"axis": -1, "ord": 2}),
            ]
        ),
        "norm",
    )
    calls.append(
        Call(
            f"linalg.norm(x{nshape}, **{nkw})",
            lambda xp, a: xp.linalg.norm(a, **nkw),
            [u(nshape, POS)],
            3,
            rng,
        )
    )
    batch = d(st.sampled_from([(), (2,)]), "batch")
    n = d(st.integers(1, 3), "n")
    m = well_conditioned(rng, (*batch, n, n), dtype)
    rhs = d(
        st.sampled_from([(*batch, n, 1), (*batch, n, 2)] + ([(n,)] if not batch else [])), "rhs"
    )
    sym = lambda xp, a: (a + xp.swapaxes(a, -1, -2)) / 2
    spd = lambda xp, a: xp.matmul(a, xp.swapaxes(a, -1, -2)) + xp.eye(a.shape[-1])
    tall = u((*batch, n + 1, n))
    calls += [
        Call("linalg.inv", lambda xp, a: xp.linalg.inv(a), [m], 3, rng),
        Call(
            f"linalg.solve(a, b{rhs})", lambda xp, a, b: xp.linalg.solve(a, b), [m, u(rhs)], 3, rng
        ),
        Call("linalg.det", lambda xp, a: xp.linalg.det(a), [m], 3, rng),
        Call("linalg.slogdet", lambda xp, a: tuple(xp.linalg.slogdet(a)), [m], 3, rng),
        Call("linalg.cholesky", lambda xp, a: xp.linalg.cholesky(spd(xp, a)), [m], 3, rng),
        Call("linalg.eigh[0]", lambda xp, a: xp.linalg.eigh(sym(xp, a))[0], [m], 3, rng),
        # Eigen- and singular vectors up to sign: their absolute values (order 2, abs).
        Call("|linalg.eigh[1]|", lambda xp, a: xp.abs(xp.linalg.eigh(sym(xp, a))[1]), [m], 2, rng),
        Call(
            "linalg.svd(compute_uv=False)",
            lambda xp, a: xp.linalg.svd(a, compute_uv=False),
            [tall],
            3,
            rng,
        ),
        Call(
            "|linalg.svd(full_matrices=False)[0, 2]|",
            lambda xp, a: tuple(xp.abs(v) for v in xp.linalg.svd(a, full_matrices=False)[::2]),
            [tall],
            2,
            rng,
        ),
        Call("linalg.qr", lambda xp, a: tuple(xp.linalg.qr(a)), [tall], 2, rng),
        Call("linalg.pinv", lambda xp, a: xp.linalg.pinv(a), [tall], 2, rng),
    ]
    check(calls)


# ---- fft -------------------------------------------------------------------------------------
@HALF
@given(data=st.data())
def test_fft(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    cdt = C128 if dtype == F64 else C64
    d = lambda s, label: data.draw(s, label)
    norm = d(st.sampled_from([None, "backward", "ortho", "forward"]), "norm")
    # The transforms are linear: the scalarization's third derivative through them is 0, so
    # order 2 checks everything (the first and second derivatives of the quadratic loss).
    calls = []
    for name in ("fft", "ifft", "rfft", "irfft"):
        n = d(st.sampled_from([None, 3, 6]), f"{name} n")
        axis = d(st.sampled_from([-1, 0]), f"{name} axis")
        real = name == "rfft" or (name == "fft" and d(st.booleans(), "fft of real"))
        x = uniform(rng, (4, 5), ANY, dtype if real else cdt)
        calls.append(
            Call(
                f"fft.{name}(x{x.dtype}, n={n}, axis={axis}, norm={norm})",
                lambda xp, a, f=name, n=n, ax=axis: getattr(xp.fft, f)(a, n=n, axis=ax, norm=norm),
                [x],
                2,
                rng,
            )
        )
    for name in ("fft2", "ifft2", "fftn", "ifftn", "rfftn", "irfftn"):
        # (``s`` without ``axes`` is deprecated in NumPy 2: not drawn.)
        s_ax = d(
            st.sampled_from(
                [
                    (None, None),
                    ((3, 4), (0, 1)),
                    (None, (0, 2)),
                    ((4, 2), (2, 0)),
                    ((2, 3), (-2, -1)),
                ]
            ),
            f"{name} s, axes",
        )
        if name.endswith("2") and (s_ax[1] is None or len(s_ax[1]) != 2):
            s_ax = (None, (-2, -1))  # JAX's fft2 wants its axes
        x = uniform(rng, (3, 4, 5), ANY, dtype if name == "rfftn" else cdt)
        calls.append(
            Call(
                f"fft.{name}(x, s={s_ax[0]}, axes={s_ax[1]}, norm={norm})",
                lambda xp, a, f=name, sa=s_ax: getattr(xp.fft, f)(
                    a, s=sa[0], axes=sa[1], norm=norm
                ),
                [x],
                2,
                rng,
            )
        )
    for name in ("fftshift", "ifftshift"):
        axes = d(st.sampled_from([None, 0, (0, 1), -1]), f"{name} axes")
        calls.append(
            Call(
                f"fft.{name}(x, axes={axes})",
                lambda xp, a, f=name, ax=axes: getattr(xp.fft, f)(a, axes=ax),
                [uniform(rng, (3, 4), ANY, dtype)],
                2,
                rng,
            )
        )
    check(calls)


# ---- operators and methods of tracers ------------------------------------------------------
SCALARS = [2.0, 3, -1.5, 0.5]


@HALF
@given(data=st.data())
def test_methods(data: st.DataObject) -> None:
    rng = seeded(data)
    dtype = data.draw(st.sampled_from([F64, F32]), label="dtype")
    d = lambda s, label: data.draw(s, label)
    sx, sy = d(st.sampled_from(PAIRS), "shapes")
    x, y = uniform(rng, sx, ANY, dtype), uniform(rng, sy, ANY, dtype)
    p, q = uniform(rng, sx, POS, dtype), uniform(rng, sy, POS, dtype)
    c = d(st.sampled_from(SCALARS), "python scalar")
    m = uniform(rng, (2, 3, 4), ANY, dtype)
    axis = draw_axis(data, 3, "axis")
    keep = d(st.booleans(), "keepdims")
    axes = perm(data, 3, "axes")
    ops: list[tuple[str, Callable[..., Any], list[np.ndarray], int]] = [
        ("a + b", lambda xp, a, b: a + b, [x, y], 3),
        (f"a + {c!r}, {c!r} + a", lambda xp, a: (a + c, c + a), [x], 3),
        (f"a - b, a - {c!r}, {c!r} - a", lambda xp, a, b: (a - b, a - c, c - a), [x, y], 3),
        (f"a * b, a * {c!r}, {c!r} * a", lambda xp, a, b: (a * b, a * c, c * a), [x, y], 3),
        (f"a / q, a / {c!r}, {c!r} / q", lambda xp, a, b: (a / b, a / c, c / b), [x, q], 3),
        (f"a // q, {c!r} // q", lambda xp, a, b: (a // b, c // b), [x, q], 1),
        (f"a % q, a % 0.75, {c!r} % q", lambda xp, a, b: (a % b, a % 0.75, c % b), [x, q], 1),
        (f"p ** b, p ** {c!r}, 2.0 ** b", lambda xp, a, b: (a**b, a**c, 2.0**b), [p, y], 3),
        ("a ** 2, a ** 3, a ** 0", lambda xp, a: (a**2, a**3, a**0), [x], 3),
        (
            "m @ w, v @ m",
            lambda xp, a, w, v: (a @ w, v @ a),
            [m, uniform(rng, (4, 2), ANY, dtype), uniform(rng, (3,), ANY, dtype)],
            3,
        ),
        ("-a, +a, abs(a)", lambda xp, a: (-a, +a, abs(a)), [x], 3),
        (
            "a < b, a <= b, a > b, a >= b, a == b, a != b",
            lambda xp, a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b),
            [x, y],
            0,
        ),
        (f"a > {c!r}, {c!r} < a", lambda xp, a: (a > c, c < a), [x], 0),
        (
            "m.T, m.transpose(*axes), m.transpose(axes)",
            lambda xp, a: (a.T, a.transpose(*axes), a.transpose(axes)),
            [m],
            3,
        ),
        (
            "zeros(m.shape) + m.ndim + m.size + m",
            lambda xp, a: xp.zeros(a.shape) + a.ndim + a.size + a,
            [m],
            3,
        ),
        (
            "m.astype(m.dtype), m.astype(float32), m.astype(float64)",
            lambda xp, a: (a.astype(a.dtype) * 2.0, a.astype(np.float32), a.astype(np.float64)),
            [m],
            3,
        ),
        (
            f"m.sum(axis={axis}, keepdims={keep}), m.mean(...)",
            lambda xp, a: (a.sum(axis=axis, keepdims=keep), a.mean(axis=axis, keepdims=keep)),
            [m],
            3,
        ),
        (
            f"m.max(axis={axis}, keepdims={keep}), m.min(...)",
            lambda xp, a: (a.max(axis=axis, keepdims=keep), a.min(axis=axis, keepdims=keep)),
            [m],
            3,
        ),
        (
            "m.reshape(4, 6), m.reshape((-1, 2)), m.ravel()",
            lambda xp, a: (a.reshape(4, 6), a.reshape((-1, 2)), a.ravel()),
            [m],
            3,
        ),
        ("m.dot(v)", lambda xp, a, v: a.dot(v), [m, uniform(rng, (4,), ANY, dtype)], 3),
        (
            "s.squeeze(), s.squeeze(axis=0)",
            lambda xp, a: (a.squeeze(), a.squeeze(axis=0)),
            [uniform(rng, (1, 3, 1), ANY, dtype)],
            3,
        ),
        (
            "z.conj(), z.real, z.imag",
            lambda xp, z: (z.conj(), z.real * z.imag),
            [uniform(rng, (3,), ANY, C128 if dtype == F64 else C64)],
            2,
        ),
        ("x.conj(), x.real, x.imag (real x)", lambda xp, a: (a.conj(), a.real + a.imag), [x], 3),
    ]
    check([Call(label, f, args, order, rng) for label, f, args, order in ops])
