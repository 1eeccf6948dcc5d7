"""Running a jaxpr with the array namespace of its inputs (the Python array API standard):
finding the namespace, mapping dtypes, and an evaluator that calls one namespace rule per
equation. NumPy programs never come here; ``array_api_compat`` is imported only when an
input is an array of another library (Dask, CuPy, ``array_api_strict``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from tracegrad.core import ClosedJaxpr, Literal, Primitive, ShapedArray, Tracer, Var
from tracegrad.core.trace import is_foreign

# (xp, *inputs, **params) -> output (or a list of them for multiple results)
NamespaceRule = Callable[..., Any]

# The dtypes of the standard (float16 and bfloat16 are not in it), by NumPy's names.
STANDARD_DTYPES = (
    "bool",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "float32",
    "float64",
    "complex64",
    "complex128",
)

_NATIVE = (np.ndarray, np.generic, bool, int, float, complex, Tracer)


def is_native(x: Any) -> bool:
    """Whether ``x`` runs on tracegrad's NumPy path: anything but an array of another
    array-API library (``core.trace.is_foreign``: JAX arrays, lists and PyTorch tensors are
    converted to NumPy as before).

    >>> is_native(np.ones(2)), is_native(1.5), is_native([1.0])
    (True, True, True)
    """
    return not is_foreign(x)


def foreign_namespace(leaves: Iterable[Any]) -> Any | None:
    """The array-API namespace of the leaves that are arrays of another library than NumPy,
    or None when there are none (the NumPy path; nothing is imported then).

    >>> foreign_namespace([np.ones(2), 1.0]) is None
    True
    """
    # isinstance first: jit's general path calls this on every call's leaves
    foreign = [x for x in leaves if not isinstance(x, _NATIVE) and not is_native(x)]
    if not foreign:
        return None
    import array_api_compat  # an optional dependency: only arrays of other libraries need it

    try:
        return array_api_compat.array_namespace(*foreign)
    except TypeError as e:
        kinds = sorted({f"{type(x).__module__}.{type(x).__qualname__}" for x in foreign})
        raise TypeError(
            f"A traced function was called with arrays of several libraries: {kinds} "
            f"({e}). One program runs with one array namespace: convert the arguments to "
            f"one library (NumPy arrays may be mixed with any one other library)."
        ) from None


def numpy_dtype(xp: Any, dtype: Any) -> np.dtype[Any]:
    """The NumPy dtype of a namespace's dtype (by the standard's names).

    >>> numpy_dtype(np, np.dtype("float32"))
    dtype('float32')
    """
    for name in STANDARD_DTYPES:
        if dtype == getattr(xp, name, None):
            return np.dtype(name)
    raise TypeError(
        f"The array dtype {dtype!r} of the namespace {namespace_name(xp)!r} is not "
        f"one of the array API standard's dtypes {STANDARD_DTYPES}: tracegrad runs other "
        f"libraries' arrays only with these. Cast the array (xp.astype) first."
    )


def namespace_dtype(xp: Any, dtype: np.dtype[Any]) -> Any:
    """The namespace's dtype for a NumPy dtype.

    >>> namespace_dtype(np, np.dtype("int32")) is np.int32
    True
    """
    found = getattr(xp, dtype.name, None) if dtype.name in STANDARD_DTYPES else None
    if found is None:
        raise TypeError(
            f"The dtype {dtype} has no counterpart in the array namespace "
            f"{namespace_name(xp)!r} (the standard's dtypes are {STANDARD_DTYPES}). "
            f"Compute in one of these dtypes, or run the program on NumPy arrays."
        )
    return found


def foreign_aval(xp: Any, x: Any) -> ShapedArray:
    """The abstract value of an array of another library (a strong type, as for a NumPy
    array)."""
    shape = tuple(x.shape)
    if any(s is None for s in shape):
        raise ValueError(
            f"An array of unknown shape {shape} (type {type(x).__name__}) was passed to a "
            f"traced function: tracegrad traces programs for known shapes. Compute the "
            f"shape first (for Dask: x.compute_chunk_sizes())."
        )
    return ShapedArray(shape, numpy_dtype(xp, x.dtype))


def to_namespace(xp: Any, value: Any) -> Any:
    """``value`` (a NumPy array or scalar, a Python number, or an array of ``xp``) as an
    array of ``xp``, with the same dtype."""
    if not is_native(value):
        return value
    arr = np.asarray(value)
    dtype = namespace_dtype(xp, arr.dtype)
    if 0 in arr.strides and arr.size > 1:
        # A broadcast constant (a folded seed of reverse mode, say) goes over as its one row
        # and is broadcast there: a Dask graph would otherwise carry the whole array.
        row = arr[tuple(slice(0, 1) if st == 0 else slice(None) for st in arr.strides)]
        return xp.broadcast_to(xp.asarray(np.ascontiguousarray(row), dtype=dtype), arr.shape)
    return xp.asarray(arr, dtype=dtype)


def evaluate_in_namespace(
    closed: ClosedJaxpr,
    args: Iterable[Any],
    xp: Any,
    rules: Mapping[Primitive, NamespaceRule],
) -> list[Any]:
    """The outputs of ``closed`` at ``args``, computed with the array namespace ``xp``: each
    equation calls ``rules[primitive](xp, *inputs, **params)``. Constants, literals and
    NumPy arguments become arrays of ``xp`` first, so only ``xp``'s functions run.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> from tracegrad.ops import elementwise as ew
    >>> closed = tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(np.zeros(2))
    >>> rules = {ew.sin_p: lambda xp, x: xp.sin(x), ew.mul_p: lambda xp, x, y: x * y}
    >>> evaluate_in_namespace(closed, [np.zeros(2)], np, rules)
    [array([0., 0.])]
    """
    jaxpr = closed.jaxpr
    args = [to_namespace(xp, a) for a in args]
    hints = chunk_hints(args)
    env: dict[Var, Any] = {
        v: aligned(to_namespace(xp, c), hints)
        for v, c in zip(jaxpr.constvars, closed.consts, strict=True)
    }
    env.update(zip(jaxpr.invars, args, strict=True))

    def read(a: Var | Literal) -> Any:
        return to_namespace(xp, a.val) if isinstance(a, Literal) else env[a]

    for eqn in jaxpr.eqns:
        rule = rules.get(eqn.primitive)
        if rule is None:
            raise NotImplementedError(unsupported_message(eqn.primitive, xp))
        out = rule(xp, *map(read, eqn.invars), **eqn.params)
        outs = out if eqn.primitive.multiple_results else [out]
        env.update(zip(eqn.outvars, (aligned(o, hints) for o in outs), strict=True))
    return [read(a) for a in jaxpr.outvars]


def chunk_hints(values: Iterable[Any]) -> dict[int, tuple[int, ...]]:
    """For chunked arrays (Dask's ``.chunks``): the chunks of each dimension length that an
    argument splits into several chunks. Empty for other libraries."""
    hints: dict[int, tuple[int, ...]] = {}
    for v in values:
        for n, c in zip(v.shape, getattr(v, "chunks", ()), strict=False):
            if len(c) > 1:
                hints.setdefault(n, tuple(c))
    return hints


def aligned(value: Any, hints: Mapping[int, tuple[int, ...]]) -> Any:
    """``value``, rechunked where a dimension of an argument's length is in one chunk (a
    broadcast of a scalar to the length of the data, say). Dask makes a broadcast one chunk
    as long as the data, and the next operation with the data would materialise that whole
    chunk on one worker before splitting it.

    >>> aligned(np.ones(3), {3: (1, 2)}).shape   # not chunked: as it is
    (3,)
    """
    chunks = getattr(value, "chunks", None)
    if not hints or chunks is None:
        return value
    want = tuple(
        hints.get(n, c) if len(c) == 1 else c for n, c in zip(value.shape, chunks, strict=True)
    )
    return value if want == tuple(chunks) else value.rechunk(want)


def namespace_name(xp: Any) -> str:
    """The name of an array namespace, for messages.

    >>> namespace_name(np)
    'numpy'
    """
    return str(getattr(xp, "__name__", type(xp).__name__))


def unsupported_message(prim: Primitive, xp: Any) -> str:
    """The error for a primitive with no rule for a namespace: what, which library, the fix."""
    return (
        f"The primitive {prim.name!r} has no implementation with the array namespace "
        f"{namespace_name(xp)!r}: the array API standard has no such function and tracegrad has no "
        f"composed form for it (docs/beyond_one_machine.md lists what runs where). Run this "
        f"program on NumPy arrays (np.asarray / .compute() the inputs), or write the "
        f"computation with the primitives that run on every array-API library."
    )
