"""Functions that apply functions: ``vectorize`` and ``apply_along_axis`` (by ``vmap``, as
JAX's), ``piecewise``, ``apply_over_axes`` and ``fromfunction``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval
from tracegrad.numpy._arraylike import operand, operands
from tracegrad.numpy._joining import stack
from tracegrad.numpy._manipulation import broadcast_to, expand_dims, moveaxis
from tracegrad.numpy._reductions import any as any_
from tracegrad.numpy._ufuncs import where
from tracegrad.numpy._ufuncs_compare import logical_not
from tracegrad.numpy.frontend import numpy_when_eager

_DIMS = r"\((?:\w+(?:,\s*\w+)*)?\)"
_SIGNATURE = re.compile(rf"^\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*->\s*{_DIMS}(?:\s*,\s*{_DIMS})*\s*$")


def _parse_signature(signature: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """A generalized-ufunc signature ``"(m,n),(n)->(m)"`` as core dimension names."""
    if not _SIGNATURE.match(signature):
        raise ValueError(f"not a valid gufunc signature: {signature}")
    ins, outs = signature.split("->")

    def groups(text: str) -> list[tuple[str, ...]]:
        return [tuple(d.strip() for d in g.split(",") if d.strip())
                for g in re.findall(r"\((.*?)\)", text)]  # fmt: skip

    return groups(ins), groups(outs)


class vectorize:
    """``pyfunc`` applied elementwise (or to core sub-arrays, by ``signature``) over the
    broadcast leading axes of its arguments, as ``jax.numpy.vectorize`` does it: by
    ``vmap``, so ``pyfunc`` is traced once with tracegrad.numpy operations (not called once
    per element as by ``numpy.vectorize``). Keyword arguments and the positions or names in
    ``excluded`` pass through unchanged.

    >>> f = vectorize(lambda x, y: x * y + 1.0)
    >>> f(np.array([1.0, 2.0]), np.array([[1.0], [3.0]]))
    array([[2., 3.],
           [4., 7.]])
    >>> vectorize(lambda v: v.sum(), signature="(n)->()")(np.ones((2, 3)))
    array([3., 3.])
    """

    def __init__(
        self,
        pyfunc: Callable[..., Any],
        otypes: Any = None,
        doc: str | None = None,
        excluded: Any = None,
        cache: bool = False,
        signature: str | None = None,
    ) -> None:
        self.pyfunc = pyfunc
        self.excluded = frozenset(excluded or ())
        self.signature = signature
        self.otypes = otypes
        self.__doc__ = doc if doc is not None else getattr(pyfunc, "__doc__", None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        moving = [i for i in range(len(args)) if i not in self.excluded]
        if self.signature is None:
            in_core: list[tuple[str, ...]] = [()] * len(moving)
        else:
            in_core = _parse_signature(self.signature)[0]
            if len(in_core) != len(moving):
                raise TypeError(
                    f"wrong number of positional arguments: expected {len(in_core)}, got "
                    f"{len(moving)}"
                )
        arrays = [operand(args[i]) for i in moving]
        loops = []
        for a, core in zip(arrays, in_core, strict=True):
            shape = get_aval(a).shape
            if len(shape) < len(core):
                raise ValueError(
                    f"input with shape {shape} does not have enough dimensions for its core "
                    f"dimensions {core} in signature {self.signature!r}"
                )
            loops.append(shape[: len(shape) - len(core)])
        loop = np.broadcast_shapes(*loops) if loops else ()
        size = int(np.prod(loop, dtype=np.int64))
        flat = []
        for a, core in zip(arrays, in_core, strict=True):
            core_shape = get_aval(a).shape[len(get_aval(a).shape) - len(core) :]
            flat.append(broadcast_to(a, loop + core_shape).reshape((size, *core_shape)))

        def call(*moved: Any) -> Any:
            full = list(args)
            for i, m in zip(moving, moved, strict=True):
                full[i] = m
            return self.pyfunc(*full, **kwargs)

        if not loop:
            return call(*(f.reshape(get_aval(f).shape[1:]) for f in flat))
        from tracegrad.transforms.vmap import vmap  # loaded on first use (docs/imports.md)

        out = vmap(call)(*flat)
        if isinstance(out, tuple):
            return tuple(o.reshape(loop + get_aval(o).shape[1:]) for o in out)
        result = operand(out)
        return result.reshape(loop + get_aval(result).shape[1:])


@numpy_when_eager(np.piecewise)
def piecewise(x: Any, condlist: Any, funclist: Sequence[Any], *args: Any, **kw: Any) -> Any:
    """``funclist[i](x)`` (or the constant ``funclist[i]``) where ``condlist[i]`` holds (a
    later condition wins), the extra function (if there is one) where none holds, else 0;
    in ``x``'s dtype. Every function is evaluated on all of ``x``, as in JAX.

    >>> piecewise(np.array([-1.0, 2.0]), [np.array([True, False])], [lambda v: -v, 5.0])
    array([1., 5.])
    """
    xv = operand(x)
    conds = _conditions(condlist, get_aval(xv).ndim)
    n, n2 = len(conds), len(funclist)
    if n == n2 - 1:
        others = any_(stack(conds), axis=0) if conds else np.zeros(get_aval(xv).shape, bool)
        conds.append(logical_not(others))
    elif n != n2:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are expected")
    dtype = get_aval(xv).dtype
    y: Any = np.zeros(get_aval(xv).shape, dtype)
    for cond, func in zip(conds, funclist, strict=True):
        value = func(xv, *args, **kw) if callable(func) else func
        y = where(cond, operand(value).astype(dtype), y)
    return y


def _conditions(condlist: Any, ndim: int) -> list[Any]:
    """NumPy's reading of ``condlist``: one condition, or a sequence (or stacked array) of
    them."""
    if isinstance(condlist, Tracer | np.ndarray):
        if ndim != 0 and get_aval(condlist).ndim == ndim:
            return [operand(condlist).astype(bool)]
        return [c.astype(bool) for c in operands(condlist)]
    if np.isscalar(condlist):
        return [np.asarray(condlist, bool)]
    first = condlist[0] if len(condlist) else None
    if ndim != 0 and not isinstance(first, list | np.ndarray | Tracer):
        return [operand(condlist).astype(bool)]
    return [operand(c).astype(bool) for c in condlist]


@numpy_when_eager(np.apply_along_axis)
def apply_along_axis(
    func1d: Callable[..., Any], axis: int, arr: Any, *args: Any, **kwargs: Any
) -> Any:
    """``func1d`` applied to the 1-d slices of ``arr`` along ``axis`` (by ``vmap``, as in
    JAX); its output's dimensions replace ``axis``.

    >>> apply_along_axis(lambda v: v[::-1], 1, np.array([[1, 2], [3, 4]]))
    array([[2, 1],
           [4, 3]])
    """
    a = operand(arr)
    nd = get_aval(a).ndim
    ax = axis + nd if axis < 0 else axis
    if not 0 <= ax < nd:
        raise np.exceptions.AxisError(axis, nd)
    moved = moveaxis(a, ax, -1)
    batch = get_aval(moved).shape[:-1]
    size = int(np.prod(batch, dtype=np.int64))
    flat = moved.reshape((size, get_aval(moved).shape[-1]))
    from tracegrad.transforms.vmap import vmap  # loaded on first use (docs/imports.md)

    out = operand(vmap(lambda v: operand(func1d(v, *args, **kwargs)))(flat))
    core = get_aval(out).shape[1:]
    out = out.reshape(batch + core)
    k = len(core)
    return moveaxis(out, list(range(len(batch), len(batch) + k)), list(range(ax, ax + k)))


@numpy_when_eager(np.apply_over_axes)
def apply_over_axes(func: Callable[[Any, int], Any], a: Any, axes: Any) -> Any:
    """``func(a, axis)`` applied for each of ``axes`` in turn, the reduced axis kept (so
    the result has ``a``'s dimensions).

    >>> import tracegrad.numpy as tnp
    >>> apply_over_axes(tnp.sum, np.ones((2, 3)), [0, 1])
    array([[6.]])
    """
    val = operand(a)
    n = get_aval(val).ndim
    for axis in [axes] if np.ndim(axes) == 0 else list(axes):
        ax = axis + n if axis < 0 else axis
        res = operand(func(val, ax))
        if get_aval(res).ndim != get_aval(val).ndim:
            res = expand_dims(res, ax)
            if get_aval(res).ndim != get_aval(val).ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val


def fromfunction(
    function: Callable[..., Any], shape: Any, *, dtype: Any = float, like: Any = None, **kwargs: Any
) -> Any:
    """``function`` called with one index array per dimension of ``shape`` (in ``dtype``).

    >>> fromfunction(lambda i, j: i + 10 * j, (2, 2), dtype=int)
    array([[ 0, 10],
           [ 1, 11]])
    """
    return function(*np.indices(shape, dtype=dtype), **kwargs)
