"""autograd's differential operators (``autograd.differential_operators``) on the core.

Each operator is written for a function of one argument ``x`` and lifted to autograd's
``(fun, argnum=0)`` convention by :func:`nary`: ``argnum`` is an int or a tuple, and with a
tuple ``x`` is the tuple of those arguments (so is the gradient).
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.control.remat import checkpoint as _checkpoint
from tracegrad.core import pytree
from tracegrad.transforms.jacobians import jacrev
from tracegrad.transforms.jvp import jvp as _jvp
from tracegrad.transforms.vjp import vjp as _vjp

Fn = Callable[..., Any]


def nary(unary: Callable[..., Any]) -> Callable[..., Fn]:
    """Lift ``unary(fun_of_x, x, *op_args)`` to ``op(fun, argnum=0, *op_args)``."""

    @functools.wraps(unary)
    def operator(fun: Fn, argnum: int | Sequence[int] = 0, *op_args: Any, **op_kw: Any) -> Fn:
        if not isinstance(argnum, int | tuple | list):
            raise TypeError(f"argnum must be an int or a tuple of ints, got {argnum!r}")

        @functools.wraps(fun)
        def applied(*args: Any, **kwargs: Any) -> Any:
            def unary_f(x: Any) -> Any:
                sub = list(args)
                if isinstance(argnum, int):
                    sub[argnum] = x
                else:
                    for i, xi in zip(argnum, x):
                        sub[i] = xi
                return fun(*sub, **kwargs)

            x = args[argnum] if isinstance(argnum, int) else tuple(args[i] for i in argnum)
            return unary(unary_f, x, *op_args, **op_kw)

        return applied

    return operator


def _check_differentiable(x: Any) -> None:
    if isinstance(x, int | bool | np.integer) or (
        isinstance(x, np.ndarray) and not np.issubdtype(x.dtype, np.inexact)
    ):
        raise TypeError(
            f"Can't differentiate w.r.t. type {type(x)}: pass a float "
            f"(tracegrad, like autograd, differentiates floats and complex numbers only)"
        )


def _zero_dim(g: Any) -> Any:
    return np.asarray(g) if isinstance(g, np.generic | float | complex) else g


def _make_vjp(fun: Fn, x: Any) -> tuple[Fn, Any]:
    if isinstance(x, int | bool | np.integer | np.ndarray):
        _check_differentiable(x)
    ans, f_vjp = _vjp(fun, x)
    if isinstance(x, tuple | list | dict):
        # autograd's containers hold 0-d arrays where the value was a scalar
        return (lambda g: pytree.tree_map(_zero_dim, f_vjp(g)[0])), ans
    return (lambda g: f_vjp(g)[0]), ans


def _make_jvp(fun: Fn, x: Any) -> Fn:
    return lambda v: _jvp(fun, (x,), (v,))


def _ones_like(ans: Any) -> Any:
    return tnp.ones_like(ans)


def _size(ans: Any) -> int:
    return int(np.prod(np.shape(ans)))


def _scalar_only(ans: Any, name: str) -> None:
    if _size(ans) != 1 or np.iscomplexobj(ans):
        raise TypeError(
            f"{name} only applies to real scalar-output functions (got an output of shape "
            f"{np.shape(ans)}). Try jacobian, elementwise_grad or holomorphic_grad."
        )


@nary
def make_vjp(fun: Fn, x: Any) -> tuple[Fn, Any]:
    """``(vjp, ans)``: the value and its vector-Jacobian product function, as autograd.

    >>> vjp, ans = make_vjp(lambda x: x ** 2)(3.0)
    >>> float(ans), float(vjp(1.0))
    (9.0, 6.0)
    """
    return _make_vjp(fun, x)


@nary
def make_jvp(fun: Fn, x: Any) -> Fn:
    """A function of a tangent returning ``(ans, jvp)``, as autograd.

    >>> [float(v) for v in make_jvp(lambda x: x ** 2)(3.0)(1.0)]
    [9.0, 6.0]
    """
    return _make_jvp(fun, x)


@nary
def grad(fun: Fn, x: Any) -> Any:
    """The gradient of scalar-valued ``fun`` in argument ``argnum``, as ``autograd.grad``.

    >>> float(grad(lambda x, y: x * y, 1)(2.0, 3.0))
    2.0
    """
    vjp, ans = _make_vjp(fun, x)
    _scalar_only(ans, "Grad")
    return vjp(_ones_like(ans))


@nary
def elementwise_grad(fun: Fn, x: Any) -> Any:
    """The sum of the Jacobian's rows in one reverse pass (its diagonal when it is diagonal).

    >>> elementwise_grad(tnp.sin)(np.zeros(2))
    array([1., 1.])
    """
    vjp, ans = _make_vjp(fun, x)
    if np.iscomplexobj(ans):
        raise TypeError("Elementwise_grad only applies to real-output functions.")
    return vjp(_ones_like(ans))


@nary
def deriv(fun: Fn, x: Any) -> Any:
    """The forward-mode derivative along a tangent of ones.

    >>> float(deriv(tnp.sin)(0.0))
    1.0
    """
    return _make_jvp(fun, x)(_ones_like(x))[1]


@nary
def jacobian(fun: Fn, x: Any) -> Any:
    """The Jacobian, shaped ``out.shape + x.shape``.

    >>> jacobian(lambda x: 2.0 * x)(np.zeros(2))
    array([[2., 0.],
           [0., 2.]])
    """
    return jacrev(fun)(x)


@nary
def holomorphic_grad(fun: Fn, x: Any) -> Any:
    """The gradient of ``real(fun)`` (autograd's convention for holomorphic functions).

    >>> complex(holomorphic_grad(lambda z: z * z)(1.0 + 1.0j))
    (2+2j)
    """
    if not np.iscomplexobj(x):
        warnings.warn("Input to holomorphic_grad is not complex", stacklevel=2)
    return grad(lambda x: tnp.real(fun(x)))(x)


def grad_named(fun: Fn, argname: str) -> Fn:
    """The gradient in the argument named ``argname``.

    >>> float(grad_named(lambda a, b: a * b, "b")(2.0, 3.0))
    2.0
    """
    return grad(fun, inspect.getfullargspec(fun).args.index(argname))


@nary
def hessian(fun: Fn, x: Any) -> Any:
    """The Hessian, as ``jacobian(jacobian(fun))``.

    >>> hessian(lambda x: tnp.sum(x ** 3))(np.ones(2))
    array([[6., 0.],
           [0., 6.]])
    """
    return jacobian(jacobian(fun))(x)


@nary
def make_hvp(fun: Fn, x: Any) -> tuple[Fn, Any]:
    """``(hvp, grad)``: Hessian-vector products at ``x`` and the gradient there.

    >>> hvp, g = make_hvp(lambda x: tnp.sum(x ** 3))(np.ones(2))
    >>> hvp(np.array([1.0, 0.0]))
    array([6., 0.])
    """
    return _make_vjp(grad(fun), x)


def hessian_tensor_product(fun: Fn, argnum: int = 0) -> Fn:
    """``f(*args, tensor)``: the Hessian in ``argnum`` contracted with ``tensor``.

    >>> hessian_tensor_product(lambda x: tnp.sum(x ** 3))(np.ones(2), np.ones(2))
    array([6., 6.])
    """
    fun_grad = grad(fun, argnum)

    def vector_dot_grad(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        return tnp.tensordot(fun_grad(*args, **kwargs), vector, tnp.ndim(vector))

    return grad(vector_dot_grad, argnum)


def tensor_jacobian_product(fun: Fn, argnum: int = 0) -> Fn:
    """``f(*args, tensor)``: ``tensor`` contracted with the Jacobian in ``argnum``.

    >>> tensor_jacobian_product(lambda x: 2.0 * x)(np.ones(2), np.array([1.0, 3.0]))
    array([2., 6.])
    """

    def vector_dot_fun(*args: Any, **kwargs: Any) -> Any:
        args, vector = args[:-1], args[-1]
        return tnp.tensordot(vector, fun(*args, **kwargs), axes=tnp.ndim(vector))

    return jacobian(vector_dot_fun, argnum)


hessian_vector_product = hessian_tensor_product
vector_jacobian_product = tensor_jacobian_product


def _half_sum_squares(x: Any) -> Any:
    return 0.5 * tnp.sum(x**2, axis=-1)


def make_ggnvp(f: Fn, g: Fn = _half_sum_squares, f_argnum: int = 0) -> Fn:
    """Generalized Gauss-Newton-vector products ``J^T H_g J v`` at a point, as autograd.

    >>> ggnvp = make_ggnvp(lambda x: 2.0 * x)(np.ones(2))
    >>> ggnvp(np.array([1.0, 0.0]))
    array([4., 0.])
    """

    @nary
    def at(f: Fn, x: Any) -> Fn:
        f_vjp, f_x = _make_vjp(f, x)
        g_hvp, _ = _make_vjp(grad(g), f_x)
        return lambda v: f_vjp(g_hvp(_jvp(f, (x,), (v,))[1]))

    return at(f, f_argnum)


@nary
def value_and_grad(fun: Fn, x: Any) -> tuple[Any, Any]:
    """``(value, gradient)``, as autograd (ready for ``scipy.optimize.minimize(jac=True)``).

    >>> [float(v) for v in value_and_grad(tnp.sin)(0.0)]
    [0.0, 1.0]
    """
    vjp, ans = _make_vjp(fun, x)
    _scalar_only(ans, "value_and_grad")
    return ans, vjp(_ones_like(ans))


@nary
def grad_and_aux(fun: Fn, x: Any) -> tuple[Any, Any]:
    """``(gradient of the first output, the second output)`` of a function returning two.

    >>> g, aux = grad_and_aux(lambda x: (x ** 2, "aux"))(3.0)
    >>> float(g), aux
    (6.0, 'aux')
    """
    box: list[Any] = []

    def first(x: Any) -> Any:
        ans, aux = fun(x)
        box.append(aux)
        return ans

    vjp, ans = _make_vjp(first, x)
    return vjp(_ones_like(ans)), box[-1]


def multigrad_dict(fun: Fn) -> Fn:
    """Gradients in every argument at once, as an ``OrderedDict`` from name to gradient.

    >>> {k: float(v) for k, v in multigrad_dict(lambda a, b=2.0: a * b)(3.0).items()}
    {'a': 2.0, 'b': 3.0}
    """
    sig = inspect.signature(fun)
    kinds = inspect.Parameter

    def gradfun(*args: Any, **kwargs: Any) -> OrderedDict[str, Any]:
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        names = list(bound.arguments)

        def by_name(values: dict[str, Any]) -> Any:
            pos: list[Any] = []
            kw: dict[str, Any] = {}
            for name in names:
                kind = sig.parameters[name].kind
                if kind == kinds.VAR_POSITIONAL:
                    pos.extend(values[name])
                elif kind == kinds.VAR_KEYWORD:
                    kw.update(values[name])
                elif kind == kinds.KEYWORD_ONLY:
                    kw[name] = values[name]
                else:
                    pos.append(values[name])
            return fun(*pos, **kw)

        grads = grad(by_name)(dict(bound.arguments))
        return OrderedDict((name, grads[name]) for name in names)

    return gradfun


def checkpoint(fun: Fn) -> Fn:
    """``fun`` whose intermediates are recomputed in the backward pass (``tg.checkpoint``).

    >>> float(grad(checkpoint(tnp.sin))(0.0))
    1.0
    """
    return _checkpoint(fun)
