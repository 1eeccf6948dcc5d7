"""Arithmetic, elementwise math and comparisons on tensors: the functions, the operators,
and the recorded operations (named as PyTorch names their ``grad_fn``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.lax as lax
import tracegrad.nn as tnn
import tracegrad.numpy as tnp
import tracegrad.scipy.special as tsp
from tracegrad.core import Tracer
from tracegrad.ops.elementwise_transcendental import rsqrt as _rsqrt
from tracegrad.torch import dtypes
from tracegrad.torch._common import (
    cast,
    check_broadcast,
    inexact,
    numpy_of,
    operand,
    result_dtype,
    value_dtype,
)
from tracegrad.torch.graph import Op, apply, apply_numpy
from tracegrad.torch.tensor import Tensor, wrap

# ---- binary arithmetic ---------------------------------------------------------------------


def _binary(name: str, np_fn: Any) -> Op:
    direct = numpy_of(np_fn)

    def fn(x: Any, y: Any, dtype: np.dtype[Any]) -> Any:
        x, y = cast(x, dtype), cast(y, dtype)
        if type(x) is np.ndarray and type(y) is np.ndarray:
            return direct(x, y)
        return np_fn(x, y)

    return Op(name, fn, direct=None if direct is np_fn else direct)


def _run(op: Op, input: Any, other: Any, *, to_float: bool = False) -> Tensor:
    """``op`` (made by ``_binary``) on two operands at their promoted dtype (the default
    float dtype for integers if ``to_float``); in the common cases (``_common``) on NumPy
    arrays, its NumPy function is called directly."""
    common = _common(input, other)
    if common is not None:
        y, dt = common
        vx, vy = input._value, y._value if isinstance(y, Tensor) else y
        if type(vx) is np.ndarray and type(vy) is np.ndarray:
            return apply_numpy(op, (input, y), [vx, vy], dt)
        return apply(op, (input, y), dtype=dt)
    if isinstance(input, Tensor) and isinstance(other, Tensor):  # h @ w + b
        vx, vy = input._value, other._value
        dt = vx.dtype
        if dt == vy.dtype and dt.kind in "fc" and type(vx) is type(vy) is np.ndarray:
            try:
                return apply_numpy(op, (input, other), [vx, vy], dt)
            except ValueError:
                pass  # shapes that do not broadcast: PyTorch's error, from _prepare
    x, y, d = _prepare(input, other)
    return apply(op, (x, y), dtype=(inexact(d) if to_float else d).np)


def _add_fn(x: Any, y: Any, dtype: np.dtype[Any], alpha: Any) -> Any:
    x, y = cast(x, dtype), cast(y, dtype)
    if alpha == 1 and type(x) is np.ndarray and type(y) is np.ndarray:
        return np.add(x, y)
    return tnp.add(x, y if alpha == 1 else tnp.multiply(y, alpha))


def _sub_fn(x: Any, y: Any, dtype: np.dtype[Any], alpha: Any) -> Any:
    y = cast(y, dtype)
    return tnp.subtract(cast(x, dtype), y if alpha == 1 else tnp.multiply(y, alpha))


ADD = Op("AddBackward0", _add_fn)
PLUS = _binary("AddBackward0", tnp.add)  # add without alpha
SUB = Op("SubBackward0", _sub_fn)
RSUB = Op("RsubBackward1", lambda x, y, dtype, alpha: _sub_fn(y, x, dtype, alpha))
MUL = _binary("MulBackward0", tnp.multiply)
DIV = _binary("DivBackward0", tnp.true_divide)
RDIV = Op(
    "MulBackward0", lambda x, y, dtype: tnp.multiply(tnp.reciprocal(cast(x, dtype)), cast(y, dtype))
)
POW_TENSOR = _binary("PowBackward1", tnp.power)
POW_SCALAR_BASE = _binary("PowBackward2", tnp.power)
REMAINDER = _binary("RemainderBackward1", tnp.remainder)
REMAINDER_SCALAR = _binary("RemainderBackward0", tnp.remainder)
FMOD = _binary("FmodBackward1", tnp.fmod)
FMOD_SCALAR = _binary("FmodBackward0", tnp.fmod)
FLOOR_DIVIDE = Op(
    "NotImplemented",
    lambda x, y, dtype: tnp.floor_divide(cast(x, dtype), cast(y, dtype)),
    undefined="floor_divide",
)


def _trunc_divide(x: Any, y: Any, dtype: np.dtype[Any]) -> Any:
    q = tnp.trunc(tnp.true_divide(cast(x, dtype), cast(y, dtype)))
    return cast(q, dtype)


TRUNC_DIVIDE = Op("DivBackward2", _trunc_divide)
MAXIMUM = _binary("MaximumBackward0", tnp.maximum)
MINIMUM = _binary("MinimumBackward0", tnp.minimum)


def _check_bool(name: str, a: Any, b: Any) -> None:
    if value_dtype(a) is dtypes.bool_ and value_dtype(b) is dtypes.bool_ and name == "sub":
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the "
            "`^` or `logical_xor()` operator instead."
        )


def _common(x: Any, y: Any) -> tuple[Any, np.dtype[Any]] | None:
    """``(y as an operand, the dtype)`` in the common cases, which need no promotion, cast
    or broadcast check: ``x`` a float or complex tensor and ``y`` a Python number (which
    takes its dtype) or a tensor of the same dtype and shape. None otherwise."""
    if isinstance(x, Tensor):
        vx = x._value
        dt = vx.dtype
        if dt.kind in "fc":
            ty = type(y)
            if ty is float or ty is int:
                return operand(y, dtypes.from_numpy_dtype(dt)), dt
            if isinstance(y, Tensor):
                vy = y._value
                if dt == vy.dtype and vx.shape == vy.shape:
                    return y, dt
    return None


def _prepare(x: Any, y: Any) -> tuple[Any, Any, dtypes.dtype]:
    common = _common(x, y)
    if common is not None:
        return x, common[0], dtypes.from_numpy_dtype(common[1])
    if not isinstance(x, _OPERANDS) and not isinstance(y, _OPERANDS):
        raise TypeError("expected at least one Tensor operand")
    d = result_dtype(x, y)
    a, b = operand(x, d), operand(y, d)
    sa = a._value.shape if isinstance(a, Tensor) else a.shape
    if not sa:  # a 0-d operand broadcasts with anything
        return a, b, d
    sb = b._value.shape if isinstance(b, Tensor) else b.shape
    if sa != sb and sb:
        check_broadcast(sa, sb)
    return a, b, d


_OPERANDS = (Tensor, np.ndarray)  # isinstance with a tuple: faster than with a union


def add(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``, with PyTorch's type promotion.

    >>> import tracegrad.torch as torch
    >>> torch.add(torch.tensor([1, 2]), 0.5)
    tensor([1.5000, 2.5000])
    """
    if type(alpha) is int and alpha == 1:
        return _run(PLUS, input, other)
    x, y, d = _prepare(input, other)
    return apply(ADD, (x, y), dtype=d.np, alpha=alpha)


