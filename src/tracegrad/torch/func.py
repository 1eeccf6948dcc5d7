"""``torch.func``: PyTorch's names and signatures on tracegrad's own transformations.

There is no second implementation here. ``Tensor`` is registered as a pytree node whose
one child is its array, so the core's ``grad``/``vjp``/``jvp``/``vmap``/``jacrev``/
``jacfwd`` flatten tensors to arrays and hand the user's function tensors that hold the
core's tracers; the shim's operations are written with ``tracegrad.numpy`` and run on
tracers unchanged (``graph.apply`` returns an unrecorded tensor for a traced result).
The same registration lets ``tg.jit`` take and return tensors, so these compose with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core import Tracer, pytree
from tracegrad.torch.tensor import Tensor, wrap
from tracegrad.transforms import jacobians
from tracegrad.transforms import jvp as jvp_mod
from tracegrad.transforms import vjp as vjp_mod
from tracegrad.transforms import vmap as vmap_mod


def _unflatten_tensor(_: Any, children: Iterable[Any]) -> Any:
    (v,) = children
    if isinstance(v, np.ndarray | Tracer):
        return wrap(v)  # type: ignore[arg-type]
    if isinstance(v, np.generic):
        return wrap(np.asarray(v))
    return v  # not an array: an axis spec or other metadata laid over a tensor's place


def _register() -> None:
    from tracegrad.torch.nn.modules import Parameter

    for cls in (Tensor, Parameter):
        pytree.register_pytree_node(cls, lambda t: ((t._value,), None), _unflatten_tensor)


_register()


def _values(tree: Any) -> Any:
    return pytree.tree_map(
        lambda x: x._value if isinstance(x, Tensor) else x,
        tree,
        is_leaf=lambda x: isinstance(x, Tensor),
    )


def _tensors(tree: Any) -> Any:
    """Arrays (and tracers) in ``tree`` as tensors."""
    return pytree.tree_map(lambda x: _unflatten_tensor(None, (x,)), tree)


def _key_orders(
    tree: Any, orders: dict[frozenset[Any], list[Any]]
) -> dict[frozenset[Any], list[Any]]:
    """The key order of every dict in ``tree``, by key set."""
    if isinstance(tree, dict):
        orders.setdefault(frozenset(tree), list(tree))
        for v in tree.values():
            _key_orders(v, orders)
    elif isinstance(tree, tuple | list):
        for v in tree:
            _key_orders(v, orders)
    return orders


def _ordered(tree: Any, like: Any) -> Any:
    """``tree`` with its dicts in the key order the user's dicts in ``like`` have (the core's
    pytrees sort dict keys; PyTorch keeps the user's order)."""
    orders = _key_orders(like, {})
    if not orders:
        return tree

    def walk(t: Any) -> Any:
        if isinstance(t, dict):
            keys = orders.get(frozenset(t), list(t))
            return {k: walk(t[k]) for k in keys}
        if isinstance(t, tuple | list):
            return type(t)(walk(v) for v in t)
        return t

    return walk(tree)


