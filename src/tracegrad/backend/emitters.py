"""The per-primitive emitter table of the code generator: for each equation, the Python
expression that computes it with NumPy, written to match the primitive's implementation
call for call (so that jit results equal eager ones bit for bit), and what the result is
(a fresh array, a view of an input, or unknown).

Primitives whose implementation is a NumPy ufunc are emitted as a direct call of that
ufunc, and may write into a dead buffer (``out=``). Other primitives carry their emitter
in their ``emit`` slot, set in the op's block in ``tracegrad.ops`` to one of the emitters
below (the backend may not import ``tracegrad.ops``, and knows no primitive by name).
Everything else calls the primitive's implementation, bound as a global.
"""

from __future__ import annotations

import functools
import keyword
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from tracegrad.core import JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom

# What a value computed by an emitted line is, for buffer reuse:
FRESH = "fresh"  # a new array nobody else holds: a candidate buffer once dead
VIEW = "view"  # may share memory with its inputs (reshape, transpose, broadcast, slice)
OPAQUE = "opaque"  # unknown (an implementation called as is): may share memory with inputs

OUT = "@OUT@"  # where the name of a reused buffer goes in an ``out=`` template


@dataclass(frozen=True)
class Emission:
    """How one equation is computed: ``expr`` (a Python expression), what its value is, and,
    for calls that can write into an existing buffer, the same expression with ``out=``."""

    expr: str
    kind: str
    out_template: str | None = None
    elementwise: bool = False  # out= may be an input of the same shape (NumPy handles it)
    scalar_result: bool = False  # a 0-d result is a NumPy scalar (ufuncs and reductions)


class Context(Protocol):
    """What an emitter may ask of the code generator."""

    def glob(self, value: Any, stem: str) -> str:
        """The name of a global bound to ``value``."""
        ...

    def has_methods(self, a: Atom) -> bool:
        """Whether the value of ``a`` is surely a NumPy array or scalar (has .reshape etc.)."""
        ...


Emitter = Callable[[Context, JaxprEqn, Sequence[str]], "Emission | None"]


def _call(ctx: Context, fn: Any, stem: str, args: Sequence[str], *extra: str) -> str:
    return f"{ctx.glob(fn, stem)}({', '.join([*args, *extra])})"


def plain_ufunc(eqn: JaxprEqn) -> np.ufunc | None:
    """The ufunc ``eqn`` calls as it is, with one output (its primitive's implementation,
    with no parameters), or None."""
    ufunc = eqn.primitive.impl
    if not isinstance(ufunc, np.ufunc) or ufunc.nout != 1 or ufunc.nin != len(eqn.invars):
        return None
    if eqn.params or eqn.primitive.multiple_results:
        return None
    return ufunc


def integer_power(eqn: JaxprEqn) -> int | None:
    """The exponent of an equation emitted as ``integer_pow`` (below), or None."""
    if eqn.primitive.emit is not integer_pow:
        return None
    return operator.index(eqn.params["y"])


