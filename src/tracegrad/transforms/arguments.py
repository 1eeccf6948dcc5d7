"""How a transformation takes the user's function and its arguments: argument values as
arrays, the positions it differentiates (``argnums``) or keeps fixed (static arguments),
the function of the other arguments, and the function of flat leaves that records its
output structure (``FlatFun``). One home, so that every transformation reaches the user's
function through the same few frames."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from tracegrad.core import Tracer, get_aval, pytree
from tracegrad.core.aval import concrete_aval, invalid_value_error, is_traceable_dtype
from tracegrad.core.dtypes import is_complex, is_inexact
from tracegrad.core.trace import is_foreign


def split_aux(out: Any, name: str) -> tuple[Any, Any]:
    if not (isinstance(out, tuple | list) and len(out) == 2):
        raise TypeError(
            f"{name} with has_aux=True requires the function to return a pair "
            f"(output, auxiliary data), got {type(out).__name__}."
        )
    return out[0], out[1]


class FlatFun:
    """``fun`` of a pytree of arguments as a function of flat leaves, recording the output
    structure. With ``has_aux``, the traced aux leaves ride along as extra outputs, so that
    the transformation lowers them out of its trace; ``aux`` puts them back. With
    ``kwargs``, ``in_tree`` is that of a pair ``(args, kwargs)``.

    >>> leaves, in_tree = pytree.tree_flatten(((1.0, {"b": 2.0}),))
    >>> flat = FlatFun(lambda p: {"sum": p[0] + p[1]["b"]}, in_tree, False, "example")
    >>> flat(*leaves), flat.out_tree.num_leaves
    ([3.0], 1)
    """

    def __init__(
        self,
        fun: Callable[..., Any],
        in_tree: pytree.PyTreeDef,
        has_aux: bool,
        name: str,
        *,
        kwargs: bool = False,
    ) -> None:
        self.fun, self.in_tree, self.has_aux, self.name = fun, in_tree, has_aux, name
        self.kwargs = kwargs
        self.out_tree: pytree.PyTreeDef | None = None
        self.aux_tree: pytree.PyTreeDef | None = None
        self.aux_all: list[Any] = []

    def __call__(self, *leaves: Any) -> list[Any]:
        if self.kwargs:
            args, kwargs = pytree.tree_unflatten(self.in_tree, leaves)
            out = self.fun(*args, **kwargs)
        else:
            out = self.fun(*pytree.tree_unflatten(self.in_tree, leaves))
        traced_aux: list[Any] = []
        if self.has_aux:
            out, aux = split_aux(out, self.name)
            self.aux_all, self.aux_tree = pytree.tree_flatten(aux)
            traced_aux = [a for a in self.aux_all if isinstance(a, Tracer)]
        out_leaves, self.out_tree = pytree.tree_flatten(out)
        return out_leaves + traced_aux

    @property
    def num_out(self) -> int:
        assert self.out_tree is not None
        return self.out_tree.num_leaves

    def aux(self, lowered: Sequence[Any]) -> Any:
        """The aux pytree, with the lowered values of its traced leaves."""
        assert self.aux_tree is not None
        it = iter(lowered)
        leaves = [next(it) if isinstance(a, Tracer) else a for a in self.aux_all]
        return pytree.tree_unflatten(self.aux_tree, leaves)


def as_value(x: Any) -> Any:
    """A Python scalar, list or tuple of numbers becomes an array; arrays pass unchanged."""
    if isinstance(x, Tracer | np.ndarray | np.generic):
        return x
    if isinstance(x, bool | int | float | complex):
        return np.asarray(x, concrete_aval(x).dtype)  # an int beyond int64: OverflowError
    if is_foreign(x):  # another library's array: computed with its namespace
        return x
    try:
        value = np.asarray(x)
    except Exception as e:
        raise invalid_value_error(x, None, None) from e
    if not is_traceable_dtype(value.dtype):  # a string, a list of objects, ...
        raise invalid_value_error(x, value.dtype, None)
    return value


def check_input_dtype(x: Any, holomorphic: bool, allow_int: bool, name: str = "grad") -> None:
    """JAX's checks of a differentiated input: inexact (or allow_int), complex if holomorphic."""
    dtype = get_aval(x).dtype
    if holomorphic:
        if not is_complex(dtype):
            raise TypeError(
                f"{name} with holomorphic=True requires inputs with complex dtype, "
                f"but got {dtype.name}."
            )
    elif not is_inexact(dtype) and not allow_int:
        raise TypeError(
            f"{name} requires real- or complex-valued inputs (input dtype that is a sub-dtype "
            f"of np.inexact), but got {dtype.name}. If you want to use Boolean- or "
            "integer-valued inputs, use vjp or set allow_int to True."
        )