def _scalar_output(name: str) -> Callable[[Any], Any]:
    def check(out: Any) -> Any:
        if not isinstance(out, Tensor):
            raise RuntimeError(
                f"{name}(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}"
            )
        if out._value.ndim != 0:
            raise RuntimeError(
                f"{name}(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                f"with {out._value.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs "
                "instead?"
            )
        return out._value

    return check


def _on_values(func: Callable[..., Any], has_aux: bool, check: Any = None) -> Callable[..., Any]:
    """``func`` with its (output, aux) made arrays; the output checked by ``check``."""

    def inner(*args: Any, **kwargs: Any) -> Any:
        out = func(*args, **kwargs)
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError(
                    "grad_and_value(f)(*args): output of function f should be a tuple: "
                    "(output, aux) if has_aux is True"
                )
            main, aux = out
            return (check(main) if check else _values(main)), _values(aux)
        return check(out) if check else _values(out)

    return inner


def grad_and_value(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of a scalar ``func`` and its value: ``(grad, value)``, or
    ``(grad, (value, aux))`` with ``has_aux``.

    >>> import tracegrad.torch as torch
    >>> torch.func.grad_and_value(lambda x: (x ** 2).sum())(torch.tensor([1.0, 2.0]))
    (tensor([2., 4.]), tensor(5.))
    """
    core = vjp_mod.value_and_grad(
        _on_values(func, has_aux, _scalar_output("grad_and_value")), argnums, has_aux=has_aux
    )

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, g = core(*args, **kwargs)
        return _ordered(_tensors(g), args), _tensors(value)

    return wrapper


def grad(
    func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, has_aux: bool = False
) -> Callable[..., Any]:
    """The gradient of a scalar ``func`` with respect to the arguments ``argnums``.

    >>> import tracegrad.torch as torch
    >>> torch.func.grad(lambda x: x.sin().sum())(torch.tensor([0.0, 1.0]))
    tensor([1.0000, 0.5403])
    """
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g, value = both(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def vjp(func: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(output, vjp_fn)`` (and ``aux``): ``vjp_fn(cotangents)`` returns a tuple with one
    gradient per primal.

    >>> import tracegrad.torch as torch
    >>> out, vjp_fn = torch.func.vjp(lambda x: x * 3, torch.tensor([1.0, 2.0]))
    >>> vjp_fn(torch.tensor([1.0, 10.0]))
    (tensor([ 3., 30.]),)
    """
    result = vjp_mod.vjp(_on_values(func, has_aux), *primals, has_aux=has_aux)
    out, pullback = result[0], result[1]

    def vjp_fn(cotangents: Any) -> Any:
        return _ordered(tuple(_tensors(pullback(_values(cotangents)))), primals)

    if has_aux:
        return _tensors(out), vjp_fn, _tensors(result[2])
    return _tensors(out), vjp_fn


def jvp(
    func: Callable[..., Any],
    primals: Any,
    tangents: Any,
    *,
    strict: bool = False,
    has_aux: bool = False,
) -> Any:
    """``(output, jvp_out)`` (and ``aux``): ``func`` at ``primals`` and its derivative
    along ``tangents``, by forward mode.

    >>> import tracegrad.torch as torch
    >>> torch.func.jvp(lambda x: x ** 2, (torch.tensor(3.0),), (torch.tensor(1.0),))
    (tensor(9.), tensor(6.))
    """
    if not isinstance(primals, tuple) or not isinstance(tangents, tuple):
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to be tuples. E.g. "
            "jvp(f, (x,), (t,))"
        )
    result = jvp_mod.jvp(_on_values(func, has_aux), primals, tangents, has_aux=has_aux)
    return tuple([_tensors(r) for r in result])


def jacrev(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    *,
    has_aux: bool = False,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """The Jacobian of ``func`` by reverse mode: ``out.shape + input.shape``.

    >>> import tracegrad.torch as torch
    >>> torch.func.jacrev(lambda x: x ** 2)(torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    core = jacobians.jacrev(_on_values(func, has_aux), argnums, has_aux=has_aux)
    return lambda *args, **kwargs: _ordered(_tensors(core(*args, **kwargs)), args)


def jacfwd(
    func: Callable[..., Any],
    argnums: int | tuple[int, ...] = 0,
    has_aux: bool = False,
    *,
    randomness: str = "error",
) -> Callable[..., Any]:
    """The Jacobian of ``func`` by forward mode.

    >>> import tracegrad.torch as torch
    >>> torch.func.jacfwd(lambda x: x.sum() * x)(torch.tensor([1.0, 2.0]))
    tensor([[4., 1.],
            [2., 5.]])
    """
    _check_randomness(randomness)
    core = jacobians.jacfwd(_on_values(func, has_aux), argnums, has_aux=has_aux)
    return lambda *args, **kwargs: _ordered(_tensors(core(*args, **kwargs)), args)


def hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``func``: ``jacfwd(jacrev(func))``.

    >>> import tracegrad.torch as torch
    >>> torch.func.hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    core = jacobians.hessian(_on_values(func, False), argnums)
    return lambda *args, **kwargs: _ordered(_tensors(core(*args, **kwargs)), args)


def _check_randomness(randomness: str) -> None:
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(
            "Only allowed values for randomness are 'error', 'different', or 'same'. Got "
            f"{randomness}"
        )


def vmap(
    func: Callable[..., Any],
    in_dims: Any = 0,
    out_dims: Any = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """``func`` mapped over dimension ``in_dims`` of its inputs, the results stacked along
    ``out_dims``; with ``chunk_size``, at most that many slices are computed at once.

    >>> import tracegrad.torch as torch
    >>> torch.func.vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
    tensor([2., 2., 2.])
    """
    _check_randomness(randomness)
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got {chunk_size})")
    if isinstance(in_dims, list):
        in_dims = tuple(in_dims)
    inner = _on_values(func, False)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if chunk_size is None:
            out = vmap_mod.vmap(inner, in_dims, out_dims)(*args, **kwargs)
        else:
            out = _vmap_chunks(inner, in_dims, out_dims, chunk_size, args, kwargs)
        return _ordered(_tensors(out), args)

    return wrapper


def _vmap_chunks(
    inner: Callable[..., Any],
    in_dims: Any,
    out_dims: Any,
    chunk_size: int,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """Core vmap over successive slices of at most ``chunk_size``, then concatenated."""
    leaves, tree = pytree.tree_flatten(args)
    dims_tree = in_dims if isinstance(in_dims, tuple) else (in_dims,) * len(args)
    dims = vmap_mod._flatten_axes("vmap in_dims", tree, dims_tree)
    size = next(leaf.shape[d] for leaf, d in zip(leaves, dims, strict=True) if d is not None)
    pieces = []
    for start in range(0, size, chunk_size):
        stop = min(start + chunk_size, size)
        part = [
            x if d is None else tnp.take(x, tnp.arange(start, stop), axis=d)
            for x, d in zip(leaves, dims, strict=True)
        ]
        chunk_args = pytree.tree_unflatten(tree, part)
        pieces.append(vmap_mod.vmap(inner, in_dims, out_dims)(*chunk_args, **kwargs))
    out_tree = pytree.tree_structure(pieces[0])
    outs = vmap_mod._flatten_axes("vmap out_dims", out_tree, out_dims)
    columns = zip(*(pytree.tree_leaves(p) for p in pieces), strict=True)
    joined = [tnp.concatenate(list(col), axis=d) for col, d in zip(columns, outs, strict=True)]
    return pytree.tree_unflatten(out_tree, joined)


@contextlib.contextmanager
def _swapped(module: Any, values: dict[str, Any], strict: bool) -> Iterator[None]:
    """Parameters and buffers of ``module`` named in ``values`` replaced, then restored."""
    saved: list[tuple[dict[str, Any], str, Any]] = []
    names = set(dict(module.named_parameters())) | {n for n, _ in _named_buffers(module)}
    unexpected = [k for k in values if k not in names]
    if strict and (unexpected or names - set(values)):
        missing = sorted(names - set(values))
        raise RuntimeError(
            "Error(s) in reparametrizing for "
            f"{type(module).__name__}:\n\tUnexpected key(s): {unexpected}.\n\t"
            f"Missing key(s): {missing}."
        )
    try:
        for name, value in values.items():
            *path, leaf = name.split(".")
            owner = module
            for p in path:
                owner = owner._modules[p]
            table = owner._parameters if leaf in owner._parameters else owner._buffers
            saved.append((table, leaf, table.get(leaf)))
            table[leaf] = value
        yield
    finally:
        for table, leaf, old in reversed(saved):
            table[leaf] = old


def _named_buffers(module: Any) -> Iterator[tuple[str, Any]]:
    for mname, m in module.named_modules():
        for k, b in m._buffers.items():
            if b is not None:
                yield (f"{mname}.{k}" if mname else k), b


def functional_call(
    module: Any,
    parameter_and_buffer_dicts: Any,
    args: Any = None,
    kwargs: dict[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """Call ``module`` with its parameters and buffers replaced by the given tensors.

    >>> import tracegrad.torch as torch
    >>> m = torch.nn.Linear(2, 1)
    >>> p = {"weight": torch.ones(1, 2), "bias": torch.zeros(1)}
    >>> torch.func.functional_call(m, p, (torch.tensor([[1.0, 2.0]]),))
    tensor([[3.]])
    """
    if isinstance(parameter_and_buffer_dicts, Sequence):
        values: dict[str, Any] = {}
        for d in parameter_and_buffer_dicts:
            for k, v in d.items():
                if k in values:
                    raise ValueError(
                        f"{k} appeared in multiple dictionaries; behavior of functional "
                        "call is ambiguous"
                    )
                values[k] = v
    else:
        values = dict(parameter_and_buffer_dicts)
    if args is None:
        args = ()
    elif not isinstance(args, tuple):
        args = (args,)
    with _swapped(module, values, strict):
        return module(*args, **(kwargs or {}))


__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "jacfwd",
    "jacrev",
    "jvp",
    "vjp",
    "vmap",
]
