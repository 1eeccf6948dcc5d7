"""The conv_general_dilated primitive: values against a loop-over-kernel-offsets reference and
against JAX, derivatives to order 2 (finite differences, and JAX's), vmap over either operand
against a loop, jit against eager, and the shape rule's errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
from harness import jit_calls
from tracegrad import lax
from tracegrad.core import DTypeError, ShapeError
from tracegrad.test_util import check_grads


def reference_conv(
    x: Any, w: Any, strides: Any, pads: Any, lhs_dil: Any, rhs_dil: Any, fgc: int, bgc: int
) -> Any:
    """NCHW / OIHW convolution by summing shifted slices, one kernel offset at a time."""
    nsp = x.ndim - 2
    inner = [1 + d * (n - 1) for n, d in zip(x.shape[2:], lhs_dil)]
    big = np.zeros(x.shape[:2] + tuple(n + 2 * 20 for n in inner))
    big[(slice(None), slice(None), *(slice(20, 20 + n, d) for n, d in zip(inner, lhs_dil)))] = x
    big = big[
        (
            slice(None),
            slice(None),
            *(slice(20 - lo, 20 + n + hi) for n, (lo, hi) in zip(inner, pads)),
        )
    ]
    spans = [1 + d * (k - 1) for k, d in zip(w.shape[2:], rhs_dil)]
    out_sp = [max(0, (n - k) // s + 1) for n, k, s in zip(big.shape[2:], spans, strides)]
    groups = fgc * bgc
    n, c = x.shape[:2]
    o = w.shape[0]
    out = np.zeros((n // bgc, o, *tuple(out_sp)))
    for g in range(groups):
        xs = (
            big[g * (n // bgc) : (g + 1) * (n // bgc)]
            if bgc > 1
            else big[:, g * (c // fgc) : (g + 1) * (c // fgc)]
        )
        ws = w[g * (o // groups) : (g + 1) * (o // groups)]
        for k in itertools.product(*(range(kk) for kk in w.shape[2:])):
            sl = tuple(
                slice(kk * d, kk * d + (m - 1) * s + 1, s) if m else slice(0, 0)
                for kk, d, s, m in zip(k, rhs_dil, strides, out_sp)
            )
            patch = xs[(slice(None), slice(None), *sl)]
            out[:, g * (o // groups) : (g + 1) * (o // groups)] += np.einsum(
                "nc...,oc->no...", patch, ws[(slice(None), slice(None), *k)]
            )
    del nsp
    return out


def jax64() -> Any:
    """JAX with float64 enabled (the references here are float64), or a skip."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    return jax


@st.composite
def conv_cases(draw: Any, max_nsp: int = 3) -> dict[str, Any]:
    nsp = draw(st.integers(1, max_nsp))
    kind = draw(st.sampled_from(["none", "feature", "batch"]))
    groups = 1 if kind == "none" else draw(st.integers(2, 3))
    n = draw(st.integers(1, 2)) * (groups if kind == "batch" else 1)
    cg = draw(st.integers(1, 2))
    c = cg * (groups if kind == "feature" else 1)
    o = draw(st.integers(1, 2)) * groups
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(nsp))
    spatial = tuple(draw(st.integers(1, 7 if nsp < 3 else 4)) for _ in range(nsp))
    strides = tuple(draw(st.integers(1, 3)) for _ in range(nsp))
    lhs_dil = tuple(draw(st.integers(1, 2)) for _ in range(nsp))
    rhs_dil = tuple(draw(st.integers(1, 2)) for _ in range(nsp))
    pads = tuple((draw(st.integers(-1, 2)), draw(st.integers(-1, 2))) for _ in range(nsp))
    pads = tuple(
        (max(lo, 0), max(hi, 0)) if s == 1 else (lo, hi) for (lo, hi), s in zip(pads, spatial)
    )
    perms = [tuple(draw(st.permutations(range(nsp + 2)))) for _ in range(3)]
    seed = draw(st.integers(0, 2**16))
    return dict(
        nsp=nsp,
        fgc=groups if kind == "feature" else 1,
        bgc=groups if kind == "batch" else 1,
        x_shape=(n, c, *spatial),
        w_shape=(o, cg, *kernel),
        strides=strides,
        pads=pads,
        lhs_dil=lhs_dil,
        rhs_dil=rhs_dil,
        perms=perms,
        seed=seed,
    )