def argnums_tuple(argnums: int | Sequence[int], nargs: int, name: str) -> tuple[int, ...]:
    """``argnums`` as a tuple of non-negative positions, checked as JAX checks them.

    Repeated positions stay repeated (see ``at_positions``).
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums:
        raise ValueError(
            f"{name} got argnums=(), an empty sequence: there is no argument to "
            "differentiate with respect to. Pass the position of at least one positional "
            "argument, e.g. argnums=0."
        )
    for a in nums:
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(
                f"argnums must be an int or a sequence of ints, but got {argnums!r} "
                f"(an element of type {type(a).__name__})."
            )
    if name == "grad" and max(nums) >= nargs:  # grad and value_and_grad, as JAX types it
        raise TypeError(
            f"differentiating with respect to argnums={argnums!r} requires at least "
            f"{max(nums) + 1} positional arguments to be passed by the caller, but got only "
            f"{nargs} positional arguments."
        )
    for a in nums:
        if not -nargs <= a < nargs:
            raise ValueError(
                "Positional argument indices, e.g. for `static_argnums`, must have value "
                "greater than or equal to -len(args) and less than len(args), but got value "
                f"{a} for len(args) == {nargs} (in {name} with argnums={argnums!r}). Pass "
                "argnums that name positional arguments the function is called with."
            )
    return tuple(a % nargs for a in nums)


def at_positions(
    per_unique: Sequence[Any], unique: tuple[int, ...], nums: tuple[int, ...]
) -> tuple[Any, ...]:
    """Results computed once per distinct position in ``unique``, laid out as ``nums``.

    A position repeated in argnums gets the derivative with respect to that argument at
    each of its places (as ``torch.autograd.grad`` does for a repeated input); each repeat
    is a copy, so no two results share memory.

    >>> at_positions([np.ones(1), 2.0], (0, 1), (1, 0, 0))
    (2.0, array([1.]), array([1.]))
    """
    out: list[Any] = []
    for k, i in enumerate(nums):
        value = per_unique[unique.index(i)]
        if i in nums[:k]:
            value = pytree.tree_map(_fresh, value)
        out.append(value)
    return tuple(out)


def _fresh(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def with_args_at(
    fun: Callable[..., Any],
    args: Sequence[Any],
    nums: Sequence[int],
    kwargs: dict[str, Any] | None = None,
) -> Callable[..., Any]:
    """``fun`` as a function of the arguments at positions ``nums``, the others fixed at
    ``args`` and ``kwargs`` (keyword arguments given to the call are passed on too).
    When ``nums`` are all positions in order, ``fun`` itself (or a ``functools.partial`` of
    it with ``kwargs``): the common call adds no Python frame between a transformation and
    the user's function.

    >>> f = with_args_at(lambda a, b, c=0: (a, b, c), (1, 2), (1,), {"c": 3})
    >>> f(5)
    (1, 5, 3)
    >>> g = lambda a, b: a + b
    >>> with_args_at(g, (1, 2), (0, 1)) is g
    True
    """
    if tuple(nums) == tuple(range(len(args))):
        return functools.partial(fun, **kwargs) if kwargs else fun
    fixed = dict(kwargs or {})

    def partial(*dyn: Any, **more: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, dyn, strict=True):
            full[i] = a
        return fun(*full, **fixed, **more)

    return partial


def without_static(
    fun: Callable[..., Any],
    args: Sequence[Any],
    static: set[int],
    kwargs: dict[str, Any] | None = None,
) -> tuple[list[Any], Callable[..., Any]]:
    """The arguments not at the positions ``static``, and ``fun`` as a function of them
    (the static ones fixed): the preamble of ``jit``, ``checkpoint`` and the custom rules.

    >>> dyn, f = without_static(lambda a, b, c: a * b + c, (2, 3, 4), {0})
    >>> dyn, f(10, 1)
    ([3, 4], 21)
    """
    positions = [i for i in range(len(args)) if i not in static]
    return [args[i] for i in positions], with_args_at(fun, args, positions, kwargs)


class DiffArgs(NamedTuple):
    """The arguments a differentiating transformation works on (see ``diff_args``)."""

    nums: tuple[int, ...]  # argnums as positions, repeats kept
    unique: tuple[int, ...]  # each position once
    dyn: tuple[Any, ...]  # the arguments at ``unique``, their leaves as arrays
    leaves: list[Any]  # the leaves of ``dyn``
    in_tree: pytree.PyTreeDef  # the structure of ``dyn``
    fun: Callable[..., Any]  # the user's function of ``dyn``, the other arguments fixed


def diff_args(
    fun: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    argnums: int | Sequence[int],
    name: str,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> DiffArgs:
    """The preamble of ``grad``, ``value_and_grad``, ``jacfwd`` and ``jacrev``: ``argnums``
    checked as JAX checks them, the differentiated arguments as arrays with JAX's dtype
    checks, and ``fun`` as a function of them.

    >>> d = diff_args(lambda x, y: x * y, (2.0, 3.0), {}, 1, "grad")
    >>> d.nums, d.leaves, d.fun(4.0)
    ((1,), [array(3.)], 8.0)
    """
    nums = argnums_tuple(argnums, len(args), name)
    unique = tuple(dict.fromkeys(nums))
    raw, in_tree = pytree.tree_flatten(tuple(args[i] for i in unique))
    leaves = [as_value(x) for x in raw]
    for leaf in leaves:
        check_input_dtype(leaf, holomorphic, allow_int, name)
    dyn = tuple(pytree.tree_unflatten(in_tree, leaves))
    return DiffArgs(nums, unique, dyn, leaves, in_tree, with_args_at(fun, args, unique, kwargs))
