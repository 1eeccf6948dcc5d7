"""argnums of grad, value_and_grad, jacrev, jacfwd and hessian: repeated positions give the
derivative at each place (docs/decisions.md), bad argnums raise JAX's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

X = np.array([1.0, 2.0, 3.0])
Y = np.array([4.0, 5.0, 6.0])


def f(a: Any, b: Any) -> Any:
    return tnp.sum(a * a * b)


def vector_f(a: Any, b: Any) -> Any:
    return a * a * b


def _assert_tree_equal(got: Any, want: Any) -> None:
    got_leaves, got_tree = tg.tree_util.tree_flatten(got)
    want_leaves, want_tree = tg.tree_util.tree_flatten(want)
    assert got_tree == want_tree
    for g, w in zip(got_leaves, want_leaves, strict=True):
        np.testing.assert_allclose(g, w)


def _per_position(transform: Callable[..., Any], fun: Any, nums: tuple[int, ...]) -> Any:
    """The derivative with respect to each position computed on its own."""
    return tuple(transform(fun, argnums=i)(X, Y) for i in nums)


ENTRY_POINTS = [
    ("grad", tg.grad, f),
    ("jit(grad)", lambda fun, argnums: tg.jit(tg.grad(fun, argnums=argnums)), f),
    ("grad(jit)", lambda fun, argnums: tg.grad(tg.jit(fun), argnums=argnums), f),
    ("jacrev", tg.jacrev, vector_f),
    ("jacfwd", tg.jacfwd, vector_f),
    ("jit(jacrev)", lambda fun, argnums: tg.jit(tg.jacrev(fun, argnums=argnums)), vector_f),
    ("hessian", tg.hessian, f),
]

NAMES = [e[0] for e in ENTRY_POINTS]


@pytest.mark.parametrize("nums", [(0, 0), (1, 0, 1), (0, -2), (1, 1, 1)])
@pytest.mark.parametrize(("name", "transform", "fun"), ENTRY_POINTS, ids=NAMES)
def test_repeated_argnums_give_the_derivative_at_each_place(
    name: str, transform: Callable[..., Any], fun: Any, nums: tuple[int, ...]
) -> None:
    got = transform(fun, argnums=nums)(X, Y)
    assert isinstance(got, tuple) and len(got) == len(nums)
    if name == "hessian":
        # hessian is jacfwd(jacrev): a block per pair of positions
        want = tuple(
            tuple(tg.jacfwd(tg.jacrev(fun, argnums=j), argnums=i)(X, Y) for j in nums) for i in nums
        )
    else:
        base = {"jit(grad)": tg.grad, "grad(jit)": tg.grad, "jit(jacrev)": tg.jacrev}
        want = _per_position(base.get(name, transform), fun, nums)
    _assert_tree_equal(got, want)
    if name != "hessian":  # f is linear in b: its second derivative there is zero
        for leaf in tg.tree_util.tree_leaves(got):
            assert np.any(leaf != 0)  # never the zeros of the bug


def test_repeated_argnums_value_and_grad_and_has_aux() -> None:
    value, grads = tg.value_and_grad(f, argnums=(0, 0))(X, Y)
    assert value == pytest.approx(float(np.sum(X * X * Y)))
    _assert_tree_equal(grads, (2 * X * Y, 2 * X * Y))
    (value, aux), grads = tg.value_and_grad(lambda a, b: (f(a, b), a), (1, 1), has_aux=True)(X, Y)
    _assert_tree_equal(grads, (X * X, X * X))
    np.testing.assert_array_equal(aux, X)
    grads, aux = tg.grad(lambda a, b: (f(a, b), b), argnums=(0, 1, 0), has_aux=True)(X, Y)
    _assert_tree_equal(grads, (2 * X * Y, X * X, 2 * X * Y))


def test_repeated_argnums_with_pytree_arguments() -> None:
    g = tg.grad(lambda d, b: tnp.sum(d["a"] * b), argnums=(0, 0))({"a": X}, Y)
    _assert_tree_equal(g, ({"a": Y}, {"a": Y}))


def test_repeated_results_share_no_memory() -> None:
    for g in (
        tg.grad(f, argnums=(0, 0))(X, Y),
        tg.jacrev(vector_f, argnums=(0, 0))(X, Y),
        tg.jacfwd(vector_f, argnums=(0, 0))(X, Y),
    ):
        assert not np.shares_memory(g[0], g[1])
        g[0][...] = 0.0
        assert np.any(g[1] != 0)


def test_repeated_argnums_match_torch_autograd_grad() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor(X, requires_grad=True)
    out = (a * a * torch.tensor(Y)).sum()
    want = torch.autograd.grad(out, (a, a))
    got = tg.grad(f, argnums=(0, 0))(X, Y)
    _assert_tree_equal(got, tuple(w.numpy() for w in want))


ALL = [tg.grad, tg.value_and_grad, tg.jacrev, tg.jacfwd, tg.hessian]


@pytest.mark.parametrize("transform", ALL, ids=lambda t: t.__name__)
def test_empty_argnums_is_a_value_error(transform: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r"argnums=\(\)"):
        transform(f, argnums=())(X, Y)


@pytest.mark.parametrize("transform", ALL, ids=lambda t: t.__name__)
def test_argnums_out_of_range(transform: Callable[..., Any]) -> None:
    # As JAX: grad and value_and_grad type a too-large position TypeError, the rest
    # (and every too-negative position) ValueError.
    large = TypeError if transform in (tg.grad, tg.value_and_grad) else ValueError
    with pytest.raises(large, match=r"argnums=1|value 1"):
        transform(lambda a: tnp.sum(a * a), argnums=1)(X)
    with pytest.raises(ValueError, match=r"Positional argument indices.*got value -2"):
        transform(lambda a: tnp.sum(a * a), argnums=-2)(X)


@pytest.mark.parametrize("transform", ALL, ids=lambda t: t.__name__)
def test_non_int_argnums_is_a_type_error(transform: Callable[..., Any]) -> None:
    with pytest.raises(TypeError, match="argnums must be an int"):
        transform(f, argnums=(0, 1.0))(X, Y)
