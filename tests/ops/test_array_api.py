"""Programs on ``array_api_strict`` arrays (only the standard's functions exist there): every
primitive of the array-API table runs and matches NumPy, the others raise an error naming
themselves and the library, and the table is checked against the registry of primitives."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from backend.test_jit_catalogue import CATALOGUE, primitives_of, sum_of
from harness import every_primitive

xp = pytest.importorskip("array_api_strict")
array_api = pytest.importorskip("tracegrad.ops.array_api")

# What runs on any array-API library (docs/beyond_one_machine.md has the same table). A new
# primitive fails test_the_table_covers_every_primitive until it is listed in one of the two.
RUNS_ANYWHERE = set(
    """abs acos acosh add add_any adjugate and argmax argmin asin asinh atan atan2 atanh
    broadcast_in_dim cbrt ceil checkpoint cholesky clz concatenate cond conj
    conv_general_dilated convert_element_type copysign cos cosh cumprod cumsum det digamma div
    dot_general dynamic_slice dynamic_update_slice eigh eq erf erfc erfcinv erfinv exp exp2
    expm1 fft floor floor_divide fmax fmin frexp_exponent gather gcd ge gt hypot imag
    integer_pow inv isfinite isinf isnan lcm le lgamma log log10 log1p log2 logaddexp logistic
    lt max min mod mul ne neg nextafter not or pad pinv polygamma population_count pow qr real
    reduce_and reduce_max reduce_min reduce_or reduce_prod reduce_sum reduce_window_max
    reduce_window_min reduce_window_sum rem reshape rev round rsqrt scan scatter scatter_add
    scatter_max scatter_min scatter_mul select_and_gather_add select_and_scatter_add select_n
    shift_left shift_right_arithmetic shift_right_logical sign signbit sin sinc_taylor sinh
    slice slogdet solve sort sqrt stop_gradient sub svd tan tanh threefry2x32 tie_average
    transpose trunc while xlogy xor""".split()
)
NUMPY_ONLY = set(
    """bessel_i0e bessel_i1e exp1 expi ibeta ibeta_grad igamma igamma_grad_a igammac lu schur
    spence zeta zeta_ds xla_erf xla_erf_inv xla_exp xla_log xla_log1p custom_lin pure_callback
    debug_callback debug_print random_gamma random_gamma_grad random_gamma_grad_second
    cholesky_lapack32 eigh_lapack32 qr_lapack32 svd_lapack32""".split()
)
# Calls whose body runs inline in the program that runs: they run wherever their body does.
INLINED = {"jit", "custom_jvp_call", "custom_vjp_call"}


def test_the_table_covers_every_primitive() -> None:
    names = {p.name for p in every_primitive()}
    assert not RUNS_ANYWHERE & NUMPY_ONLY
    known = RUNS_ANYWHERE | NUMPY_ONLY | INLINED
    assert names - known == set(), "classify these new primitives"
    assert known - names == set(), "these primitives are gone"
    assert {p.name for p in array_api.RULES} == RUNS_ANYWHERE


def strict(x: Any) -> Any:
    return xp.asarray(x) if isinstance(x, np.ndarray) else x


def check(f: Callable[..., Any], args: tuple[Any, ...], ran: set[str]) -> None:
    """jit(f) on array_api_strict arrays equals f on NumPy, or raises naming an unsupported
    primitive that the program really has."""
    with np.errstate(all="ignore"):
        want = f(*args)
    strict_args = tg.tree_util.tree_map(strict, args)
    used: set[str] = set()
    primitives_of(tg.jit(f).lower(*args).jaxpr, used)
    try:
        got = tg.jit(f)(*strict_args)
    except NotImplementedError as e:
        if "has no implementation with the array namespace" not in str(e):
            raise
        named = str(e).split("'")[1]  # the primitive comes first
        assert named in used and named in NUMPY_ONLY, str(e)
        assert "array_api_strict" in str(e)
        return
    ran.update(used)
    got_leaves = tg.tree_util.tree_leaves(got)
    for g, w in zip(got_leaves, tg.tree_util.tree_leaves(want), strict=True):
        assert type(g) is type(xp.asarray(0.0))  # nothing left the namespace
        g = np.asarray(g)
        assert g.shape == np.shape(w) and g.dtype == np.asarray(w).dtype
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-9)


RAN: set[str] = set()


@pytest.mark.parametrize("name, f, args, diff", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue_on_array_api_strict(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], diff: bool
) -> None:
    check(f, args, RAN)
    if diff:
        check(tg.grad(sum_of(f)), args, RAN)


V = np.random.default_rng(1).normal(size=(3, 4))
# Primitives that the catalogue reaches only next to a NumPy-only one
EXTRA = [
    ("arg extrema", lambda x: tnp.argmax(x, axis=1) + tnp.argmin(x, axis=0)[:3], (V,), False),
    ("logistic", lambda x: tg.nn.sigmoid(x) * x, (V,), True),
    ("dynamic_slice", lambda x, i: tg.lax.dynamic_slice(x, (i, i), (2, 2)), (V, np.int32(1)), True),
    (
        "shifts",
        lambda n: tg.lax.shift_left(n, n % 5) + tg.lax.shift_right_arithmetic(n, n % 3),
        (np.array([[-7, 0, 5], [1 << 20, -1, 33]], np.int32),),
        False,
    ),
    ("nextafter", lambda x: tnp.nextafter(x, 0.0) * x, (V,), True),
    ("rsqrt", lambda x: tg.lax.rsqrt(x + 2.0), (np.abs(V),), True),
    ("erf", lambda x: tg.scipy.special.erf(x) * tg.scipy.special.erfc(x * 3.0), (V,), True),
    (
        "gamma family",
        lambda x: tg.scipy.special.gammaln(x) * tg.scipy.special.digamma(x),
        (V,),
        True,
    ),
    (
        "random bits",
        lambda x, k: x * tg.random.uniform(k, x.shape),
        (V, tg.random.PRNGKey(0)),
        True,
    ),
    ("sinc at 0", lambda x: tnp.sinc(x * (x > 0)), (V,), True),
    # det's derivative is the adjugate, here of a singular matrix too
    ("adjugate", lambda a: tnp.linalg.det(a), (np.stack([V[:, :3], V[[0, 0, 1], :3]]),), True),
]


@pytest.mark.parametrize("name, f, args, diff", EXTRA, ids=[c[0] for c in EXTRA])
def test_extra_cases_on_array_api_strict(
    name: str, f: Callable[..., Any], args: tuple[Any, ...], diff: bool
) -> None:
    test_catalogue_on_array_api_strict(name, f, args, diff)


def test_every_rule_ran() -> None:
    """Run after the catalogue: its programs and gradients ran every primitive of the table
    on array_api_strict (with the extra cases below)."""
    if not RAN:
        pytest.skip("run with the catalogue")
    assert RUNS_ANYWHERE - RAN == set()