def sub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``.

    >>> import tracegrad.torch as torch
    >>> torch.sub(torch.tensor([5.0, 3.0]), 1, alpha=2)
    tensor([3., 1.])
    """
    x, y, d = _prepare(input, other)
    _check_bool("sub", x, y)
    return apply(SUB, (x, y), dtype=d.np, alpha=alpha)


def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input``.

    >>> import tracegrad.torch as torch
    >>> (1 - torch.tensor([0.25], requires_grad=True)).grad_fn.name()
    'RsubBackward1'
    """
    x, y, d = _prepare(input, other)
    _check_bool("sub", x, y)
    return apply(RSUB, (x, y), dtype=d.np, alpha=alpha)


def mul(input: Any, other: Any) -> Tensor:
    """Elementwise product.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([1.0, 2.0]) * torch.tensor([3.0, 4.0])
    tensor([3., 8.])
    """
    return _run(MUL, input, other)


def div(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """True division (integers give the default float dtype); ``rounding_mode`` 'floor' or
    'trunc' rounds the quotient.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([3, 4]) / 2, torch.div(torch.tensor([-3, 4]), 2, rounding_mode='floor')
    (tensor([1.5000, 2.0000]), tensor([-2,  2]))
    """
    if rounding_mode is None:
        return _run(DIV, input, other, to_float=True)
    x, y, d = _prepare(input, other)
    if rounding_mode == "floor":
        return apply(FLOOR_DIVIDE, (x, y), dtype=d.np)
    if rounding_mode == "trunc":
        return apply(TRUNC_DIVIDE, (x, y), dtype=d.np)
    raise ValueError(
        f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
        f"'{rounding_mode}'"
    )


def _rdiv(self: Tensor, other: Any) -> Tensor:
    x, y, d = _prepare(self, other)
    return apply(RDIV, (x, y), dtype=inexact(d).np)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent``. A number exponent is part of the operation (``x ** 2`` has
    derivative 0 at 0, ``x ** 0`` derivative 0 everywhere, as PyTorch).

    >>> import tracegrad.torch as torch
    >>> x = torch.tensor([0.0, 3.0], requires_grad=True)
    >>> (x ** 2).sum().backward()
    >>> x.grad
    tensor([0., 6.])
    """
    if isinstance(input, Tensor | np.ndarray) and not isinstance(exponent, Tensor | np.ndarray):
        d = result_dtype(input, exponent)
        x = operand(input, d)
        return apply(_POW_SCALAR, (x,), dtype=d.np, exponent=_exponent(exponent, d))
    x, y, d = _prepare(input, exponent)
    if not isinstance(input, Tensor | np.ndarray):
        return apply(POW_SCALAR_BASE, (x, y), dtype=d.np)
    return apply(POW_TENSOR, (x, y), dtype=d.np)


def _exponent(e: Any, d: dtypes.dtype) -> Any:
    # An integral exponent stays a Python int: tracegrad.numpy then uses integer_pow.
    if isinstance(e, bool | np.bool_):
        return int(e)
    if isinstance(e, float | np.floating) and float(e).is_integer() and d.category >= 2:
        return int(e)
    return e.item() if isinstance(e, np.generic) else e


def _power_scalar(x: Any, dtype: Any, exponent: Any) -> Any:
    x = cast(x, dtype)
    if isinstance(exponent, int) and np.dtype(dtype).kind in "fc":
        # Not NumPy's powf: x * x * x for 3 and 1 / (x * x) for -2, PyTorch's bits.
        return lax.integer_pow(x, exponent)
    return tnp.power(x, exponent)


_POW_SCALAR = Op("PowBackward0", _power_scalar)


def remainder(input: Any, other: Any) -> Tensor:
    """Python's ``%``: the remainder with the sign of the divisor.

    >>> import tracegrad.torch as torch
    >>> torch.tensor([-3, 5]) % 4
    tensor([1, 1])
    """
    x, y, d = _prepare(input, other)
    op = REMAINDER if isinstance(other, Tensor | np.ndarray) else REMAINDER_SCALAR
    return apply(op, (x, y), dtype=d.np)


def fmod(input: Any, other: Any) -> Tensor:
    """C's ``fmod``: the remainder with the sign of the dividend.

    >>> import tracegrad.torch as torch
    >>> torch.fmod(torch.tensor([-3, 5]), 4)
    tensor([-3,  1])
    """
    x, y, d = _prepare(input, other)
    op = FMOD if isinstance(other, Tensor | np.ndarray) else FMOD_SCALAR
    return apply(op, (x, y), dtype=d.np)


def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other`` (not differentiable, as in PyTorch).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([7.0, -7.0]) // 2
    tensor([ 3., -4.])
    """
    x, y, d = _prepare(input, other)
    return apply(FLOOR_DIVIDE, (x, y), dtype=d.np)


def maximum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise maximum; at ties the gradient is split evenly, as PyTorch.

    >>> import tracegrad.torch as torch
    >>> a = torch.tensor([1.0, 2.0], requires_grad=True)
    >>> torch.maximum(a, torch.tensor([1.0, 0.0])).sum().backward()
    >>> a.grad
    tensor([0.5000, 1.0000])
    """
    return _run(MAXIMUM, input, other)


def minimum(input: Tensor, other: Tensor) -> Tensor:
    """Elementwise minimum; at ties the gradient is split evenly, as PyTorch.

    >>> import tracegrad.torch as torch
    >>> torch.minimum(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 5.0]))
    tensor([0., 2.])
    """
    return _run(MINIMUM, input, other)


# ---- unary math ----------------------------------------------------------------------------


def _unary(
    name: str, fn: Any, *, to_float: bool, saves_result: bool = False, staged: bool = False
) -> Callable[[Tensor], Tensor]:
    direct = numpy_of(fn)

    def run(x: Any, dtype: np.dtype[Any]) -> Any:
        x = cast(x, dtype)
        return direct(x) if type(x) is np.ndarray else fn(x)

    # NumPy's function called directly (graph.apply_numpy) when there is one: not for a
    # tracegrad function (which may give a tracer under a transformation) or a staged one.
    fast = direct is not fn and not staged
    op = Op(name, run, saves_result=saves_result, staged=staged, direct=direct if fast else None)

    def f(input: Tensor) -> Tensor:
        v = input._value if isinstance(input, Tensor) else None
        dt = None if v is None else v.dtype
        if dt is None or dt.kind not in "fc":  # floating and complex inputs keep their dtype
            d = value_dtype(input)
            dt = (inexact(d) if to_float else d).np
        elif fast and type(v) is np.ndarray:  # no cast: NumPy's function, directly
            return apply_numpy(op, (input,), [v], dt)
        return apply(op, (input,), dtype=dt)

    f.__name__ = name
    return f


def _no_bool(name: str, f: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    def g(input: Tensor) -> Tensor:
        if value_dtype(input) is dtypes.bool_:
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are "
                "trying to invert a mask, use the `~` or `logical_not()` operator instead."
                if name == "neg"
                else f"{name}: bool tensors are not supported"
            )
        return f(input)

    g.__name__ = name
    return g


neg = _no_bool("neg", _unary("NegBackward0", tnp.negative, to_float=False))
negative = neg
abs = _unary("AbsBackward0", tnp.abs, to_float=False)
exp = _unary("ExpBackward0", tnp.exp, to_float=True, saves_result=True)
log = _unary("LogBackward0", tnp.log, to_float=True)
sin = _unary("SinBackward0", tnp.sin, to_float=True)
cos = _unary("CosBackward0", tnp.cos, to_float=True)
tanh = _unary("TanhBackward0", tnp.tanh, to_float=True, saves_result=True)
sigmoid = _unary("SigmoidBackward0", tnn.sigmoid, to_float=True, saves_result=True)
relu = _unary("ReluBackward0", tnn.relu, to_float=False, saves_result=True)
sqrt = _unary("SqrtBackward0", tnp.sqrt, to_float=True, saves_result=True)
trunc = _unary("TruncBackward0", tnp.trunc, to_float=False)
square = _unary("PowBackward0", tnp.square, to_float=False)
floor = _unary("FloorBackward0", tnp.floor, to_float=False)
ceil = _unary("CeilBackward0", tnp.ceil, to_float=False)
sign = _unary("SignBackward0", tnp.sign, to_float=False)
log1p = _unary("Log1PBackward0", tnp.log1p, to_float=True)
expm1 = _unary("Expm1Backward0", tnp.expm1, to_float=True, saves_result=True)
exp2 = _unary("Exp2Backward0", tnp.exp2, to_float=True, saves_result=True)
log2 = _unary("Log2Backward0", tnp.log2, to_float=True)
log10 = _unary("Log10Backward0", tnp.log10, to_float=True)
tan = _unary("TanBackward0", tnp.tan, to_float=True, saves_result=True)
sinh = _unary("SinhBackward0", tnp.sinh, to_float=True)
cosh = _unary("CoshBackward0", tnp.cosh, to_float=True)
asin = _unary("AsinBackward0", tnp.arcsin, to_float=True)
acos = _unary("AcosBackward0", tnp.arccos, to_float=True)
atan = _unary("AtanBackward0", tnp.arctan, to_float=True)
asinh = _unary("AsinhBackward0", tnp.arcsinh, to_float=True)
atanh = _unary("AtanhBackward0", tnp.arctanh, to_float=True)
erf = _unary("ErfBackward0", tsp.erf, to_float=True, staged=True)  # composites
erfinv = _unary("ErfinvBackward0", tsp.erfinv, to_float=True, staged=True)
reciprocal = _unary("ReciprocalBackward0", tnp.reciprocal, to_float=True, saves_result=True)
rsqrt = _unary("RsqrtBackward0", _rsqrt, to_float=True, saves_result=True)
_ROUND = Op("RoundBackward1", lambda x, decimals: tnp.round(x, decimals))


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round to ``decimals`` decimal places, halves to even (gradient 0).

    >>> import tracegrad.torch as torch
    >>> torch.round(torch.tensor([0.5, 1.5, 2.25]), decimals=1), torch.tensor([2.5]).round()
    (tensor([0.5000, 1.5000, 2.2000]), tensor([2.]))
    """
    if decimals == 0:
        return _round0(input)
    return apply(_ROUND, (input,), decimals=int(decimals))


