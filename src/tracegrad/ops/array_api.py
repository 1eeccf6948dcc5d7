"""The array-API implementation of each primitive that has one: ``RULES[primitive](xp, *args,
**params)`` computes what the primitive's NumPy implementation computes, with the functions
of the Python array API standard only (namespace ``xp``: Dask, CuPy, ``array_api_strict``,
...). A primitive the standard lacks gets a composed form here, or no entry: the evaluator
(``backend/namespace.py``) then names it and the library in its error.

Rules take the Primitive object as key, not its name. Imported only when a program runs on
another library's arrays.
"""

from __future__ import annotations

import builtins
import importlib
import math
from collections.abc import Sequence
from typing import Any

from tracegrad.backend.namespace import (
    NamespaceRule,
    evaluate_in_namespace,
    namespace_dtype,
    numpy_dtype,
)
from tracegrad.backend.passes import inline_calls
from tracegrad.core import ClosedJaxpr, Primitive
from tracegrad.ops import dynamic_slicing as ds
from tracegrad.ops import elementwise as ew
from tracegrad.ops import elementwise_bits as eb
from tracegrad.ops import elementwise_discrete as ed
from tracegrad.ops import elementwise_select as es
from tracegrad.ops import elementwise_transcendental as et
from tracegrad.ops import linalg, reductions, shapes, sorting, special, stop_gradient, structural
from tracegrad.ops.array_api_bits import BITS_RULES
from tracegrad.ops.array_api_convolution import CONVOLUTION_RULES
from tracegrad.ops.array_api_gamma import GAMMA_RULES
from tracegrad.ops.array_api_indexing import INDEXING_RULES, take_along_axis, take_range
from tracegrad.ops.array_api_linalg import LINALG_RULES
from tracegrad.ops.array_api_special import SPECIAL_RULES
from tracegrad.ops.array_api_windows import WINDOW_RULES

RULES: dict[Primitive, NamespaceRule] = {}


def _same(prim: Primitive, name: str) -> None:
    """``prim`` is the standard's function ``name``, argument for argument."""
    RULES[prim] = lambda xp, *args: getattr(xp, name)(*args)


# ---- elementwise: the standard's own functions -------------------------------------------

for _prim, _name in [
    (ew.abs_p, "abs"),
    (ew.add_p, "add"),
    (structural.add_any_p, "add"),
    (ew.conj_p, "conj"),
    (ew.copysign_p, "copysign"),
    (ew.cos_p, "cos"),
    (ew.div_p, "divide"),
    (ew.eq_p, "equal"),
    (ew.exp_p, "exp"),
    (ew.ge_p, "greater_equal"),
    (ew.gt_p, "greater"),
    (ew.imag_p, "imag"),
    (ew.le_p, "less_equal"),
    (ew.log_p, "log"),
    (ew.lt_p, "less"),
    (ew.max_p, "maximum"),
    (ew.min_p, "minimum"),
    (ew.mod_p, "remainder"),
    (ew.mul_p, "multiply"),
    (ew.ne_p, "not_equal"),
    (ew.neg_p, "negative"),
    (ew.pow_p, "pow"),
    (ew.real_p, "real"),
    (ew.sign_p, "sign"),
    (ew.sin_p, "sin"),
    (ew.sub_p, "subtract"),
    (eb.nextafter_p, "nextafter"),
    (ed.and_p, "bitwise_and"),
    (ed.ceil_p, "ceil"),
    (ed.floor_divide_p, "floor_divide"),
    (ed.floor_p, "floor"),
    (ed.isfinite_p, "isfinite"),
    (ed.isinf_p, "isinf"),
    (ed.isnan_p, "isnan"),
    (ed.not_p, "bitwise_invert"),
    (ed.or_p, "bitwise_or"),
    (ed.signbit_p, "signbit"),
    (ed.trunc_p, "trunc"),
    (ed.xor_p, "bitwise_xor"),
    (et.acos_p, "acos"),
    (et.acosh_p, "acosh"),
    (et.asin_p, "asin"),
    (et.asinh_p, "asinh"),
    (et.atan2_p, "atan2"),
    (et.atan_p, "atan"),
    (et.atanh_p, "atanh"),
    (et.cosh_p, "cosh"),
    (et.expm1_p, "expm1"),
    (et.hypot_p, "hypot"),
    (et.log10_p, "log10"),
    (et.log1p_p, "log1p"),
    (et.log2_p, "log2"),
    (et.logaddexp_p, "logaddexp"),
    (et.sinh_p, "sinh"),
    (et.sqrt_p, "sqrt"),
    (et.tan_p, "tan"),
    (et.tanh_p, "tanh"),
]:
    _same(_prim, _name)