def ufunc_emission(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    """A direct call of the ufunc that is the primitive's implementation."""
    ufunc = plain_ufunc(eqn)
    if ufunc is None:
        return None
    name = f"np_{identifier(ufunc.__name__)}"
    expr = _call(ctx, ufunc, name, args)
    out_dtype = eqn.outvars[0].aval.dtype
    # The result is written with the output's dtype only when no operand promotes: then
    # NumPy's result dtype is that dtype, and out= changes nothing but the memory used.
    same = all(a.aval.dtype == out_dtype for a in eqn.invars)
    template = _call(ctx, ufunc, name, args, f"out={OUT}") if same else None
    return Emission(expr, FRESH, template, elementwise=True, scalar_result=True)


def writes_into(eqn: JaxprEqn) -> bool:
    """Whether ``eqn`` is emitted as a ufunc call that can write into a given array (and
    returns a new one otherwise, never a view of an operand)."""
    if len(eqn.outvars) != 1:
        return False
    dtype = eqn.outvars[0].aval.dtype
    if any(a.aval.dtype != dtype for a in eqn.invars):
        return False
    return plain_ufunc(eqn) is not None or (integer_power(eqn) == 2 and dtype.kind in "fiu")


# ---- emitters for the ``emit`` slot -----------------------------------------------------


def integer_pow(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    (x,), y = args, operator.index(eqn.params["y"])
    dtype = eqn.invars[0].aval.dtype
    if y == 2 and dtype.kind in "fiu":
        # np.square(x) is x * x, rounded once, as integer_power's; it skips power's
        # scalar-exponent dispatch (twice as fast).
        same = eqn.outvars[0].aval.dtype == dtype
        return Emission(
            _call(ctx, np.square, "np_square", [x]),
            FRESH,
            _call(ctx, np.square, "np_square", [x], f"out={OUT}") if same else None,
            elementwise=True,
            scalar_result=True,
        )
    return None  # the implementation (binary exponentiation), so jit gives eager's bits


def reduction(ufunc: np.ufunc, with_dtype: bool) -> Emitter:
    """The emitter of a reduction over ``params["axes"]`` that is ``ufunc.reduce`` (as np.sum,
    np.prod, np.max and np.min on an array are), with the input's dtype if ``with_dtype``."""

    def emit(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
        axes = ints(eqn.params["axes"])
        if not axes:
            return None
        dtype = _dtype_name(ctx, eqn.invars[0].aval.dtype) if with_dtype else "None"
        fn = f"np_{ufunc.__name__}_reduce"
        base = [args[0], repr(axes), dtype]
        return Emission(
            _call(ctx, ufunc.reduce, fn, base),
            FRESH,
            _call(ctx, ufunc.reduce, fn, base, f"out={OUT}"),
            scalar_result=True,
        )

    return emit


def expanded_shape(
    operand: tuple[int, ...], shape: tuple[int, ...], dims: Sequence[int]
) -> tuple[int, ...]:
    """The shape of the operand of broadcast_in_dim with a 1 in every new dimension."""
    out = [1] * len(shape)
    for size, d in zip(operand, dims, strict=True):
        out[d] = size
    return tuple(out)


def _reshape_text(ctx: Context, a: Atom, x: str, shape: tuple[int, ...]) -> str:
    if a.aval.shape == shape:
        return x
    if ctx.has_methods(a):
        return f"{x}.reshape({shape!r})"
    return _call(ctx, np.reshape, "np_reshape", [x, repr(shape)])


def broadcast_in_dim(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    shape = ints(eqn.params["shape"])
    a = eqn.invars[0]
    expanded = expanded_shape(a.aval.shape, shape, ints(eqn.params["broadcast_dimensions"]))
    if expanded == shape:  # only new dimensions of size 1: a reshape
        if ctx.has_methods(a):
            return Emission(_reshape_text(ctx, a, args[0], shape), VIEW)
        return Emission(_call(ctx, np.reshape, "np_reshape", [args[0], repr(shape)]), VIEW)
    # NumPy's broadcasting adds leading dimensions itself; others need the reshape.
    leading = expanded == (1,) * (len(shape) - len(a.aval.shape)) + a.aval.shape
    inner = args[0] if leading else _reshape_text(ctx, a, args[0], expanded)
    if math.prod(shape) <= _FILL_AT_MOST:
        dtype = _dtype_name(ctx, eqn.outvars[0].aval.dtype)
        return Emission(_call(ctx, filled, "np_filled", [repr(shape), dtype, inner]), FRESH)
    return Emission(_call(ctx, np.broadcast_to, "np_broadcast_to", [inner, repr(shape)]), VIEW)


# Broadcasts to at most this many elements are written out (``filled``): np.broadcast_to,
# a Python function, costs about 2 µs, more than copying that many elements (the backward
# pass of a sum over a small array, eager or jitted).
_FILL_AT_MOST = 1024


def filled(shape: tuple[int, ...], dtype: np.dtype[Any], x: Any) -> np.ndarray:
    """A new array of ``shape`` holding ``x`` broadcast to it (NumPy's rules), bit for bit.

    >>> filled((2, 3), np.dtype(np.float64), np.array([-0.0, 1.0, 2.0]))
    array([[-0.,  1.,  2.],
           [-0.,  1.,  2.]])
    """
    out = np.empty(shape, dtype)
    out[...] = x
    return out


def identity(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    """The input itself: for a primitive that only marks a value for the transformations
    (``stop_gradient``), nothing is left to do when the program runs."""
    return Emission(args[0], VIEW)


def reshape(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    return Emission(_reshape_text(ctx, eqn.invars[0], args[0], ints(eqn.params["new_sizes"])), VIEW)


def transpose(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    perm = ints(eqn.params["permutation"])
    if not ctx.has_methods(eqn.invars[0]):
        return Emission(_call(ctx, np.transpose, "np_transpose", [args[0], repr(perm)]), VIEW)
    if perm == tuple(reversed(range(len(perm)))):
        return Emission(f"{args[0]}.T", VIEW)
    return Emission(f"{args[0]}.transpose({perm!r})", VIEW)


def convert_element_type(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    new_dtype = np.dtype(eqn.params["new_dtype"])
    a = eqn.invars[0]
    if a.aval.dtype.kind == "c" and new_dtype.kind != "c":
        return None  # the implementation takes the real part first
    dt = _dtype_name(ctx, new_dtype)
    if ctx.has_methods(a) and a.aval.ndim:
        return Emission(f"{args[0]}.astype({dt})", FRESH)
    # As the implementation: a 0-d array, not a NumPy scalar, for scalar operands.
    return Emission(f"{_call(ctx, np.asarray, 'np_asarray', args[:1])}.astype({dt})", FRESH)


def dot_general(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    (lc, rc), (lb, rb) = eqn.params["dimension_numbers"]
    x, y = eqn.invars
    if lb or rb:
        return None
    lc, rc = ints(lc), ints(rc)
    if x.aval.ndim <= 2 and y.aval.ndim <= 2 and lc == (x.aval.ndim - 1,) and rc == (0,):
        return Emission(_call(ctx, np.dot, "np_dot", args), FRESH)
    if x.aval.ndim == 2 and y.aval.ndim == 2 and len(lc) == 1 and len(rc) == 1:
        # np.tensordot transposes the operands (views) and calls np.dot: the same BLAS call.
        xt = args[0] if lc == (1,) else _transposed(ctx, x, args[0])
        yt = args[1] if rc == (0,) else _transposed(ctx, y, args[1])
        return Emission(_call(ctx, np.dot, "np_dot", [xt, yt]), FRESH)
    axes = repr((lc, rc))
    return Emission(_call(ctx, np.tensordot, "np_tensordot", args, f"axes={axes}"), FRESH)


def _transposed(ctx: Context, a: Atom, x: str) -> str:
    return f"{x}.T" if ctx.has_methods(a) else _call(ctx, np.transpose, "np_transpose", [x])


def select_n(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    if len(args) != 3 or eqn.invars[0].aval.dtype != np.bool_:
        return None
    return Emission(_call(ctx, np.where, "np_where", [args[0], args[2], args[1]]), FRESH)


def slice(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    a = eqn.invars[0]
    parts = []
    for lo, hi, st, n in zip(
        ints(eqn.params["start_indices"]),
        ints(eqn.params["limit_indices"]),
        ints(eqn.params["strides"]),
        a.aval.shape,
        strict=True,
    ):
        if (lo, hi, st) == (0, n, 1):
            parts.append(":")
        else:
            parts.append(f"{lo}:{hi}" + (f":{st}" if st != 1 else ""))
    x = args[0] if ctx.has_methods(a) else _call(ctx, np.asarray, "np_asarray", args[:1])
    index = ", ".join(parts) + ("," if len(parts) == 1 else "")
    return Emission(f"{x}[{index}]" if parts else f"{x}[()]", VIEW)


def concatenate(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    items = "(" + ", ".join(args) + ("," if len(args) == 1 else "") + ")"
    dim = operator.index(eqn.params["dimension"])
    return Emission(_call(ctx, np.concatenate, "np_concatenate", [items], f"axis={dim}"), FRESH)


def emit(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission | None:
    """The emission for ``eqn``, or None: call the implementation (``fallback``)."""
    prim = eqn.primitive
    if isinstance(prim.impl, np.ufunc):
        return ufunc_emission(ctx, eqn, args)
    rule: Emitter | None = prim.emit
    return None if rule is None else rule(ctx, eqn, args)


def fallback(ctx: Context, eqn: JaxprEqn, args: Sequence[str]) -> Emission:
    """Call ``prim.impl(*args, **params)``, the implementation bound as a global."""
    prim = eqn.primitive
    impl = ctx.glob(prim.impl, f"{identifier(prim.name)}_impl")
    if all(_plain_keyword(k) for k in eqn.params):
        kwargs = [f"{k}={param_text(ctx, v, k)}" for k, v in eqn.params.items()]
    else:
        kwargs = [f"**{ctx.glob(dict(eqn.params), 'params')}"]
    return Emission(f"{impl}({', '.join([*args, *kwargs])})", OPAQUE)


def _plain_keyword(k: Any) -> bool:
    """A parameter name that reads back as itself in a call (an ASCII identifier: Python
    normalises other identifiers, so that 'ﬁx=' would pass 'fix')."""
    return type(k) is str and k.isascii() and k.isidentifier() and not keyword.iskeyword(k)


def _plain_scalar(value: Any) -> bool:
    """A value whose ``repr`` is a short literal that reads back exactly (exact built-in types
    only: a subclass's ``repr`` is its own code)."""
    t = type(value)
    if value is None or t is bool:
        return True
    if t is int:
        return bool(-(2**64) < value < 2**64)
    if t is float:
        return math.isfinite(value)
    if t is str:  # a short word such as mode='clip'; any other string is a global
        return len(value) <= 32 and value.isascii() and value.isidentifier()
    return False


def param_text(ctx: Context, value: Any, stem: str) -> str:
    """Source text for a parameter value: a literal for plain numbers, short words and tuples
    of them, a global otherwise (user text never enters the code).

    >>> class Shout(str):
    ...     def __repr__(self): return "print('hi')"
    >>> class Names:
    ...     def glob(self, value, stem): return f"{stem}0"
    >>> param_text(Names(), ("clip", 3, None), "mode"), param_text(Names(), Shout("a"), "mode")
    ("('clip', 3, None)", 'mode0')
    """
    if _plain_scalar(value):
        return repr(value)
    if type(value) is tuple and all(_plain_scalar(v) or type(v) is tuple for v in value):
        inner = [param_text(ctx, v, stem) for v in value]
        return "(" + ", ".join(inner) + ("," if len(inner) == 1 else "") + ")"
    return ctx.glob(value, identifier(stem))


def literal_text(ctx: Context, lit: Literal) -> str:
    """Source text for a literal: Python numbers inline, NumPy values as globals (a NumPy
    scalar is not a Python float: it is strongly typed)."""
    val = lit.val
    if type(val) in (bool, int, float) and _plain_scalar(val):
        return repr(val)
    return ctx.glob(val, "lit")


def _dtype_name(ctx: Context, dtype: np.dtype[Any]) -> str:
    return ctx.glob(dtype, f"dt_{identifier(dtype.name)}")


def identifier(name: Any, limit: int = 40) -> str:
    """A readable ASCII identifier made from ``name`` (letters, digits and ``_`` only, at most
    ``limit`` characters); the code generator numbers it where it is taken.

    >>> identifier("x²"), identifier("ﬁx"), identifier("2nd order"), identifier("if")
    ('x_', '_x', 'p_2nd_order', 'if')
    """
    return _identifier(str.__str__(name) if isinstance(name, str) else "", limit)


@functools.lru_cache(maxsize=1024)
def _identifier(name: str, limit: int) -> str:  # an exact str: its hash and == are str's
    text = "".join(c if c.isascii() and c.isalnum() else "_" for c in name[:limit])
    return text if text and not text[0].isdigit() else f"p_{text}"


def ints(values: Any) -> tuple[int, ...]:
    """A parameter's sequence of integers as Python ints (whose ``repr`` is a number)."""
    return tuple(operator.index(v) for v in values)


def uses_of(eqns: Sequence[JaxprEqn]) -> dict[Var, list[JaxprEqn]]:
    """For each variable, the equations that read it (once per reading equation)."""
    out: dict[Var, list[JaxprEqn]] = {}
    for eqn in eqns:
        for a in dict.fromkeys(a for a in eqn.invars if isinstance(a, Var)):
            out.setdefault(a, []).append(eqn)
    return out
