"""Window reductions: values against a loop over output positions and against JAX, derivatives
to order 2 (finite differences away from ties, JAX's first-maximum choice at ties), vmap and
jit, the generic lax.reduce_window and the shape rule's errors."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import jit_calls
from tracegrad import lax
from tracegrad.core.errors import UnsupportedFunctionError
from tracegrad.ops import windows
from tracegrad.test_util import check_grads

REDUCERS = {
    "sum": (windows.reduce_window_sum, np.sum, 0.0),
    "max": (windows.reduce_window_max, np.max, -np.inf),
    "min": (windows.reduce_window_min, np.min, np.inf),
}


def reference(x: Any, kind: str, p: dict[str, Any]) -> Any:
    """Each output element reduced from its window's elements, gathered one by one."""
    _, np_fn, fill = REDUCERS[kind]
    inner = [1 + d * (n - 1) for n, d in zip(x.shape, p["base_dilation"])]
    big = np.full(tuple(n + 40 for n in inner), fill)
    big[tuple(slice(20, 20 + n, d) for n, d in zip(inner, p["base_dilation"]))] = x
    big = big[tuple(slice(20 - lo, 20 + n + hi) for n, (lo, hi) in zip(inner, p["padding"]))]
    spans = [1 + d * (k - 1) for k, d in zip(p["window_dimensions"], p["window_dilation"])]
    out_shape = [max(0, (n - k) // s + 1) for n, k, s in zip(big.shape, spans, p["window_strides"])]
    out = np.zeros(out_shape)
    for pos in itertools.product(*(range(n) for n in out_shape)):
        vals = [
            big[
                tuple(
                    q * s + o * d
                    for q, s, o, d in zip(pos, p["window_strides"], off, p["window_dilation"])
                )
            ]
            for off in itertools.product(*(range(k) for k in p["window_dimensions"]))
        ]
        out[pos] = np_fn(vals)
    return out


@st.composite
def window_cases(
    draw: Any,
    kind: str | None = None,
    max_ndim: int = 3,
    dilate_window: bool = True,
    crop: bool = True,
) -> dict[str, Any]:
    kind = kind or draw(st.sampled_from(sorted(REDUCERS)))
    ndim = draw(st.integers(1, max_ndim))
    shape = tuple(draw(st.integers(1, 5)) for _ in range(ndim))
    low = -1 if crop else 0
    pads = tuple(
        (draw(st.integers(low, 2)) if n > 1 else 0, draw(st.integers(0, 2))) for n in shape
    )
    params = windows.window_params(
        ndim,
        tuple(draw(st.integers(1, 3)) for _ in range(ndim)),
        tuple(draw(st.integers(1, 3)) for _ in range(ndim)),
        pads,
        tuple(draw(st.integers(1, 2)) for _ in range(ndim)),
        tuple(draw(st.integers(1, 2)) if dilate_window else 1 for _ in range(ndim)),
    )
    # A permutation: distinct values, so that max and min are differentiable everywhere.
    perm = np.random.default_rng(draw(st.integers(0, 2**16))).permutation(int(np.prod(shape)))
    x = (perm.reshape(shape) - perm.size / 2) / 4.0
    return dict(kind=kind, params=params, x=x)


def _fn(case: dict[str, Any]) -> Any:
    reducer = REDUCERS[case["kind"]][0]
    return lambda x: reducer(x, **case["params"])


@given(window_cases())
def test_value_against_reference(case: dict[str, Any]) -> None:
    f, x = _fn(case), case["x"]
    out = f(x)
    np.testing.assert_allclose(out, reference(x, case["kind"], case["params"]), rtol=1e-12)
    assert tg.make_jaxpr(f)(x).out_avals[0].shape == out.shape
    for staged in jit_calls(f, x):
        np.testing.assert_array_equal(staged, out)
    f32 = f(x.astype(np.float32))
    assert f32.dtype == np.float32


@given(window_cases(max_ndim=2))
def test_derivatives_to_second_order(case: dict[str, Any]) -> None:
    f, x = _fn(case), case["x"]
    if np.isinf(f(x)).any():  # a window of padding only: no derivative to check
        return
    check_grads(lambda x: f(x) * f(x), (x,), order=2)


@pytest.mark.filterwarnings("ignore:invalid value")  # 0 * inf where a window is all padding
@given(window_cases(max_ndim=2))
def test_vmap_against_loop(case: dict[str, Any]) -> None:
    f, x = _fn(case), case["x"]
    xs = np.stack([x, x[::-1] * 2.0])
    np.testing.assert_array_equal(tg.vmap(f)(xs), np.stack([f(v) for v in xs]))
    g = tg.grad(lambda v: (f(v) * np.arange(f(x).size).reshape(f(x).shape)).sum())
    np.testing.assert_array_equal(
        tg.vmap(g, in_axes=1, out_axes=1)(np.moveaxis(xs, 0, 1)), np.stack([g(v) for v in xs], 1)
    )


def test_ties_take_the_first_extremum() -> None:
    x = np.array([1.0, 3.0, 3.0, 2.0, 3.0])
    p = windows.window_params(1, (3,))
    grad_max = tg.grad(lambda v: windows.reduce_window_max(v, **p).sum())(x)
    grad_min = tg.grad(lambda v: windows.reduce_window_min(v, **p).sum())(-x)
    np.testing.assert_array_equal(grad_max, [0.0, 2.0, 1.0, 0.0, 0.0])
    np.testing.assert_array_equal(grad_min, grad_max)
    _, t_out = tg.jvp(lambda v: windows.reduce_window_max(v, **p), (x,), (np.arange(5.0),))
    np.testing.assert_array_equal(t_out, [1.0, 1.0, 2.0])
    hess = tg.jacfwd(tg.grad(lambda v: (windows.reduce_window_max(v, **p) ** 2).sum()))(x)
    np.testing.assert_array_equal(np.diag(hess), [0.0, 4.0, 2.0, 0.0, 0.0])


@pytest.mark.filterwarnings("ignore:invalid value")
@given(window_cases(dilate_window=False, crop=False))
def test_against_jax(case: dict[str, Any]) -> None:
    """JAX's gradient of max/min has no window dilation or negative padding; values and
    gradients agree, ties included (values drawn with repeats)."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.round(case["x"])
    p, kind = case["params"], case["kind"]
    init, op = {
        "sum": (0.0, jax.lax.add),
        "max": (-np.inf, jax.lax.max),
        "min": (np.inf, jax.lax.min),
    }[kind]

    def theirs(v: Any) -> Any:
        return jax.lax.reduce_window(
            v,
            init,
            op,
            p["window_dimensions"],
            p["window_strides"],
            p["padding"],
            p["base_dilation"],
            p["window_dilation"],
        )

    f = _fn(case)
    np.testing.assert_array_equal(f(x), theirs(x))
    ct = np.random.default_rng(0).normal(size=f(x).shape)
    np.testing.assert_allclose(
        tg.grad(lambda v: (f(v) * ct).sum())(x),
        jax.grad(lambda v: (theirs(v) * ct).sum())(x),
        atol=1e-12,
    )
    # Second order, at distinct values (JAX's forward mode may break ties otherwise).
    x = case["x"]
    t = np.random.default_rng(1).normal(size=x.shape)
    ours2 = tg.jvp(tg.grad(lambda v: (f(v) * ct).sum() ** 2), (x,), (t,))[1]
    theirs2 = jax.jvp(jax.grad(lambda v: (theirs(v) * ct).sum() ** 2), (x,), (t,))[1]
    np.testing.assert_allclose(ours2, theirs2, rtol=1e-10, atol=1e-10)


def test_generic_reduce_window_recognises_monoids() -> None:
    x = np.random.default_rng(0).normal(size=(3, 7, 6))
    for comp, init, ref in [
        (tnp.add, 0.0, "sum"),
        (lambda a, b: a + b, 1.5, "sum"),
        (tnp.maximum, -np.inf, "max"),
        (tnp.minimum, np.inf, "min"),
        (tnp.maximum, 0.3, "max"),
    ]:
        out = lax.reduce_window(x, init, comp, (1, 3, 2), (1, 2, 1), [(0, 0), (1, 2), (2, 0)])
        p = windows.window_params(3, (1, 3, 2), (1, 2, 1), [(0, 0), (1, 2), (2, 0)])
        want = REDUCERS[ref][0](x, **p)
        want = want + init if ref == "sum" else np.maximum(want, init) if ref == "max" else want
        np.testing.assert_allclose(out, want)
    with pytest.raises(UnsupportedFunctionError, match="not addition, maximum or minimum"):
        lax.reduce_window(x, 1.0, tnp.multiply, (1, 1, 1), (1, 1, 1), "VALID")
    assert lax.reduce_window_shape_tuple((8, 8), (2, 2), (2, 2), ((0, 0), (1, 1))) == (4, 5)


def test_string_padding_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.random.default_rng(1).normal(size=(3, 7, 6))
    for pad, (comp, jcomp, init) in itertools.product(
        ["SAME", "VALID", "SAME_LOWER"],
        [(tnp.add, jax.lax.add, 0.0), (tnp.maximum, jax.lax.max, -np.inf)],
    ):
        args = ((1, 3, 2), (1, 2, 1), pad, (1, 1, 2), (1, 2, 1))
        np.testing.assert_allclose(
            lax.reduce_window(x, init, comp, *args), jax.lax.reduce_window(x, init, jcomp, *args)
        )


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (((1, 1, 2), (1, 1, 1, 1), "VALID"), "wrong number of window_dimensions"),
        (((1, 1, 2, 2), (1, 1, 0, 1), "VALID"), "window_strides must have every element be"),
        (((1, 1, 0, 2), (1, 1, 1, 1), "VALID"), "window_dimensions must have every element"),
        (((1, 1, 2, 2), (1, 1, 1, 1), "VALID", (1, 1, 0, 1)), "All dilations must be positive"),
    ],
)
def test_errors_as_jax(args: tuple[Any, ...], phrase: str) -> None:
    x = np.ones((2, 3, 8, 8))
    with pytest.raises(TypeError, match=phrase):
        lax.reduce_window(x, -np.inf, tnp.maximum, *args)
    with pytest.raises(TypeError, match=phrase):
        tg.make_jaxpr(lambda v: lax.reduce_window(v, 0.0, tnp.add, *args))(x)


def test_linear_window_primitives_have_transposes() -> None:
    for prim in (
        windows.reduce_window_sum_p,
        windows.select_and_gather_add_p,
        windows.select_and_scatter_add_p,
    ):
        assert prim.transpose is not None
