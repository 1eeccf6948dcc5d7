"""Indexing of tensors: ``x[idx]`` (basic and advanced, differentiable) and ``x[idx] = v``.

An index becomes a hashable template plus index arrays: integers and index tensors are
inputs of the recorded operation, not part of its signature, so ``x[i, j]`` for every
``i, j`` shares one staged vjp. Slices stay in the template. Boolean masks become the
integer arrays of their nonzero positions, as NumPy and PyTorch define them.
"""

from __future__ import annotations

import contextlib
import operator
import re
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast, value_dtype
from tracegrad.torch._inplace import copy_
from tracegrad.torch._views import check_writable, commit, mark_multi, recorded
from tracegrad.torch.grad_mode import STATE
from tracegrad.torch.graph import Op, apply, record
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim

Template = tuple[tuple[Any, ...], ...]


def _index_array(x: Any) -> np.ndarray[Any, Any]:
    v = x._value if isinstance(x, Tensor) else np.asarray(x)
    if v.dtype.kind not in "iub":
        if v.size == 0 and v.dtype.kind == "f":  # x[[]]: an empty list of indices
            return v.astype(np.int64)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return v


def _small_int(i: int) -> np.ndarray[Any, Any]:
    a = np.asarray(i, np.int64)
    a.setflags(write=False)
    return a


# Integer indices as the 0-d arrays plans take, made once for the common ones.
_SMALL_INTS: dict[Any, np.ndarray[Any, Any]] = {i: _small_int(i) for i in range(-64, 1024)}


def parse(index: Any) -> tuple[Template, list[np.ndarray[Any, Any]], str]:
    """``(template, arrays, grad_fn name)`` of an index expression; the name is "bool" for
    basic indexing with a boolean scalar (which NumPy treats as advanced: a copy). The
    template ends with an Ellipsis, so that NumPy returns a 0-d view, not a scalar copy."""
    entries = index if isinstance(index, tuple) else (index,)
    template: list[tuple[Any, ...]] = []
    arrays: list[np.ndarray[Any, Any]] = []
    advanced = boolean = ellipsis = False
    last = "AliasBackward0"
    for e in entries:
        if e is None:
            template.append(("new",))
            last = "UnsqueezeBackward0"
        elif e is Ellipsis:
            template.append(("...",))
            ellipsis = True
        elif isinstance(e, slice):
            bounds = tuple(
                None if b is None else operator.index(b) for b in (e.start, e.stop, e.step)
            )
            if bounds[2] is not None and bounds[2] <= 0:
                raise ValueError("step must be greater than zero")
            template.append(("slice", *bounds))
            last = "SliceBackward0"
        elif isinstance(e, bool | np.bool_):
            template.append(("bool", bool(e)))
            last = "UnsqueezeBackward0"
            boolean = True
        elif isinstance(e, int | np.integer):
            template.append(("int", len(arrays)))
            a = _SMALL_INTS.get(e)
            arrays.append(np.asarray(int(e), np.int64) if a is None else a)
            last = "SelectBackward0"
        else:
            v = _index_array(e)
            if v.ndim == 0 and v.dtype.kind in "iu":  # a 0-d integer tensor selects
                template.append(("int", len(arrays)))
                arrays.append(v.astype(np.int64))
                last = "SelectBackward0"
            elif v.dtype.kind == "b" and v.ndim == 0:  # x[True] / x[False]
                template.append(("bool", bool(v)))
                advanced = True
            elif v.dtype.kind == "b":
                for nz in np.nonzero(v):
                    template.append(("array", len(arrays)))
                    arrays.append(nz.astype(np.int64))
                advanced = True
            else:
                template.append(("array", len(arrays)))
                arrays.append(v.astype(np.int64, copy=False))
                advanced = True
    if not ellipsis:
        template.append(("...",))
    if advanced:
        return tuple(template), arrays, "IndexBackward0"
    return tuple(template), arrays, "bool" if boolean else last


def rebuild(template: Template, arrays: tuple[Any, ...], eager: bool = False) -> tuple[Any, ...]:
    """The index expression of ``template`` with its arrays. ``eager`` turns integer entries
    into Python ints, so that NumPy's basic indexing returns a view."""
    out: list[Any] = []
    for entry in template:
        kind = entry[0]
        if kind == "int":
            out.append(int(arrays[entry[1]]) if eager else arrays[entry[1]])
        elif kind == "...":
            out.append(Ellipsis)
        elif kind == "slice":
            out.append(slice(*entry[1:]))
        elif kind == "array":
            out.append(arrays[entry[1]])
        elif kind == "new":
            out.append(None)
        else:
            out.append(entry[1])
    return tuple(out)


def _getitem_fn(x: Any, *arrays: Any, template: Template) -> Any:
    if isinstance(x, np.ndarray):
        return x[rebuild(template, arrays, eager=True)]
    return x[rebuild(template, arrays)]


