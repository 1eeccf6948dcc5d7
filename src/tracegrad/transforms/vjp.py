"""Reverse mode: ``vjp`` (linearize, then transpose), ``grad`` and ``value_and_grad``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import UndefinedPrimal, Zero, get_aval, is_eager, pytree, tangent_aval
from tracegrad.core.dtypes import float0, is_complex, is_float, is_inexact
from tracegrad.transforms.jvp import FlatFun, as_value, split_aux
from tracegrad.transforms.linearize import linearize_flat
from tracegrad.transforms.tape import linearize_eager
from tracegrad.transforms.transpose import backward_pass, fit_to_aval, match_dtype


def _zeros_cotangent(aval: Any) -> Any:
    return np.zeros(aval.shape, aval.dtype)


def _finish(ct: Any, aval: Any) -> Any:
    """A cotangent as handed to users: an array of the primal's tangent type, writeable."""
    ct = _zeros_cotangent(aval) if type(ct) is Zero else match_dtype(ct, aval)
    if isinstance(ct, np.ndarray):
        if ct.ndim == 0:  # as NumPy's own functions do, a 0-d result is a NumPy scalar
            return ct[()]
        if not ct.flags.writeable:
            ct = ct.copy()
    return ct


def vjp(fun: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    """``(fun(*primals), vjp_fn)``; ``vjp_fn(ct)`` pulls a cotangent back to the inputs.

    ``vjp_fn`` may be called any number of times.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> y, f_vjp = tg.vjp(tnp.sin, 0.0)
    >>> f_vjp(2.0)
    (np.float64(2.0),)
    """
    leaves, in_tree = pytree.tree_flatten(primals)
    leaves = [as_value(x) for x in leaves]
    flat_fun = FlatFun(fun, in_tree, has_aux, "vjp")
    if is_eager():
        all_outs, pull = linearize_eager(flat_fun, leaves)
    else:
        all_outs, linear, _ = linearize_flat(flat_fun, leaves)
        undefined = [
            UndefinedPrimal(a)
            for a in (tangent_aval(get_aval(x)) for x in leaves)
            if a.dtype != float0
        ]

        def pull(cts: list[Any]) -> list[Any]:
            return backward_pass(linear.jaxpr, linear.consts, undefined, cts)

    n_out = flat_fun.num_out
    out_tree = flat_fun.out_tree
    assert out_tree is not None
    outs, aux_leaves = all_outs[:n_out], all_outs[n_out:]
    in_avals = [tangent_aval(get_aval(x)) for x in leaves]
    out_avals = [tangent_aval(get_aval(o)) for o in outs]
    aux_zeros = [Zero(tangent_aval(get_aval(a))) for a in aux_leaves]

    def vjp_fn(ct: Any) -> tuple[Any, ...]:
        ct_leaves, ct_tree = pytree.tree_flatten(ct)
        if ct_tree != out_tree:
            raise ValueError(
                "unexpected tree structure of argument to vjp function: got "
                f"{ct_tree}, but expected to match the primal output {out_tree}. Pass a "
                "cotangent with the structure of the function's output."
            )
        checked = []
        for c, aval, out in zip(ct_leaves, out_avals, outs, strict=True):
            if aval.dtype == float0:  # an output without derivative: any dtype will do
                c = as_value(c)
                fitted = c if get_aval(c).shape == aval.shape else None
            else:
                fitted = fit_to_aval(c, aval)
            if fitted is None:
                raise _cotangent_type_error(as_value(c), aval, get_aval(out))
            checked.append(fitted)
        res = iter(pull(checked + aux_zeros))
        cts_in = [
            _zeros_cotangent(a) if a.dtype == float0 else _finish(next(res), a) for a in in_avals
        ]
        return tuple(pytree.tree_unflatten(in_tree, cts_in))

    out = pytree.tree_unflatten(out_tree, outs)
    if has_aux:
        return out, vjp_fn, flat_fun.aux(aux_leaves)
    return out, vjp_fn


def _cotangent_type_error(ct: Any, want: Any, out_aval: Any) -> ValueError:
    got = get_aval(ct)
    return ValueError(
        "unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got "
        f"{got.str_short()}, but expected {want.str_short()} because the corresponding output "
        f"of the differentiated function had JAX type {out_aval.str_short()} (cotangent shape "
        f"{got.shape}, dtype {got.dtype.name}; output shape {out_aval.shape}, dtype "
        f"{out_aval.dtype.name}). Pass a cotangent of the output's shape and dtype."
    )


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


def _check_output(ans: Any, holomorphic: bool) -> None:
    try:
        aval = get_aval(ans)
    except TypeError:
        raise TypeError(
            "Gradient only defined for scalar-output functions. Output was "
            f"{ans!r} of type {type(ans).__name__}."
        ) from None
    if aval.shape != ():
        raise TypeError(
            f"Gradient only defined for scalar-output functions. Output had shape: {aval.shape}."
        )
    if holomorphic:
        if not is_complex(aval.dtype):
            raise TypeError(
                "grad with holomorphic=True requires outputs with complex dtype, "
                f"but got {aval.dtype.name}."
            )
    elif not is_float(aval.dtype):
        raise TypeError(
            "grad requires real-valued outputs (output dtype that is a sub-dtype of "
            f"np.floating), but got {aval.dtype.name}. For holomorphic differentiation, "
            "pass holomorphic=True. For differentiating non-holomorphic functions "
            "involving complex outputs, use vjp directly."
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
    fun: Callable[..., Any], args: tuple[Any, ...], nums: tuple[int, ...], kwargs: dict[str, Any]
) -> Callable[..., Any]:
    """``fun`` as a function of the arguments at positions ``nums``, the others fixed."""

    def partial(*dyn: Any) -> Any:
        full = list(args)
        for i, a in zip(nums, dyn, strict=True):
            full[i] = a
        return fun(*full, **kwargs)

    return partial


def value_and_grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """A function returning ``(fun(*args), grad)`` (``((value, aux), grad)`` with has_aux).

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.value_and_grad(lambda x: x ** 2)(3.0)
    (np.float64(9.0), np.float64(6.0))
    """

    @functools.wraps(fun)
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        nums = argnums_tuple(argnums, len(args), "grad")
        unique = tuple(dict.fromkeys(nums))
        dyn = [args[i] for i in unique]
        for leaf in pytree.tree_leaves(dyn):
            check_input_dtype(as_value(leaf), holomorphic, allow_int)
        f = with_args_at(fun, args, unique, kwargs)

        def partial_fun(*dyn_args: Any) -> Any:
            out = f(*dyn_args)
            return split_aux(out, "grad") if has_aux else (out, None)

        ans, vjp_fn, aux = vjp(partial_fun, *dyn, has_aux=True)
        _check_output(ans, holomorphic)
        one = np.ones((), get_aval(ans).dtype)
        grads = vjp_fn(one)
        g = grads[0] if isinstance(argnums, int) else at_positions(grads, unique, nums)
        return ((ans, aux), g) if has_aux else (ans, g)

    return value_and_grad_f


def grad(
    fun: Callable[..., Any],
    argnums: int | Sequence[int] = 0,
    has_aux: bool = False,
    holomorphic: bool = False,
    allow_int: bool = False,
) -> Callable[..., Any]:
    """The gradient of a scalar-valued ``fun`` with respect to argument(s) ``argnums``.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> tg.grad(lambda x: tnp.sin(x) * x)(0.0)
    np.float64(0.0)
    >>> tg.grad(tg.grad(lambda x: x ** 3))(2.0)
    np.float64(12.0)
    """
    vg = value_and_grad(fun, argnums, has_aux, holomorphic, allow_int)

    @functools.wraps(fun)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            (_, aux), g = vg(*args, **kwargs)
            return g, aux
        _, g = vg(*args, **kwargs)
        return g

    return grad_f
