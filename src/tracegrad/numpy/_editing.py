"""Functions that move, drop, repeat or overwrite elements: ``insert``, ``delete``,
``resize``, ``extract``, ``compress``, ``place``, ``put``, ``put_along_axis``,
``fill_diagonal`` and ``choose``.

On traced values, NumPy itself runs the function on arrays of element *ids* (``k`` for
element ``k`` of the array, ``-1 - k`` for element ``k`` of the values); the result is a
gather of the traced elements by those ids, so every NumPy rule of shapes, broadcasting,
cycling and index modes holds exactly, and the derivative flows to the elements that were
kept. Index and mask arguments need known values (their number decides the shape).

NumPy writes ``place``, ``put``, ``put_along_axis`` and ``fill_diagonal`` in place and
returns None; JAX's arrays are immutable and its versions take ``inplace=False`` and return
the result. Both work here: eager calls with ``inplace=True`` (the default) are NumPy's;
``inplace=False`` returns a new array, and is required on traced values, as JAX requires it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tracegrad.core import Tracer, get_aval, is_eager
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._indexing import take
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._manipulation import broadcast_to
from tracegrad.numpy._ufuncs import clip, mod, where
from tracegrad.numpy.frontend import (
    contains_tracer,
    numpy_unless,
    numpy_when_eager,
    promote_dtypes,
)


def _ids(shape: tuple[int, ...], values: bool = False) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    ids = np.arange(n, dtype=np.intp).reshape(shape)
    return -1 - ids if values else ids


def _gather(ids: np.ndarray, arr: Any, vals: Any = None) -> Any:
    """The array whose element at each place is ``arr``'s element ``id`` (``id >= 0``) or
    ``vals``' element ``-1 - id`` (cast to ``arr``'s dtype)."""
    flat = operand(arr).ravel()
    out = take(flat, np.maximum(ids, 0)) if get_aval(flat).size else flat.reshape(ids.shape)
    if vals is None or not (ids < 0).any():
        return out
    v = operand(vals).astype(get_aval(flat).dtype).ravel()
    return where(ids >= 0, out, take(v, np.maximum(-1 - ids, 0)))


def _known(x: Any, what: str) -> Any:
    return np.asarray(concrete(x, what)) if contains_tracer(x) else x


def _index_arg(obj: Any, what: str) -> Any:
    return obj if isinstance(obj, slice) or np.isscalar(obj) else _known(obj, what)


@numpy_when_eager(np.insert)
def insert(arr: Any, obj: Any, values: Any, axis: int | None = None) -> Any:
    """``arr`` with ``values`` inserted before the indices ``obj`` along ``axis``
    (flattened if None); differentiable in ``arr`` and ``values``.

    >>> insert(np.array([1.0, 2.0, 3.0]), 1, [9.0, 8.0])
    array([1., 9., 8., 2., 3.])
    """
    a = operand(arr)
    v = operand(values)
    where_ = _index_arg(obj, "insert's indices")
    ids = np.insert(_ids(get_aval(a).shape), where_, _ids(get_aval(v).shape, True), axis)
    return _gather(ids, a, v)


@numpy_unless(np.delete, "assume_unique_indices")
def delete(
    arr: Any, obj: Any, axis: int | None = None, *, assume_unique_indices: bool = False
) -> Any:
    """``arr`` without the entries ``obj`` (indices, a slice or a boolean mask) along
    ``axis`` (flattened if None).

    >>> delete(np.array([[1, 2], [3, 4]]), 0, axis=0)
    array([[3, 4]])
    """
    a = operand(arr)
    ids = np.delete(_ids(get_aval(a).shape), _index_arg(obj, "delete's indices"), axis)
    return _gather(ids, a)


@numpy_when_eager(np.resize)
def resize(a: Any, new_shape: Any) -> Any:
    """An array of ``new_shape`` filled with the elements of ``a`` repeated in order.

    >>> resize(np.array([1, 2, 3]), (2, 4))
    array([[1, 2, 3, 1],
           [2, 3, 1, 2]])
    """
    x = operand(a)
    return _gather(np.resize(_ids(get_aval(x).shape), new_shape), x)


@numpy_unless(np.extract, "size")
def extract(condition: Any, arr: Any, *, size: int | None = None, fill_value: Any = 0) -> Any:
    """The elements of the flattened ``arr`` where the flattened ``condition`` is nonzero;
    with JAX's ``size=``, the first ``size`` of them padded with ``fill_value``.

    >>> extract(np.array([True, False, True]), np.array([1.0, 2.0, 3.0]))
    array([1., 3.])
    """
    x = operand(arr)
    cond = _known(condition, "extract's condition")
    ids = np.extract(cond, _ids(get_aval(x).shape))
    return _padded(_gather(ids, x), size, fill_value)


def _padded(out: Any, size: int | None, fill_value: Any) -> Any:
    if size is None:
        return out
    n = get_aval(out).shape[0]
    if n >= size:
        return out[:size]
    fill = np.full((size - n, *get_aval(out).shape[1:]), fill_value, get_aval(out).dtype)
    return concatenate([out, fill])


@numpy_unless(np.compress, "size")
def compress(
    condition: Any,
    a: Any,
    axis: int | None = None,
    out: None = None,
    *,
    size: int | None = None,
    fill_value: Any = 0,
) -> Any:
    """The slices of ``a`` along ``axis`` (flattened if None) where ``condition`` holds.

    >>> compress([False, True], np.array([[1, 2], [3, 4]]), axis=0)
    array([[3, 4]])
    """
    x = operand(a)
    cond = _known(condition, "compress's condition")
    ids = np.compress(cond, _ids(get_aval(x).shape), axis)
    if size is not None and axis not in (None, 0):
        raise NotImplementedError("tracegrad.numpy.compress: size= with an axis other than 0")
    return _padded(_gather(ids, x), size, fill_value)


def _in_place_or_new(
    name: str, np_fn: Callable[..., Any], arr: Any, inplace: bool, build: Callable[[], Any]
) -> Any:
    """NumPy's in-place write (returns None) for eager ``inplace=True``; else the new array
    from ``build``. Traced values are immutable: ``inplace=True`` raises as in JAX."""
    if inplace:
        if isinstance(arr, Tracer) or not is_eager():
            raise NotImplementedError(
                f"JAX arrays are immutable, must use inplace=False. tracegrad.numpy.{name} "
                f"cannot write into a traced value: call {name}(..., inplace=False) and use "
                "the array it returns."
            )
        np_fn()
        return None
    return build()


def place(arr: Any, mask: Any, vals: Any, *, inplace: bool = True) -> Any:
    """Write ``vals`` (cycled) into ``arr`` where ``mask`` holds, as ``numpy.place``;
    ``inplace=False`` returns the new array instead (JAX's form, needed when traced).

    >>> place(np.arange(4.0), np.array([1, 0, 1, 0]), [9.0], inplace=False)
    array([9., 1., 9., 3.])
    """
    x = operand(arr) if not inplace else arr
    v = operand(vals)

    def build() -> Any:
        ids = _ids(get_aval(x).shape)
        np.place(ids, _known(mask, "place's mask"), _ids(get_aval(v).shape, True))
        return _gather(ids, x, v)

    return _in_place_or_new("place", lambda: np.place(arr, mask, vals), arr, inplace, build)


def put(a: Any, ind: Any, v: Any, mode: str | None = None, *, inplace: bool = True) -> Any:
    """Write ``v`` (cycled) at the flat indices ``ind`` of ``a``, as ``numpy.put``;
    ``inplace=False`` returns the new array instead.

    >>> put(np.zeros(4), [0, 2], [5.0, 6.0], inplace=False)
    array([5., 0., 6., 0.])
    """
    x = operand(a) if not inplace else a
    vv = operand(v)
    np_mode = "raise" if mode is None else mode

    def build() -> Any:
        ids = _ids(get_aval(x).shape)
        idx = _known(ind, "put's indices")
        np.put(ids, idx, _ids(get_aval(vv).shape, True), mode=np_mode)  # type: ignore[arg-type]
        return _gather(ids, x, vv)

    return _in_place_or_new("put", lambda: np.put(a, ind, v, mode=np_mode), a, inplace, build)  # type: ignore[arg-type]


def put_along_axis(
    arr: Any,
    indices: Any,
    values: Any,
    axis: int | None,
    inplace: bool = True,
    *,
    mode: str | None = None,
) -> Any:
    """Write ``values`` at ``indices`` along ``axis``, as ``numpy.put_along_axis``;
    ``inplace=False`` returns the new array instead.

    >>> put_along_axis(np.zeros((2, 2)), np.array([[1], [0]]), 7.0, 1, inplace=False)
    array([[0., 7.],
           [7., 0.]])
    """
    x = operand(arr) if not inplace else arr
    v = operand(values)

    def build() -> Any:
        ids = _ids(get_aval(x).shape)
        idx = np.asarray(_known(indices, "put_along_axis's indices"))
        vids = np.broadcast_to(_ids(get_aval(v).shape, True), idx.shape)
        np.put_along_axis(ids, idx, vids, axis)
        return _gather(ids, x, v)

    def eager() -> None:
        np.put_along_axis(arr, indices, values, axis)

    return _in_place_or_new("put_along_axis", eager, arr, inplace, build)


def fill_diagonal(a: Any, val: Any, wrap: bool = False, *, inplace: bool = True) -> Any:
    """Write ``val`` (cycled) on the main diagonal of ``a`` (all dimensions equal beyond
    2-d), as ``numpy.fill_diagonal``; ``inplace=False`` returns the new array instead.

    >>> fill_diagonal(np.zeros((2, 3)), [1.0, 2.0], inplace=False)
    array([[1., 0., 0.],
           [0., 2., 0.]])
    """
    x = operand(a) if not inplace else a
    v = operand(val)

    def build() -> Any:
        ids = _ids(get_aval(x).shape)
        np.fill_diagonal(ids, np.resize(_ids(get_aval(v).shape, True), ids.size), wrap)
        return _gather(ids, x, v)

    return _in_place_or_new(
        "fill_diagonal", lambda: np.fill_diagonal(a, val, wrap), a, inplace, build
    )


@numpy_when_eager(np.choose)
def choose(a: Any, choices: Any, out: None = None, mode: str = "raise") -> Any:
    """Elementwise ``choices[a]`` (all broadcast together); ``mode`` ``'wrap'`` or
    ``'clip'`` maps out-of-range indices (``'raise'`` needs known indices).

    >>> choose(np.array([0, 1, 0]), [np.array([1, 2, 3]), np.array([10, 20, 30])])
    array([ 1, 20,  3])
    """
    idx = operand(a)
    opts = promote_dtypes(*(operand(c) for c in choices))
    n = len(opts)
    if mode == "raise":
        known = concrete(idx, "choose's indices with mode='raise' (use mode='clip')")
        if np.any((np.asarray(known) < 0) | (np.asarray(known) >= n)):
            raise ValueError("invalid entry in choice array")
    elif mode == "wrap":
        idx = mod(idx, n)
    elif mode == "clip":
        idx = clip(idx, 0, n - 1)
    else:
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    result = opts[-1]
    for i in range(n - 2, -1, -1):
        result = where(idx == i, opts[i], result)
    shape = np.broadcast_shapes(get_aval(idx).shape, *(get_aval(o).shape for o in opts))
    return broadcast_to(result, shape)