def _getitem_transpose(
    shape: tuple[int, ...], dtype: np.dtype[Any], template: Template
) -> Callable[..., list[Any]]:
    """The transpose of basic indexing, ``(*index arrays, ct) -> [zeros with the selected
    region set to ct]`` (basic indexing selects each element at most once, so setting is
    adding). The index is built from the template once; at each call its integers are the
    index arrays themselves (NumPy reads a 0-d integer array in an index as its integer).
    A trailing Ellipsis is dropped (it selects nothing more, and costs NumPy a step)."""
    base = list(rebuild(template, (0,) * len(template), eager=True))
    if base and base[-1] is Ellipsis:
        base.pop()
    ints = [(pos, e[1]) for pos, e in enumerate(template) if e[0] == "int"]
    if len(ints) == len(base) and all(pos == k for pos, k in ints):

        def run_ints(*args: Any) -> list[Any]:  # x[i, j]: the index is the arrays, in order
            g = np.zeros(shape, dtype)
            g[args[:-1]] = args[-1]
            return [g]

        return run_ints

    def run(*args: Any) -> list[Any]:
        index = base.copy()  # not shared: threads may run the same plan
        for pos, k in ints:
            index[pos] = args[k]
        g = np.zeros(shape, dtype)
        g[tuple(index)] = args[-1]
        return [g]

    return run


# Basic indexing keeps its integers as metadata and returns a view; advanced indexing (and a
# boolean scalar, which NumPy treats as advanced) saves its index tensors and copies.
_GETITEM_OPS = {
    name: Op(name, _getitem_fn, meta_from=1, view=True, transpose=_getitem_transpose)
    for name in (
        "SelectBackward0", "SliceBackward0", "UnsqueezeBackward0", "AliasBackward0",
        "UnbindBackward0",
    )
}  # fmt: skip
_GETITEM_OPS["IndexBackward0"] = Op("IndexBackward0", _getitem_fn)
_GETITEM_OPS["bool"] = Op("UnsqueezeBackward0", _getitem_fn, meta_from=1)


def torch_index_error(e: IndexError) -> IndexError:
    """NumPy's IndexError in PyTorch's words ("dimension" for "axis", "tensor" for "array").

    >>> torch_index_error(IndexError("too many indices for array: array is 1-dimensional, "
    ...                               "but 2 were indexed"))
    IndexError('too many indices for tensor of dimension 1')
    """
    text = str(e)
    many = re.match(r"too many indices for array: array is (\d+)-dimensional", text)
    if many:
        return IndexError(f"too many indices for tensor of dimension {many.group(1)}")
    return IndexError(text.replace(" for axis ", " for dimension "))


def getitem(self: Tensor, index: Any) -> Tensor:
    """``self[index]`` with PyTorch's (NumPy's) indexing rules; differentiable.

    >>> import tracegrad.torch as torch
    >>> X = torch.tensor([[2.0, 4.0], [6.0, 8.0]], requires_grad=True)
    >>> X[1, 0]
    tensor(6., grad_fn=<SelectBackward0>)
    >>> X[:, 1], X[[1, 0]].grad_fn.name()
    (tensor([4., 8.], grad_fn=<SelectBackward0>), 'IndexBackward0')
    """
    value = self._value
    if type(index) is not tuple:
        key: tuple[Any, ...] = (index, type(index))
    elif len(index) == 2:  # x[i, j], written out: cheaper than unpacking a map
        key = (index, type(index[0]), type(index[1]))
    else:
        key = (index, *map(type, index))
    try:
        known = _PARSED.get(key)
    except TypeError:  # unhashable: slices (before Python 3.12), lists, arrays
        known = None
    try:
        if known is None or type(value) is not np.ndarray:
            template, arrays, name = parse(index)
            if name == "IndexBackward0" or name == "bool" or type(value) is not np.ndarray:
                return apply(_GETITEM_OPS[name], (self, *arrays), template=template)
            known = (
                _GETITEM_OPS[name],
                arrays,
                {"template": template},
                rebuild(template, tuple(arrays), eager=True),
            )
            if len(_PARSED) >= 4096:
                _PARSED.clear()
            if _static(index):
                with contextlib.suppress(TypeError):  # slices are unhashable before 3.12
                    _PARSED[key] = known
        op, arrays, params, basic = known
        return record(op, (self, *arrays), [value, *arrays], value[basic], params)
    except IndexError as e:
        raise torch_index_error(e) from None


def _static(index: Any) -> bool:
    """Whether a basic index holds only Python values (no tensor or array whose contents may
    change), so that its parse can be kept."""
    for e in index if type(index) is tuple else (index,):
        if type(e) is slice:
            if not all(b is None or type(b) is int for b in (e.start, e.stop, e.step)):
                return False
        elif not (e is None or e is Ellipsis or type(e) is int):
            return False
    return True