_round0 = _unary("RoundBackward0", tnp.round, to_float=False)


# ---- comparisons and logic (never recorded) ------------------------------------------------


def _array(value: Any) -> Any:
    """A NumPy result as an array; a traced one (under torch.func) as it is."""
    return value if isinstance(value, Tracer) else np.asarray(value)


def _compare(np_fn: Any) -> Any:
    def f(input: Any, other: Any) -> Tensor:
        x, y, d = _prepare(input, other)
        a = x._value if isinstance(x, Tensor) else x
        b = y._value if isinstance(y, Tensor) else y
        return wrap(_array(np_fn(a.astype(d.np, copy=False), b.astype(d.np, copy=False))))

    return f


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)
logical_and = _compare(np.logical_and)
logical_or = _compare(np.logical_or)
logical_xor = _compare(np.logical_xor)


def _bitwise(np_fn: Any) -> Any:
    def f(input: Any, other: Any) -> Tensor:
        x, y, d = _prepare(input, other)
        if d.category > dtypes.INT:
            raise RuntimeError(
                f"\"{np_fn.__name__}_cpu\" not implemented for '{dtypes.scalar_name(d)}'"
            )
        a = x._value if isinstance(x, Tensor) else x
        b = y._value if isinstance(y, Tensor) else y
        return wrap(_array(np_fn(a.astype(d.np, copy=False), b.astype(d.np, copy=False))))

    return f