# ---- elementwise: composed from standard functions ----------------------------------------


def _zero(xp: Any, like: Any) -> Any:
    return xp.zeros((), dtype=like.dtype)


def _fmax(xp: Any, x: Any, y: Any) -> Any:
    # NumPy's fmax: the other operand where one is NaN (the standard leaves NaN unspecified).
    return xp.where(xp.isnan(y), x, xp.where(xp.isnan(x), y, xp.maximum(x, y)))


def _fmin(xp: Any, x: Any, y: Any) -> Any:
    return xp.where(xp.isnan(y), x, xp.where(xp.isnan(x), y, xp.minimum(x, y)))


def _fmod(xp: Any, x: Any, y: Any) -> Any:
    # C's fmod takes the sign of x; the remainder of the magnitudes is exact.
    r = xp.remainder(xp.abs(x), xp.abs(y))
    if numpy_dtype(xp, x.dtype).kind == "f":
        return xp.copysign(r, x)
    return xp.where(x < 0, -r, r)


def _cbrt(xp: Any, x: Any) -> Any:
    return xp.sign(x) * xp.pow(xp.abs(x), xp.asarray(1.0 / 3.0, dtype=x.dtype))


def _exp2(xp: Any, x: Any) -> Any:
    return xp.pow(xp.asarray(2.0, dtype=x.dtype), x)


def _integer_pow(xp: Any, x: Any, *, y: int) -> Any:
    # Binary exponentiation in the order of the NumPy implementation (integer_power).
    if numpy_dtype(xp, x.dtype).kind in "biu" or y == 1:
        return xp.pow(x, xp.asarray(y, dtype=x.dtype))
    acc = ew.power_by_squaring(x, abs(y))
    out = xp.ones_like(x) if acc is None else acc
    return 1.0 / out if y < 0 else out


def _round(xp: Any, x: Any, *, decimals: int) -> Any:
    if decimals == 0 or numpy_dtype(xp, x.dtype).kind in "biu":
        return xp.round(x)
    scale = xp.asarray(10.0**decimals, dtype=x.dtype)
    return xp.round(x * scale) / scale  # as numpy.round does it


def _logistic(xp: Any, x: Any) -> Any:
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _xlogy(xp: Any, x: Any, y: Any) -> Any:
    out = x * xp.log(y)
    return xp.where((x == 0) & ~xp.isnan(y), _zero(xp, out), out)


def _select_n(xp: Any, which: Any, *cases: Any) -> Any:
    if numpy_dtype(xp, which.dtype).kind == "b":
        return xp.where(which, cases[1], cases[0]) if len(cases) == 2 else cases[0]
    out = cases[-1]
    for i in range(len(cases) - 2, -1, -1):
        out = xp.where(which == i, cases[i], out)
    return out


RULES.update(
    {
        ew.fmax_p: _fmax,
        ew.fmin_p: _fmin,
        ew.rem_p: _fmod,
        et.cbrt_p: _cbrt,
        et.exp2_p: _exp2,
        ew.integer_pow_p: _integer_pow,
        ed.round_p: _round,
        special.logistic_p: _logistic,
        special.xlogy_p: _xlogy,
        es.select_n_p: _select_n,
        stop_gradient.stop_gradient_p: lambda xp, x: x,
        et.rsqrt_p: lambda xp, x: 1.0 / xp.sqrt(x),  # the NumPy implementation's two steps
    }
)


# ---- structural ---------------------------------------------------------------------------


def _broadcast_in_dim(
    xp: Any, x: Any, *, shape: Sequence[int], broadcast_dimensions: Sequence[int]
) -> Any:
    expanded = [1] * len(shape)
    for i, d in enumerate(broadcast_dimensions):
        expanded[d] = x.shape[i]
    return xp.broadcast_to(xp.reshape(x, tuple(expanded)), tuple(shape))


def _convert(xp: Any, x: Any, *, new_dtype: Any, weak_type: bool = False) -> Any:
    if numpy_dtype(xp, x.dtype).kind == "c" and new_dtype.kind != "c":
        x = xp.real(x)
    return xp.astype(x, namespace_dtype(xp, new_dtype))


