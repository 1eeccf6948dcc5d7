"""``torch.autograd.functional``: ``jacobian``, ``hessian``, ``vjp``, ``jvp``, ``hvp``,
``vhp`` with PyTorch's signatures, computed by tracegrad's transformations.

Each function builds one function on arrays (the core's jacrev/jacfwd/vjp/jvp of the
user's function, which runs on tensors holding the core's tracers). Without
``create_graph`` it runs on the inputs' arrays. With ``create_graph`` each result is
recorded as one node of the tape (``graph.apply``), whose own vjp the core stages from the
same function, so the results can be differentiated again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.torch import grad_mode
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap
from tracegrad.transforms import jacobians
from tracegrad.transforms import jvp as jvp_mod
from tracegrad.transforms import vjp as vjp_mod

ArrayFn = Callable[..., list[Any]]


def _tuple(x: Any, arg: str, fn: str) -> tuple[bool, tuple[Tensor, ...]]:
    is_tuple = isinstance(x, tuple | list)
    xs = tuple(x) if is_tuple else (x,)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            where = f"{arg} given to {fn} must be either a Tensor or a tuple of Tensors"
            raise TypeError(f"The {where} but the value at index {i} has type {type(t)}.")
    return is_tuple, xs


def _on_arrays(func: Callable[..., Any]) -> Callable[..., tuple[Any, ...]]:
    """``func`` on arrays (or tracers): tensors in, a tuple of arrays out."""

    def g(*arrays: Any) -> tuple[Any, ...]:
        out = func(*[wrap(a) for a in arrays])
        outs = out if isinstance(out, tuple) else (out,)
        return tuple(o._value for o in outs)

    return g


def _run(fn: ArrayFn, n: int, inputs: Sequence[Tensor], create_graph: bool) -> list[Tensor]:
    """The ``n`` results of ``fn`` on the inputs' arrays, recorded under ``create_graph``."""
    if create_graph and grad_mode.STATE.enabled and any(t._requires_grad for t in inputs):
        return [apply(Op("ViewBackward0", lambda *a, _k=k: fn(*a)[_k]), inputs) for k in range(n)]
    return [wrap(np.asarray(r)) for r in fn(*[t._value for t in inputs])]


def _outputs(func: Callable[..., Any], inputs: Sequence[Tensor], fn: str) -> tuple[bool, int]:
    """Whether ``func`` returns a tuple, and how many tensors."""
    with grad_mode.no_grad():
        out = func(*inputs)
    is_tuple, outs = _tuple(out, "outputs of the user-provided function", fn)
    return is_tuple, len(outs)


def _nest(flat: list[Tensor], n_out: int, n_in: int, out_tuple: bool, in_tuple: bool) -> Any:
    rows = [tuple(flat[i * n_in : (i + 1) * n_in]) for i in range(n_out)]
    if out_tuple and in_tuple:
        return tuple(rows)
    if out_tuple:
        return tuple(r[0] for r in rows)
    return rows[0] if in_tuple else rows[0][0]


def _no_strict(strict: bool, fn: str) -> None:
    if strict:
        raise NotImplementedError(
            f"tracegrad.torch.autograd.functional.{fn}: strict=True is not supported; "
            "use strict=False."
        )