bitwise_and = _bitwise(np.bitwise_and)
bitwise_or = _bitwise(np.bitwise_or)
bitwise_xor = _bitwise(np.bitwise_xor)


def logical_not(input: Tensor) -> Tensor:
    """Elementwise logical not (a bool tensor).

    >>> import tracegrad.torch as torch
    >>> torch.logical_not(torch.tensor([True, False]))
    tensor([False,  True])
    """
    return wrap(np.logical_not(input._value))


def bitwise_not(input: Tensor) -> Tensor:
    """Elementwise bitwise not (logical not for bools); ``~x``.

    >>> import tracegrad.torch as torch
    >>> ~torch.tensor([True, False])
    tensor([False,  True])
    """
    v = input._value
    if v.dtype.kind not in "biu":
        raise RuntimeError(
            f"\"bitwise_not_cpu\" not implemented for '{dtypes.scalar_name(input.dtype)}'"
        )
    return wrap(np.invert(v))


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both tensors have the same shape and elements.

    >>> import tracegrad.torch as torch
    >>> torch.equal(torch.tensor([1, 2]), torch.tensor([1, 2]))
    True
    """
    return input._value.shape == other._value.shape and bool(np.all(input._value == other._value))


def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """Whether all elements are close, as ``numpy.allclose``.

    >>> import tracegrad.torch as torch
    >>> torch.allclose(torch.tensor([1.0]), torch.tensor([1.0 + 1e-9]))
    True
    """
    return bool(np.allclose(input._value, other._value, rtol, atol, equal_nan))


def isnan(input: Tensor) -> Tensor:
    """Elementwise test for NaN.

    >>> import tracegrad.torch as torch
    >>> torch.isnan(torch.tensor([1.0, float('nan')]))
    tensor([False,  True])
    """
    return wrap(np.isnan(input._value))


def isfinite(input: Tensor) -> Tensor:
    """Elementwise test for finite values.

    >>> import tracegrad.torch as torch
    >>> torch.isfinite(torch.tensor([1.0, float('inf')]))
    tensor([ True, False])
    """
    return wrap(np.isfinite(input._value))


def _swap(f: Any) -> Any:
    return lambda self, other: f(other, self)


TENSOR_METHODS: dict[str, Any] = {
    "__add__": add, "__radd__": add, "add": add,  # PyTorch: other + self is self.add(other)
    "__sub__": sub, "__rsub__": lambda self, other: rsub(self, other), "sub": sub,
    "__mul__": mul, "__rmul__": mul, "mul": mul, "multiply": mul,
    "__truediv__": div, "__rtruediv__": _rdiv, "div": div, "divide": div,
    "__pow__": pow, "__rpow__": _swap(pow), "pow": pow,
    "__mod__": remainder, "__rmod__": _swap(remainder), "remainder": remainder, "fmod": fmod,
    "__floordiv__": floor_divide, "__rfloordiv__": _swap(floor_divide),
    "floor_divide": floor_divide,
    "__neg__": neg, "neg": neg, "negative": neg, "__pos__": lambda self: self,
    "__abs__": abs, "abs": abs, "exp": exp, "log": log, "sin": sin, "cos": cos,
    "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "sqrt": sqrt, "square": square,
    "trunc": trunc, "maximum": maximum, "minimum": minimum,
    "floor": floor, "ceil": ceil, "round": round, "sign": sign, "log1p": log1p,
    "expm1": expm1, "exp2": exp2, "log2": log2, "log10": log10, "tan": tan, "sinh": sinh,
    "cosh": cosh, "asin": asin, "acos": acos, "atan": atan, "arcsin": asin,
    "arccos": acos, "arctan": atan, "asinh": asinh, "atanh": atanh, "erf": erf,
    "erfinv": erfinv, "reciprocal": reciprocal, "rsqrt": rsqrt,
    "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le, "__gt__": gt, "__ge__": ge,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "equal": equal,
    "__and__": bitwise_and, "__or__": bitwise_or, "__xor__": bitwise_xor,
    "__rand__": _swap(bitwise_and), "__ror__": _swap(bitwise_or),
    "__rxor__": _swap(bitwise_xor), "__invert__": bitwise_not,
    "logical_and": logical_and, "logical_or": logical_or, "logical_xor": logical_xor,
    "logical_not": logical_not, "isnan": isnan, "isfinite": isfinite, "allclose": allclose,
}  # fmt: skip