# Basic indices seen (keyed with their entries' types: True == 1 as a key), parsed once:
# the operation, the index arrays, the params and the index NumPy takes (a view).
_PARSED: dict[Any, tuple[Op, list[np.ndarray[Any, Any]], dict[str, Any], tuple[Any, ...]]] = {}


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim`` (also what iterating over a tensor gives).

    >>> import tracegrad.torch as torch
    >>> torch.unbind(torch.tensor([[1, 2], [3, 4]]), dim=1)
    (tensor([1, 3]), tensor([2, 4]))
    """
    n = input._value.ndim
    if n == 0:
        raise RuntimeError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, n)
    pieces = range(input._value.shape[d])
    return mark_multi(tuple(select_along(input, d, i, "UnbindBackward0") for i in pieces))


def select_along(input: Tensor, axis: int, index: int, name: str) -> Tensor:
    """The view of ``input`` at ``index`` along ``axis``, recorded as ``name``."""
    template = (*((("slice", None, None, None),) * axis), ("int", 0), ("...",))
    return apply(_GETITEM_OPS[name], (input, np.asarray(index, np.int64)), template=template)


def _setitem_fn(x: Any, value: Any, *arrays: Any, template: Template) -> Any:
    # unique_indices: PyTorch's backward gives a repeated index's every value the gradient
    # at its position (JAX's promise of unique indices has that transpose), not only the
    # value written last.
    where = rebuild(template, arrays)
    return tnp.at(x)[where].set(cast(value, x.dtype), unique_indices=True)


def _accumulate_fn(x: Any, value: Any, *arrays: Any, template: Template) -> Any:
    return tnp.at(x)[rebuild(template, arrays)].add(cast(value, x.dtype))


_INDEX_PUT = Op("IndexPutBackward0", _setitem_fn)
_INDEX_PUT_ACCUMULATE = Op("IndexPutBackward0", _accumulate_fn)


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``self[index] = value``, in place. Where the assignment must be recorded (``self``
    is part of a graph, or ``value`` requires grad), its node is ``CopySlices`` (basic
    indexing) or ``IndexPutBackward0`` (advanced indexing), as in PyTorch."""
    _put(self, index, value, accumulate=False)


def _put(self: Tensor, index: Any, value: Any, *, accumulate: bool) -> None:
    d = value_dtype(self)
    v = value if isinstance(value, Tensor) else wrap(np.asarray(value, dtype=d.np))
    template, arrays, name = parse(index)
    if name != "IndexBackward0" and STATE.enabled and (self.requires_grad or v.requires_grad):
        target = getitem(self, index)  # as PyTorch: recorded through the base (CopySlices)
        target.add_(v) if accumulate else copy_(target, v)  # type: ignore[attr-defined]
        return
    if not recorded(self, v):
        check_writable(self)
        try:
            index = rebuild(template, tuple(arrays), eager=True)
            source = v._value.astype(d.np, copy=False)
            if accumulate:
                np.add.at(self._value, index, source)
            else:
                self._value[index] = source
        except IndexError as e:
            raise torch_index_error(e) from None
        self._vc[0] += 1
        return
    if value_dtype(v).category > d.category:
        raise RuntimeError(
            f"Index put requires the source and destination dtypes match, got "
            f"{dtypes.scalar_name(d)} for the destination and "
            f"{dtypes.scalar_name(value_dtype(v))} for the source."
        )
    op = _INDEX_PUT_ACCUMULATE if accumulate else _INDEX_PUT
    commit(self, lambda: apply(op, (self, v, *arrays), template=template))


def index_put_(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``self[indices] = values`` in place (``indices`` a tuple of index tensors), or
    ``self[indices] += values`` with ``accumulate=True``, where repeated indices add up.

    >>> import tracegrad.torch as torch
    >>> i = torch.tensor([0, 0, 2])
    >>> torch.zeros(3).index_put_((i,), torch.tensor([1.0, 2.0, 3.0]), accumulate=True)
    tensor([3., 0., 3.])
    """
    if not isinstance(indices, tuple | list):
        raise TypeError("index_put_(): argument 'indices' (position 1) must be tuple of "
                        f"Tensors, not {type(indices).__name__}")  # fmt: skip
    for k, i in enumerate(indices):
        if i is not None and not isinstance(i, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got "
                            f"{type(i).__name__}")  # fmt: skip
    if not isinstance(values, Tensor):
        raise TypeError("index_put_(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")  # fmt: skip
    if value_dtype(values) is not value_dtype(self):
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{dtypes.scalar_name(value_dtype(self))} for the destination and "
            f"{dtypes.scalar_name(value_dtype(values))} for the source."
        )
    _put(self, tuple(indices), values, accumulate=accumulate)
    return self


def index_put(self: Tensor, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """``index_put_`` on a copy of ``self``.

    >>> import tracegrad.torch as torch
    >>> torch.zeros(3).index_put((torch.tensor([1]),), torch.tensor(5.0))
    tensor([0., 5., 0.])
    """
    return index_put_(self.clone(), indices, values, accumulate)  # type: ignore[attr-defined]


TENSOR_METHODS: dict[str, Any] = {
    "__getitem__": getitem,
    "__setitem__": setitem,
    "unbind": unbind,
    "index_put_": index_put_,
    "index_put": index_put,
}
