"""Jacobians and Hessians: ``jacfwd`` (vmapped jvp), ``jacrev`` (vmapped vjp), ``hessian``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import get_aval, pytree
from tracegrad.ops.structural import moveaxis, reshape, slice_in_dim
from tracegrad.transforms.arguments import FlatFun, at_positions, diff_args, split_aux
from tracegrad.transforms.jvp import jvp
from tracegrad.transforms.vjp import vjp_flat_fun
from tracegrad.transforms.vmap import vmap_with_invariant


def _std_basis(leaves: Sequence[Any]) -> tuple[list[Any], int]:
    """One-hot tangents for every input element, batched along a new leading axis."""
    sizes = [int(np.prod(get_aval(x).shape, dtype=np.int64)) for x in leaves]
    total = sum(sizes)
    dtype = np.result_type(*[get_aval(x).dtype for x in leaves]) if leaves else np.float64
    eye = np.eye(total, dtype=dtype)
    basis, start = [], 0
    for x, n in zip(leaves, sizes, strict=True):
        aval = get_aval(x)
        basis.append(eye[:, start : start + n].reshape((total, *aval.shape)).astype(aval.dtype))
        start += n
    return basis, total


def _map_basis(fn: Callable[..., Any], basis: list[Any], total: int) -> tuple[Any, Any]:
    """``fn`` maps a basis element to ``(same, rows)``, where ``same`` does not depend on
    it; returns ``same`` and the rows stacked along a new leading axis, by
    ``vmap_with_invariant``; for one basis element (a scalar input or output), by one call
    of ``fn``, so the program stays free of a batch of one."""
    if total != 1:
        return vmap_with_invariant(fn, basis, total)
    same, rows = fn(*(b[0] for b in basis))
    return same, pytree.tree_map(lambda r: reshape(r, (1, *get_aval(r).shape)), rows)


def _split_last(jac: Any, lead_shape: tuple[int, ...], leaves: Sequence[Any]) -> list[Any]:
    """Split the flattened last axis of ``jac`` into one block per leaf, shaped like the leaf."""
    out, start = [], 0
    for x in leaves:
        shape = get_aval(x).shape
        n = int(np.prod(shape, dtype=np.int64))
        block = slice_in_dim(jac, start, start + n, len(lead_shape))
        out.append(reshape(block, (*lead_shape, *shape)))
        start += n
    return out


def jacfwd(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of ``fun`` by forward mode (one jvp per input element, vmapped).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.jacfwd(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    @functools.wraps(fun)
    def jacfun(*args: Any, **kwargs: Any) -> Any:
        d = diff_args(fun, args, kwargs, argnums, "jacfwd", holomorphic)
        nums, unique, dyn, in_leaves, in_tree, f = d
        basis, total = _std_basis(in_leaves)

        def push(*t_leaves: Any) -> tuple[Any, Any]:
            tangents = pytree.tree_unflatten(in_tree, t_leaves)
            if has_aux:
                f_aux = lambda *d: split_aux(f(*d), "jacfwd")
                y, t, aux = jvp(f_aux, dyn, tangents, has_aux=True)
                return (y, aux), t
            y, t = jvp(f, dyn, tangents)
            return (y, None), t

        # The output and aux come from the same pass, not from calling ``fun`` once more.
        (y, aux), jac_tree = _map_basis(push, basis, total)
        y_leaves, y_tree = pytree.tree_flatten(y)
        jac_leaves = pytree.tree_leaves(jac_tree)
        blocks = []
        for y_leaf, j in zip(y_leaves, jac_leaves, strict=True):
            j = moveaxis(j, 0, -1)
            parts = _split_last(j, get_aval(y_leaf).shape, in_leaves)
            tree = pytree.tree_unflatten(in_tree, parts)
            blocks.append(tree[0] if isinstance(argnums, int) else at_positions(tree, unique, nums))
        jac = pytree.tree_unflatten(y_tree, blocks)
        return (jac, aux) if has_aux else jac

    return jacfun


def jacrev(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """The Jacobian of ``fun`` by reverse mode (one vjp per output element, vmapped).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.jacrev(lambda x: x * x)(np.array([1.0, 2.0]))
    array([[2., 0.],
           [0., 4.]])
    """

    @functools.wraps(fun)
    def jacfun(*args: Any, **kwargs: Any) -> Any:
        d = diff_args(fun, args, kwargs, argnums, "jacrev", holomorphic, allow_int)
        nums, unique, _, in_leaves, in_tree, f = d
        y, f_vjp, aux = vjp_flat_fun(FlatFun(f, in_tree, has_aux, "jacrev"), in_leaves)
        y_leaves, y_tree = pytree.tree_flatten(y)
        basis, total = _std_basis(y_leaves)

        def pull(*ct_leaves: Any) -> tuple[Any, Any]:
            return (), f_vjp(pytree.tree_unflatten(y_tree, ct_leaves))

        # One per input leaf: (n_out, *in_shape).
        rows = pytree.tree_leaves(_map_basis(pull, basis, total)[1])
        starts = np.cumsum(
            [0] + [int(np.prod(get_aval(v).shape, dtype=np.int64)) for v in y_leaves]
        )
        per_out = []
        for k, y_leaf in enumerate(y_leaves):
            y_shape = get_aval(y_leaf).shape
            parts = [
                reshape(
                    slice_in_dim(r, int(starts[k]), int(starts[k + 1]), 0),
                    (*y_shape, *get_aval(x).shape),
                )
                for r, x in zip(rows, in_leaves, strict=True)
            ]
            tree = pytree.tree_unflatten(in_tree, parts)
            per_out.append(
                tree[0] if isinstance(argnums, int) else at_positions(tree, unique, nums)
            )
        jac = pytree.tree_unflatten(y_tree, per_out)
        return (jac, aux) if has_aux else jac

    return jacfun


def hessian(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
) -> Callable[..., Any]:
    """The Hessian of a scalar ``fun``: ``jacfwd(jacrev(fun))``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.hessian(lambda x: tnp.sum(x * x * x))(np.array([1.0, 2.0]))
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    return jacfwd(
        jacrev(fun, argnums, has_aux=has_aux, holomorphic=holomorphic),
        argnums,
        has_aux=has_aux,
        holomorphic=holomorphic,
    )