def _slice(
    xp: Any,
    x: Any,
    *,
    start_indices: Sequence[int],
    limit_indices: Sequence[int],
    strides: Sequence[int],
) -> Any:
    return x[tuple(map(builtins.slice, start_indices, limit_indices, strides))]


def _pad_axis(xp: Any, x: Any, value: Any, axis: int, lo: int, hi: int, interior: int) -> Any:
    """``x`` padded along one axis, from concatenations, broadcasts and slices only."""
    n = x.shape[axis]
    if interior and n > 1:
        # Interleave: a new axis after ``axis`` holds x, then ``interior`` copies of value.
        shape = tuple(x.shape)
        fill = xp.broadcast_to(value, (*shape[: axis + 1], interior, *shape[axis + 1 :]))
        both = xp.concat([xp.expand_dims(x, axis=axis + 1), fill], axis=axis + 1)
        merged = xp.reshape(both, _with(shape, axis, n * (interior + 1)))
        x = take_range(merged, axis, 0, n + (n - 1) * interior)
    if lo < 0:
        x = take_range(x, axis, -lo, x.shape[axis])
    if hi < 0:
        x = take_range(x, axis, 0, x.shape[axis] + hi)
    parts = []
    for size in (max(lo, 0), None, max(hi, 0)):
        if size is None:
            parts.append(x)
        elif size:
            parts.append(xp.broadcast_to(value, _with(x.shape, axis, size)))
    return xp.concat(parts, axis=axis) if len(parts) > 1 else x


def _with(shape: Sequence[int], axis: int, size: int) -> tuple[int, ...]:
    return tuple(size if i == axis else s for i, s in enumerate(shape))


def _pad(xp: Any, x: Any, value: Any, *, padding_config: Sequence[tuple[int, int, int]]) -> Any:
    value = xp.astype(value, x.dtype)
    for axis, (lo, hi, interior) in enumerate(padding_config):
        if lo or hi or interior:
            x = _pad_axis(xp, x, value, axis, lo, hi, interior)
    return x


def _dynamic_slice(xp: Any, x: Any, *starts: Any, slice_sizes: Sequence[int]) -> Any:
    # The start indices are values of the program: reading them computes them (on Dask,
    # a small compute of the indices alone). Clamped as the NumPy implementation clamps.
    index = []
    for s, size, n in zip(starts, slice_sizes, x.shape, strict=True):
        start = min(max(int(s), 0), n - size)
        index.append(builtins.slice(start, start + size))
    return x[tuple(index)]


RULES.update(
    {
        structural.broadcast_in_dim_p: _broadcast_in_dim,
        structural.convert_element_type_p: _convert,
        structural.reshape_p: lambda xp, x, *, new_sizes: xp.reshape(x, tuple(new_sizes)),
        structural.transpose_p: lambda xp, x, *, permutation: xp.permute_dims(
            x, tuple(permutation)
        ),
        structural.concatenate_p: lambda xp, *xs, dimension: xp.concat(list(xs), axis=dimension),
        structural.slice_p: _slice,
        structural.pad_p: _pad,
        shapes.rev_p: lambda xp, x, *, dimensions: xp.flip(x, axis=tuple(dimensions)),
        ds.dynamic_slice_p: _dynamic_slice,
    }
)


# ---- reductions ---------------------------------------------------------------------------


def _cumulative(name: str) -> NamespaceRule:
    def rule(xp: Any, x: Any, *, axis: int, reverse: bool) -> Any:
        fn = getattr(xp, name)
        if reverse:
            return xp.flip(fn(xp.flip(x, axis=axis), axis=axis, dtype=x.dtype), axis=axis)
        return fn(x, axis=axis, dtype=x.dtype)

    return rule


def _arg(name: str) -> NamespaceRule:
    def rule(xp: Any, x: Any, *, axis: int, index_dtype: Any) -> Any:
        return xp.astype(getattr(xp, name)(x, axis=axis), namespace_dtype(xp, index_dtype))

    return rule