def _setup(case: dict[str, Any]) -> tuple[Any, Any, Any, Any]:
    """Operands in the drawn layouts, the function under test, and the reference (NCHW)."""
    rng = np.random.default_rng(case["seed"])
    x = rng.normal(size=case["x_shape"])
    w = rng.normal(size=case["w_shape"])
    lp, rp, op = case["perms"]
    # Logical dimension i lives at axis lp[i] of the operand: its layout is the inverse perm.
    xl, wl = x.transpose(np.argsort(lp)), w.transpose(np.argsort(rp))
    dn = lax.ConvDimensionNumbers(lp, rp, op)

    def f(a: Any, b: Any) -> Any:
        return lax.conv_general_dilated(
            a,
            b,
            case["strides"],
            case["pads"],
            case["lhs_dil"],
            case["rhs_dil"],
            dn,
            case["fgc"],
            case["bgc"],
        )

    ref = reference_conv(
        x,
        w,
        case["strides"],
        case["pads"],
        case["lhs_dil"],
        case["rhs_dil"],
        case["fgc"],
        case["bgc"],
    )
    return xl, wl, f, ref.transpose(np.argsort(op))


@given(conv_cases())
def test_value_against_reference(case: dict[str, Any]) -> None:
    x, w, f, ref = _setup(case)
    out = f(x, w)
    assert out.shape == ref.shape and out.dtype == np.float64
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10)
    staged = tg.make_jaxpr(f)(x, w)
    assert staged.out_avals[0].shape == ref.shape
    for staged_out in jit_calls(f, x, w):
        np.testing.assert_allclose(staged_out, out, rtol=0, atol=0)


@given(conv_cases(max_nsp=2))
def test_derivatives_to_second_order(case: dict[str, Any]) -> None:
    x, w, f, _ = _setup(case)
    check_grads(f, (x, w), order=2)


@given(conv_cases(max_nsp=2))
def test_vmap_over_either_operand(case: dict[str, Any]) -> None:
    x, w, f, _ = _setup(case)
    rng = np.random.default_rng(1)
    xs, ws = np.stack([x, rng.normal(size=x.shape)]), np.stack([w, rng.normal(size=w.shape)])
    both = tg.vmap(f, in_axes=(0, 0))(xs, ws)
    np.testing.assert_allclose(both, np.stack([f(a, b) for a, b in zip(xs, ws)]), atol=1e-10)
    lhs_only = tg.vmap(f, in_axes=(0, None))(xs, w)
    np.testing.assert_allclose(lhs_only, np.stack([f(a, w) for a in xs]), atol=1e-10)
    rhs_moved = tg.vmap(f, in_axes=(None, 1), out_axes=2)(x, np.moveaxis(ws, 0, 1))
    np.testing.assert_allclose(rhs_moved, np.stack([f(x, b) for b in ws], 2), atol=1e-10)


@given(conv_cases())
def test_against_jax(case: dict[str, Any]) -> None:
    jax = jax64()
    x, w, f, _ = _setup(case)
    dn = jax.lax.ConvDimensionNumbers(*case["perms"])

    def g(a: Any, b: Any) -> Any:
        return jax.lax.conv_general_dilated(
            a,
            b,
            case["strides"],
            case["pads"],
            case["lhs_dil"],
            case["rhs_dil"],
            dn,
            case["fgc"],
            case["bgc"],
        )

    out = f(x, w)
    np.testing.assert_allclose(out, g(x, w), rtol=1e-10, atol=1e-10)
    ct = np.random.default_rng(2).normal(size=out.shape)
    ours = tg.grad(lambda a, b: (f(a, b) * ct).sum() ** 2 / 2, (0, 1))(x, w)
    theirs = jax.grad(lambda a, b: (g(a, b) * ct).sum() ** 2 / 2, (0, 1))(x, w)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9)
    # Second order: the jvp of the gradient along random tangents of both operands.
    rng = np.random.default_rng(3)
    tangents = (rng.normal(size=x.shape), rng.normal(size=w.shape))
    ours2 = tg.jvp(tg.grad(lambda a, b: (f(a, b) * ct).sum() ** 2, (0, 1)), (x, w), tangents)[1]
    theirs2 = jax.jvp(jax.grad(lambda a, b: (g(a, b) * ct).sum() ** 2, (0, 1)), (x, w), tangents)[1]
    for a, b in zip(ours2, theirs2):
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-8)


