"""Reverse mode: ``vjp`` (linearize, then transpose), ``grad`` and ``value_and_grad``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import UndefinedPrimal, Zero, get_aval, is_eager, pytree, tangent_aval
from tracegrad.core.dtypes import float0, is_complex, is_float
from tracegrad.core.trace import EVAL_TRACE, fast_current_trace
from tracegrad.transforms.arguments import FlatFun, as_value, at_positions, diff_args
from tracegrad.transforms.linearize import linearize_flat
from tracegrad.transforms.tape import grad_eager, linearize_eager
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
    out, vjp_fn, aux = vjp_flat_fun(FlatFun(fun, in_tree, has_aux, "vjp"), leaves)
    return (out, vjp_fn, aux) if has_aux else (out, vjp_fn)


def vjp_flat_fun(
    flat_fun: FlatFun, leaves: Sequence[Any], once: bool = False
) -> tuple[Any, Callable[[Any], tuple[Any, ...]], Any]:
    """``vjp`` of a function of flat leaves: ``(output, vjp_fn, aux)`` (``aux`` is None
    without ``has_aux``). ``grad`` and ``jacrev`` call it with their own ``FlatFun``, so that
    the user's function is reached through no wrapper of ``vjp``'s. With ``once``, the
    caller calls ``vjp_fn`` once only (eager reverse mode then frees residuals as it goes)."""
    leaves = [as_value(x) for x in leaves]
    if is_eager():
        all_outs, pull = linearize_eager(flat_fun, leaves, once)
    else:
        all_outs, linear, _ = linearize_flat(flat_fun, leaves)
        undefined = [
            UndefinedPrimal(a)
            for a in (tangent_aval(get_aval(x)) for x in leaves)
            if a.dtype != float0
        ]

        def pull(cts: list[Any]) -> list[Any]:
            return backward_pass(linear.jaxpr, linear.consts, undefined, cts)

    n_out, in_tree, out_tree = flat_fun.num_out, flat_fun.in_tree, flat_fun.out_tree
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
    return out, vjp_fn, flat_fun.aux(aux_leaves) if flat_fun.has_aux else None


def _cotangent_type_error(ct: Any, want: Any, out_aval: Any) -> ValueError:
    got = get_aval(ct)
    return ValueError(
        "unexpected JAX type (e.g. shape/dtype) for argument to VJP function: got "
        f"{got.str_short()}, but expected {want.str_short()} because the corresponding output "
        f"of the differentiated function had JAX type {out_aval.str_short()} (cotangent shape "
        f"{got.shape}, dtype {got.dtype.name}; output shape {out_aval.shape}, dtype "
        f"{out_aval.dtype.name}). Pass a cotangent of the output's shape and dtype."
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
    return _gradient(fun, argnums, has_aux, holomorphic, allow_int, with_value=True)


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
    return _gradient(fun, argnums, has_aux, holomorphic, allow_int, with_value=False)


def _gradient(
    fun: Callable[..., Any],
    argnums: int | Sequence[int],
    has_aux: bool,
    holomorphic: bool,
    allow_int: bool,
    with_value: bool,
) -> Callable[..., Any]:
    """``grad`` (``with_value=False``) or ``value_and_grad``: one closure between the
    caller and ``vjp_flat_fun``."""

    def check(ans: Any) -> None:
        _check_output(ans, holomorphic)

    # The position of the one argument differentiated, where the tape can be run directly
    # for a float array there (no pytree, no has_aux); -1 otherwise.
    simple = type(argnums) is int and argnums >= 0 and not (has_aux or holomorphic)
    at = int(argnums) if simple else -1  # type: ignore[arg-type]

    @functools.wraps(fun)
    def grad_f(*args: Any, **kwargs: Any) -> Any:
        if 0 <= at < len(args):
            x = args[at]
            if type(x) is np.ndarray and x.dtype.kind == "f" and fast_current_trace() is EVAL_TRACE:
                ans, g = grad_eager(fun, args, kwargs, at, check)
                if not (type(g) is np.ndarray and g.ndim and g.dtype == x.dtype):
                    aval = get_aval(x)  # a float array's tangent type is its own
                    g = _finish(Zero(aval) if g is None else g, aval)
                elif not g.flags.writeable:  # what _finish leaves of an array of x's type
                    g = g.copy()
                return (ans, g) if with_value else g
        d = diff_args(fun, args, kwargs, argnums, "grad", holomorphic, allow_int)
        flat_fun = FlatFun(d.fun, d.in_tree, has_aux, "grad")
        ans, vjp_fn, aux = vjp_flat_fun(flat_fun, d.leaves, once=True)
        _check_output(ans, holomorphic)
        grads = vjp_fn(np.array(1, get_aval(ans).dtype))
        g = grads[0] if isinstance(argnums, int) else at_positions(grads, d.unique, d.nums)
        if with_value:
            return ((ans, aux), g) if has_aux else (ans, g)
        return (g, aux) if has_aux else g

    return grad_f