def jacobian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``func`` at ``inputs``: for each output and input, a tensor of shape
    ``output.shape + input.shape``.

    >>> import tracegrad.torch as torch
    >>> torch.autograd.functional.jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """
    _no_strict(strict, "jacobian")
    if strategy == "forward-mode" and not vectorize:
        raise NotImplementedError(
            "Computing Jacobian using forward-AD or forward-over-reverse Hessian is"
            "only implemented for `vectorize=True`."
        )
    in_tuple, ins = _tuple(inputs, "inputs", "jacobian")
    out_tuple, n_out = _outputs(func, ins, "jacobian")
    transform = jacobians.jacfwd if strategy == "forward-mode" else jacobians.jacrev
    jac = transform(_on_arrays(func), argnums=tuple(range(len(ins))))

    def fn(*arrays: Any) -> list[Any]:
        return [block for row in jac(*arrays) for block in row]

    flat = _run(fn, n_out * len(ins), ins, create_graph)
    return _nest(flat, n_out, len(ins), out_tuple, in_tuple)


def _scalar(func: Callable[..., Any], fn: str) -> Callable[..., Any]:
    def g(*arrays: Any) -> Any:
        out = func(*[wrap(a) for a in arrays])
        if not isinstance(out, Tensor) or out._value.size != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {fn} should contain a single element"
            )
        return out._value.reshape(())

    return g


def hessian(
    func: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of a scalar ``func`` at ``inputs``.

    >>> import tracegrad.torch as torch
    >>> torch.autograd.functional.hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    _no_strict(strict, "hessian")
    in_tuple, ins = _tuple(inputs, "inputs", "hessian")
    hess = jacobians.hessian(_scalar(func, "hessian"), argnums=tuple(range(len(ins))))

    def fn(*arrays: Any) -> list[Any]:
        return [block for row in hess(*arrays) for block in row]

    flat = _run(fn, len(ins) ** 2, ins, create_graph)
    return _nest(flat, len(ins), len(ins), in_tuple, in_tuple)


def _vectors(v: Any, like: Sequence[Tensor], fn: str, single: str) -> tuple[Tensor, ...]:
    """``v`` as a tuple matching ``like``; None only for one single-element tensor."""
    if v is None:
        if len(like) != 1 or like[0]._value.size != 1:
            raise RuntimeError(single)
        return (wrap(np.ones_like(like[0]._value)),)
    _, vs = _tuple(v, "v", fn)
    if len(vs) != len(like):
        raise RuntimeError(
            f"v is a tuple of invalid length: should be {len(like)} but got {len(vs)}."
        )
    for t, x in zip(vs, like, strict=True):
        if t._value.shape != x._value.shape:
            raise RuntimeError(
                f"Mismatch in shape: got {tuple(t.shape)} but expected {tuple(x.shape)}"
            )
    return vs


def _pack(flat: list[Tensor], is_tuple: bool) -> Any:
    return tuple(flat) if is_tuple else flat[0]


def vjp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func_output, vjp)``: the vector-Jacobian product of ``v`` with ``func`` at
    ``inputs``.

    >>> import tracegrad.torch as torch
    >>> torch.autograd.functional.vjp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    _no_strict(strict, "vjp")
    in_tuple, ins = _tuple(inputs, "inputs", "vjp")
    out_tuple, n_out = _outputs(func, ins, "vjp")
    g = _on_arrays(func)
    shapes = [wrap(np.asarray(o)) for o in g(*[t._value for t in ins])]
    vs = _vectors(
        v,
        shapes,
        "vjp",
        "The vector v can only be None if the user-provided function returns a single "
        "Tensor with a single element.",
    )

    def fn(*arrays: Any) -> list[Any]:
        outs, pull = vjp_mod.vjp(g, *arrays[: len(ins)])
        return [*outs, *pull(tuple(arrays[len(ins) :]))]

    flat = _run(fn, n_out + len(ins), [*ins, *vs], create_graph)
    return _pack(flat[:n_out], out_tuple), _pack(flat[n_out:], in_tuple)


def jvp(
    func: Callable[..., Any],
    inputs: Any,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func_output, jvp)``: the Jacobian of ``func`` at ``inputs`` times ``v``.

    >>> import tracegrad.torch as torch
    >>> torch.autograd.functional.jvp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.ones(2))
    (tensor([1., 4.]), tensor([2., 4.]))
    """
    _no_strict(strict, "jvp")
    _, ins = _tuple(inputs, "inputs", "jvp")
    out_tuple, n_out = _outputs(func, ins, "jvp")
    vs = _vectors(
        v,
        ins,
        "jvp",
        "The vector v can only be None if the input to the user-provided "
        "function is a single Tensor with a single element.",
    )
    g = _on_arrays(func)

    def fn(*arrays: Any) -> list[Any]:
        n = len(ins)
        outs, tangents = jvp_mod.jvp(g, tuple(arrays[:n]), tuple(arrays[n:]))
        return [*outs, *tangents]

    flat = _run(fn, 2 * n_out, [*ins, *vs], create_graph)
    return _pack(flat[:n_out], out_tuple), _pack(flat[n_out:], out_tuple)


def _second_order(
    func: Callable[..., Any], inputs: Any, v: Any, create_graph: bool, strict: bool, fn: str
) -> tuple[Any, Any]:
    """``(func_output, H v)`` for a scalar ``func``: the Hessian is symmetric, so hvp and vhp
    are one computation (forward over reverse)."""
    _no_strict(strict, fn)
    in_tuple, ins = _tuple(inputs, "inputs", fn)
    vs = _vectors(
        v,
        ins,
        fn,
        "The vector v can only be None if the input to the user-provided "
        "function is a single Tensor with a single element.",
    )
    scalar = _scalar(func, fn)
    n = len(ins)
    gradient = vjp_mod.grad(scalar, argnums=tuple(range(n)))

    def fn_(*arrays: Any) -> list[Any]:
        _, tangents = jvp_mod.jvp(gradient, tuple(arrays[:n]), tuple(arrays[n:]))
        return [scalar(*arrays[:n]), *tangents]

    flat = _run(fn_, 1 + n, [*ins, *vs], create_graph)
    return flat[0], _pack(flat[1:], in_tuple)


def _hessian_product(name: str, doc: str) -> Callable[..., tuple[Any, Any]]:
    def product(
        func: Callable[..., Any],
        inputs: Any,
        v: Any = None,
        create_graph: bool = False,
        strict: bool = False,
    ) -> tuple[Any, Any]:
        return _second_order(func, inputs, v, create_graph, strict, name)

    product.__name__ = product.__qualname__ = name
    product.__doc__ = doc
    return product


hvp = _hessian_product(
    "hvp",
    """``(func_output, hvp)``: the Hessian of a scalar ``func`` at ``inputs`` times ``v``.

    >>> import tracegrad.torch as torch
    >>> cube = lambda x: (x ** 3).sum()
    >>> torch.autograd.functional.hvp(cube, torch.tensor([1.0, 2.0]), torch.ones(2))
    (tensor(9.), tensor([ 6., 12.]))
    """,
)
vhp = _hessian_product(
    "vhp",
    """``(func_output, vhp)``: ``v`` times the Hessian of a scalar ``func`` at ``inputs``.

    >>> import tracegrad.torch as torch
    >>> cube = lambda x: (x ** 3).sum()
    >>> torch.autograd.functional.vhp(cube, torch.tensor([1.0, 2.0]), torch.ones(2))
    (tensor(9.), tensor([ 6., 12.]))
    """,
)

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]