def test_string_paddings_and_layouts_against_jax() -> None:
    jax = jax64()
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 7, 9, 3)), rng.normal(size=(3, 2, 3, 4))
    layout = ("NHWC", "HWIO", "NHWC")
    for pad, s in itertools.product(["SAME", "VALID", "SAME_LOWER"], [(1, 1), (2, 3)]):
        ours = lax.conv_general_dilated(x, w, s, pad, None, (2, 1), layout)
        theirs = jax.lax.conv_general_dilated(x, w, s, pad, None, (2, 1), layout)
        np.testing.assert_allclose(ours, theirs, atol=1e-10)
    for pad, s, tk in itertools.product(["SAME", "VALID"], [(1, 1), (2, 3)], [False, True]):
        k = rng.normal(size=(3, 2, 3, 3))
        np.testing.assert_allclose(
            lax.conv_transpose(x, k, s, pad, transpose_kernel=tk),
            jax.lax.conv_transpose(x, k, s, pad, transpose_kernel=tk),
            atol=1e-10,
        )
    for spec in [("NWHC", "WHOI", "CNHW"), None, ("NCHW", "OIHW", "NHWC")]:
        shapes = ((1, 2, 3, 4), (4, 3, 2, 1))
        assert lax.conv_dimension_numbers(*shapes, spec) == jax.lax.conv_dimension_numbers(
            *shapes, spec
        )


def test_float32_stays_float32_and_preferred_type() -> None:
    x, w = np.ones((1, 2, 5), np.float32), np.ones((3, 2, 2), np.float32)
    assert lax.conv(x, w, (1,), "VALID").dtype == np.float32
    out = lax.conv(
        x.astype(np.int32), w.astype(np.int32), (1,), "VALID", preferred_element_type=np.float64
    )
    assert out.dtype == np.float64 and out[0, 0, 0] == 4.0
    g = tg.grad(lambda w: lax.conv(x, w, (1,), "SAME").sum())(w)
    assert g.dtype == np.float32


@pytest.mark.parametrize(
    ("kwargs", "error", "phrase"),
    [
        (dict(rhs=np.ones((4, 2, 3, 3))), ValueError, "must equal the rhs input feature"),
        (dict(window_strides=(1,)), ValueError, "same number of dimensions"),
        (dict(window_strides=(0, 1)), ValueError, "strictly positive"),
        (dict(feature_group_count=2), ValueError, "must divide lhs feature dimension"),
        (dict(feature_group_count=0), ValueError, "must be a positive integer"),
        (dict(batch_group_count=3), ValueError, "must divide lhs batch dimension"),
        (dict(padding="FOO"), RuntimeError, "Unrecognized padding type"),
        (dict(padding=[(1, 1)]), TypeError, "Wrong number of explicit pads"),
        (dict(lhs_dilation=(2, 1)), ValueError, "String padding is not implemented"),
        (dict(lhs=np.ones((3, 8, 8))), TypeError, "lhs and rhs ndim to be equal"),
        (dict(dimension_numbers=("NCHW", "OIHW", "NHWX")), TypeError, "'N' and 'C' exactly once"),
        (dict(dimension_numbers=("NCHW", "OIHW")), TypeError, "must be length 3"),
        (dict(padding=[(-5, -5), (0, 0)]), ValueError, "Negative padding is larger"),
        (dict(rhs=np.ones((4, 3, 3, 3), np.float32)), DTypeError, "float32"),
    ],
)
def test_errors_as_jax(kwargs: dict[str, Any], error: type[Exception], phrase: str) -> None:
    args: dict[str, Any] = dict(
        lhs=np.ones((2, 3, 8, 8)), rhs=np.ones((4, 3, 3, 3)), window_strides=(1, 1), padding="VALID"
    )
    args.update(kwargs)
    with pytest.raises(error, match=phrase):
        tg.make_jaxpr(
            lambda a, b: lax.conv_general_dilated(
                a, b, **{k: v for k, v in args.items() if k not in ("lhs", "rhs")}
            )
        )(args["lhs"], args["rhs"])
    with pytest.raises(error, match=phrase):
        lax.conv_general_dilated(**args)
    assert issubclass(ShapeError, ValueError) and issubclass(ShapeError, TypeError)
