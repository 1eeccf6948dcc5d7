"""Set operations: ``unique`` (and the array API's ``unique_*``), ``isin``, ``union1d``,
``intersect1d``, ``setdiff1d`` and ``setxor1d``.

One scheme serves them all: sort the candidates, keep the first of each run of equal values
that the operation wants, and scatter the kept values to the front. The number kept depends
on the values: it is read from them when they are known (eagerly, under ``grad``), and is
JAX's ``size=`` under ``jit``; with ``size=``, missing entries are ``fill_value`` (JAX's
defaults: the smallest value kept, 0 for ``setdiff1d``). The values are gathered from the
input, so they carry its derivative."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from tracegrad.core import get_aval
from tracegrad.numpy._arraylike import concrete, operand
from tracegrad.numpy._creation import full, zeros
from tracegrad.numpy._index_update import at
from tracegrad.numpy._indexing import take
from tracegrad.numpy._joining import concatenate
from tracegrad.numpy._reductions import any as any_
from tracegrad.numpy._reductions import argmax, cumsum, sum
from tracegrad.numpy._sorting import argsort
from tracegrad.numpy._ufuncs import where
from tracegrad.numpy._ufuncs_compare import isnan, logical_not
from tracegrad.numpy.frontend import numpy_named, numpy_unless, numpy_when_eager, promote_dtypes


class UniqueAllResult(NamedTuple):
    values: Any
    indices: Any
    inverse_indices: Any
    counts: Any


class UniqueCountsResult(NamedTuple):
    values: Any
    counts: Any


class UniqueInverseResult(NamedTuple):
    values: Any
    inverse_indices: Any


def _sorted(x: Any) -> tuple[Any, Any, Any]:
    """The flattened ``x`` sorted (stable, NaNs last), its permutation, and the flags of
    the first element of each run of equal values."""
    flat = operand(x).ravel()
    perm = argsort(flat)
    s = take(flat, perm)
    if get_aval(s).shape[0] == 0:
        return s, perm, np.zeros(0, bool)
    new = concatenate([np.ones(1, bool), s[1:] != s[:-1]])
    return s, perm, new


def _same_nans(s: Any, new: Any) -> Any:
    """``new`` with the runs of NaNs merged into one (``equal_nan``)."""
    if get_aval(s).dtype.kind not in "fc" or get_aval(s).shape[0] < 2:
        return new
    both = isnan(s[1:]) & isnan(s[:-1])
    return new & concatenate([np.ones(1, bool), logical_not(both)])


def _count(keep: Any, size: int | None, name: str) -> int:
    if size is not None:
        return int(size)
    what = f"{name} (its result's size depends on the values; pass size=)"
    return int(np.sum(np.asarray(concrete(keep, what))))


def _compact(s: Any, keep: Any, n: int, fill_value: Any) -> Any:
    """The kept entries of ``s`` moved to the front of an array of ``n``, the rest
    ``fill_value`` (None: the first kept entry)."""
    slot = where(keep, cumsum(keep) - 1, n)
    dtype = get_aval(s).dtype
    base = zeros(n, dtype) if fill_value is None else full(n, fill_value, dtype)
    out = at(base)[slot].set(s, mode="drop")
    if fill_value is None and get_aval(s).shape[0]:
        first = take(s, argmax(keep))
        out = where(np.arange(n) < sum(keep), out, first)
    return out


@numpy_unless(np.unique, "size", "fill_value")
def unique(
    ar: Any,
    return_index: bool = False,
    return_inverse: bool = False,
    return_counts: bool = False,
    axis: int | None = None,
    *,
    equal_nan: bool = True,
    size: int | None = None,
    fill_value: Any = None,
    sorted: bool = True,
) -> Any:
    """The sorted unique elements, and optionally the index of the first occurrence of
    each, the index of each element's value in the result (``ar``'s shape) and the counts.
    JAX's ``size=``/``fill_value=`` give a fixed-size result (needed under ``jit``).

    >>> unique(np.array([3, 1, 3, 2]), return_counts=True)
    (array([1, 2, 3]), array([1, 1, 2]))
    """
    x = operand(ar)
    if axis is not None:
        return _unique_axis(x, return_index, return_inverse, return_counts, axis, equal_nan)
    s, perm, new = _sorted(x)
    if equal_nan:
        new = _same_nans(s, new)
    n = _count(new, size, "unique")
    values = _compact(s, new, n, fill_value)
    out = [values]
    if return_index:
        out.append(_compact(perm, new, n, None))
    group = cumsum(new) - 1 if get_aval(s).shape[0] else np.zeros(0, np.intp)
    if return_inverse:
        inverse = at(zeros(get_aval(s).shape[0], np.intp))[perm].set(group)
        out.append(inverse.reshape(get_aval(x).shape))
    if return_counts:
        out.append(at(zeros(n, np.intp))[group].add(1, mode="drop"))
    return out[0] if len(out) == 1 else tuple(out)


def _unique_axis(
    x: Any, return_index: bool, return_inverse: bool, return_counts: bool, axis: int, eq: bool
) -> Any:
    values = np.asarray(concrete(x, "unique along an axis (the result's size depends on it)"))
    res = np.unique(values, True, True, True, axis, equal_nan=eq)
    out = [take(x, res[1], axis=axis)]
    out += [r for r, want in zip(res[1:], (return_index, return_inverse, return_counts)) if want]
    return out[0] if len(out) == 1 else tuple(out)


@numpy_unless(numpy_named("unique_values"), "size", "fill_value")
def unique_values(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted unique elements (NaNs distinct), as the array API's ``unique_values``.

    >>> unique_values(np.array([2.0, 1.0, 2.0]))
    array([1., 2.])
    """
    return unique(x, equal_nan=False, size=size, fill_value=fill_value)