RULES.update(
    {
        structural.reduce_sum_p: lambda xp, x, *, axes: xp.sum(x, axis=tuple(axes), dtype=x.dtype),
        reductions.reduce_prod_p: lambda xp, x, *, axes: xp.prod(
            x, axis=tuple(axes), dtype=x.dtype
        ),
        reductions.reduce_max_p: lambda xp, x, *, axes: xp.max(x, axis=tuple(axes)),
        reductions.reduce_min_p: lambda xp, x, *, axes: xp.min(x, axis=tuple(axes)),
        reductions.reduce_and_p: lambda xp, x, *, axes: xp.all(x, axis=tuple(axes)),
        reductions.reduce_or_p: lambda xp, x, *, axes: xp.any(x, axis=tuple(axes)),
        reductions.argmax_p: _arg("argmax"),
        reductions.argmin_p: _arg("argmin"),
        reductions.cumsum_p: _cumulative("cumulative_sum"),
        reductions.cumprod_p: _cumulative("cumulative_prod"),
    }
)


# ---- dot_general and sort -----------------------------------------------------------------


def _dot_general(
    xp: Any,
    x: Any,
    y: Any,
    *,
    dimension_numbers: tuple[tuple[Sequence[int], Sequence[int]], tuple[Sequence[int], ...]],
) -> Any:
    (x_contract, y_contract), (x_batch, y_batch) = dimension_numbers
    if not x_batch:
        # tensordot: what Dask does chunk by chunk (a blocked contraction and a sum tree)
        return xp.tensordot(x, y, axes=(tuple(x_contract), tuple(y_contract)))
    # batch, free, contracted (x) and batch, contracted, free (y): one batched matmul
    x_free = [d for d in range(x.ndim) if d not in x_contract and d not in x_batch]
    y_free = [d for d in range(y.ndim) if d not in y_contract and d not in y_batch]
    batch = [x.shape[d] for d in x_batch]
    xs = xp.permute_dims(x, (*x_batch, *x_free, *x_contract))
    ys = xp.permute_dims(y, (*y_batch, *y_contract, *y_free))
    m = math.prod(x.shape[d] for d in x_free)
    k = math.prod(x.shape[d] for d in x_contract)
    n = math.prod(y.shape[d] for d in y_free)
    out = xp.matmul(xp.reshape(xs, (*batch, m, k)), xp.reshape(ys, (*batch, k, n)))
    free = [x.shape[d] for d in x_free] + [y.shape[d] for d in y_free]
    return xp.reshape(out, (*batch, *free))


def _sort(xp: Any, *operands: Any, dimension: int) -> list[Any]:
    if len(operands) == 1:
        return [xp.sort(operands[0], axis=dimension, stable=True)]
    perm = xp.argsort(operands[0], axis=dimension, stable=True)
    return [take_along_axis(xp, x, perm, dimension) for x in operands]


RULES[linalg.dot_general_p] = _dot_general
RULES[sorting.sort_p] = _sort
RULES.update(LINALG_RULES)
RULES.update(INDEXING_RULES)
RULES.update(SPECIAL_RULES)
RULES.update(BITS_RULES)
RULES.update(WINDOW_RULES)
RULES.update(CONVOLUTION_RULES)
RULES.update(GAMMA_RULES)


# ---- running a program --------------------------------------------------------------------


def run_in_namespace(closed: ClosedJaxpr, args: Sequence[Any], xp: Any) -> list[Any]:
    """The outputs of ``closed`` at ``args`` (arrays of ``xp``, NumPy values, numbers),
    computed with the array namespace ``xp`` only.

    >>> import numpy as np, tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: tnp.sum(tnp.tanh(x) * 2.0))(np.zeros(3))
    >>> run_in_namespace(closed, [np.zeros(3)], np)
    [np.float64(0.0)]
    """
    # Nested jit and the custom-rule calls (their derivatives are done with) run inline.
    program = closed.derived.get(_INLINED_KEY)
    if program is None:
        program = closed.derived.setdefault(_INLINED_KEY, inline_calls(closed, execution=True))
    return evaluate_in_namespace(program, args, xp, RULES)


_INLINED_KEY = "namespace program"

# The rules of primitives defined in layers above ``ops`` (control flow, tracegrad.random)
# live there and join the table by name, as a BackendRule names its backend function.
_ABOVE = ("tracegrad.control.array_api:CONTROL_RULES", "tracegrad.random.array_api:THREEFRY_RULES")
for _target in _ABOVE:
    _module, _table = _target.split(":")
    RULES.update(getattr(importlib.import_module(_module), _table))