@numpy_unless(numpy_named("unique_counts"), "size", "fill_value")
def unique_counts(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The unique elements and their counts.

    >>> unique_counts(np.array([2, 1, 2]))
    UniqueCountsResult(values=array([1, 2]), counts=array([1, 2]))
    """
    v, c = unique(x, return_counts=True, equal_nan=False, size=size, fill_value=fill_value)
    return UniqueCountsResult(v, c)


@numpy_unless(numpy_named("unique_inverse"), "size", "fill_value")
def unique_inverse(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The unique elements and the index of each element's value among them.

    >>> unique_inverse(np.array([2, 1, 2]))
    UniqueInverseResult(values=array([1, 2]), inverse_indices=array([1, 0, 1]))
    """
    v, i = unique(x, return_inverse=True, equal_nan=False, size=size, fill_value=fill_value)
    return UniqueInverseResult(v, i)


@numpy_unless(numpy_named("unique_all"), "size", "fill_value")
def unique_all(x: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The unique elements, first indices, inverse indices and counts.

    >>> unique_all(np.array([2, 1, 2])).counts
    array([1, 2])
    """
    res = unique(x, True, True, True, equal_nan=False, size=size, fill_value=fill_value)
    return UniqueAllResult(*res)


@numpy_when_eager(np.isin)
def isin(
    element: Any,
    test_elements: Any,
    assume_unique: bool = False,
    invert: bool = False,
    *,
    kind: str | None = None,
) -> Any:
    """Elementwise: whether each element of ``element`` is among ``test_elements``
    (negated if ``invert``).

    >>> isin(np.array([1, 2, 3]), [2, 5])
    array([False,  True, False])
    """
    e, t = promote_dtypes(operand(element), operand(test_elements))
    t = t.ravel()
    found = any_(e.reshape((*get_aval(e).shape, 1)) == t, axis=-1)
    return logical_not(found) if invert else found


def _combined(name: str, a: Any, b: Any, wanted: Any, size: Any, fill_value: Any) -> Any:
    """The sorted distinct values of ``a`` and ``b`` for which ``wanted(s, in_a, in_b)``."""
    x, y = promote_dtypes(operand(a).ravel(), operand(b).ravel())
    s, _, new = _sorted(concatenate([x, y]))
    keep = new & wanted(s, isin(s, x), isin(s, y))
    return _compact(s, keep, _count(keep, size, name), fill_value)


@numpy_unless(np.union1d, "size", "fill_value")
def union1d(ar1: Any, ar2: Any, *, size: int | None = None, fill_value: Any = None) -> Any:
    """The sorted values in either array.

    >>> union1d(np.array([3, 1]), np.array([2, 1]))
    array([1, 2, 3])
    """
    return _combined("union1d", ar1, ar2, lambda s, ia, ib: True, size, fill_value)


@numpy_unless(np.intersect1d, "size", "fill_value")
def intersect1d(
    ar1: Any,
    ar2: Any,
    assume_unique: bool = False,
    return_indices: bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The sorted values in both arrays.

    >>> intersect1d(np.array([3, 1, 2]), np.array([2, 3, 4]))
    array([2, 3])
    """
    if return_indices:
        x, y = operand(ar1), operand(ar2)
        vx = np.asarray(concrete(x, "intersect1d's indices"))
        vy = np.asarray(concrete(y, "intersect1d's indices"))
        _, ix, iy = np.intersect1d(vx, vy, assume_unique, True)
        (vals,) = promote_dtypes(take(x.ravel(), ix))
        return vals, ix, iy
    return _combined("intersect1d", ar1, ar2, lambda s, ia, ib: ia & ib, size, fill_value)


@numpy_unless(np.setdiff1d, "size", "fill_value")
def setdiff1d(
    ar1: Any,
    ar2: Any,
    assume_unique: bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The sorted values of ``ar1`` not in ``ar2`` (in ``ar1``'s dtype).

    >>> setdiff1d(np.array([3, 1, 2]), np.array([2.0, 4.0]))
    array([1, 3])
    """
    x = operand(ar1).ravel()
    s, _, new = _sorted(x)
    keep = new & logical_not(isin(s, ar2))
    fill = 0 if fill_value is None else fill_value
    return _compact(s, keep, _count(keep, size, "setdiff1d"), fill)


@numpy_unless(np.setxor1d, "size", "fill_value")
def setxor1d(
    ar1: Any,
    ar2: Any,
    assume_unique: bool = False,
    *,
    size: int | None = None,
    fill_value: Any = None,
) -> Any:
    """The sorted values in exactly one of the arrays.

    >>> setxor1d(np.array([3, 1, 2]), np.array([2, 4]))
    array([1, 3, 4])
    """
    return _combined("setxor1d", ar1, ar2, lambda s, ia, ib: ia ^ ib, size, fill_value)
