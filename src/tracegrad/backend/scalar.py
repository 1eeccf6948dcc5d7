"""Scalar programs: a program whose every value is a 0-d float64 runs on Python floats, where
an arithmetic operation costs tens of nanoseconds against hundreds for a NumPy call on a 0-d
value, with the results NumPy would give, bit for bit.

Python's float arithmetic is IEEE 754 double arithmetic, as NumPy's float64 loops are: ``+``,
``-``, ``*``, ``/`` and negation round the same way and give the same bits (signed zeros,
infinities and NaNs included), and ``np.square(x)`` is ``x * x``. Division by zero, where
Python raises, is left to ``np.divide`` (its infinities and NaNs, and its warning). Every
other ufunc (``tanh``, ``exp``, ``maximum``, ...) is still called, on floats, and its result
turned back into a float: functions such as ``math.tanh`` are not used, since they are not
NumPy's to the last bit on every platform. What differs is warnings: Python's ``*`` and ``+``
overflow to ``inf`` silently, where NumPy warns.

A program qualifies when all its inputs, outputs, constants and intermediate values are 0-d
float64, every equation is a ufunc call (or ``integer_pow`` by 1 or 2, or a cast from float64
to float64) and the operators outnumber the conversions enough to pay for them (each input
is converted to a float on entry, each output to a NumPy scalar on exit, as NumPy returns).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tracegrad.backend import emitters
from tracegrad.backend.emitters import integer_power, plain_ufunc
from tracegrad.core import ClosedJaxpr, JaxprEqn, Literal, Var
from tracegrad.core.ir import Atom

# ufunc -> the Python expression with the same result, bit for bit, on two floats / one float
_BINARY: dict[np.ufunc, str] = {np.add: "+", np.subtract: "-", np.multiply: "*"}
_UNARY: dict[np.ufunc, str] = {np.negative: "-", np.positive: "+"}
_F64 = np.dtype(np.float64)

# Relative costs, for deciding whether a program is worth it: an operator on floats saves
# about a NumPy call on 0-d values (~300 ns); converting a value costs a sixth of that.
_OPERATOR_SAVING = 6
_CONVERSION_COST = 1


def _is_f64_scalar(a: Atom) -> bool:
    return a.aval.shape == () and a.aval.dtype == _F64


def _is_same_cast(eqn: JaxprEqn) -> bool:
    return (
        eqn.primitive.emit is emitters.convert_element_type
        and np.dtype(eqn.params["new_dtype"]) == _F64
    )


def _kind(eqn: JaxprEqn) -> str | None:
    """``operator`` (a Python expression), ``call`` (a ufunc called on floats), or None."""
    ufunc = plain_ufunc(eqn)
    if ufunc is not None:
        known = ufunc in _BINARY or ufunc in _UNARY or ufunc is np.divide
        return "operator" if known else "call"
    if integer_power(eqn) in (1, 2) or _is_same_cast(eqn):
        return "operator"
    return None


def qualifies(closed: ClosedJaxpr) -> bool:
    """Whether ``closed`` is a scalar program worth running on floats.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> qualifies(tg.make_jaxpr(lambda x: x * x * 2.0 - x + 1.0)(0.5))
    True
    >>> qualifies(tg.make_jaxpr(lambda x: x * x)(np.ones(2)))
    False
    """
    j = closed.jaxpr
    if j.constvars or not j.eqns:
        return False
    if not all(_is_f64_scalar(v) for v in (*j.invars, *j.outvars)):
        return False
    inputs = set(j.invars)
    if any(isinstance(a, Literal) or a in inputs for a in j.outvars):
        return False  # returned as it came: leave its type to the general code
    operators = calls = 0
    for eqn in j.eqns:
        kind = _kind(eqn)
        if kind is None or not all(_is_f64_scalar(a) for a in (*eqn.invars, *eqn.outvars)):
            return False
        if kind == "operator":
            operators += 1
        else:
            calls += 1
    cost = _CONVERSION_COST * (len(j.invars) + calls + 2 * len(j.outvars))
    return operators * _OPERATOR_SAVING > cost


def scalar_body(
    closed: ClosedJaxpr, name: Callable[[Var], str], glob: Callable[[Any, str], str]
) -> list[str]:
    """The lines of the body of the function computing ``closed`` (which ``qualifies``) on
    Python floats: conversions on entry, one line per equation, the return. ``name`` gives
    variables their names, ``glob`` binds a value to a global and gives its name.

    >>> import tracegrad as tg, tracegrad.numpy as tnp
    >>> closed = tg.make_jaxpr(lambda x: tnp.tanh(x) * x - 2.0 * x)(0.5)
    >>> names = {}
    >>> def name(v): return names.setdefault(v, "abcdefgh"[len(names)])
    >>> def glob(value, stem): return stem
    >>> print("\\n".join(scalar_body(closed, name, glob)))
    a = to_float(a)
    b = to_float(np_tanh(a))
    c = b * a
    d = 2.0 * a
    e = c - d
    return [np_float64(e)]
    """
    j = closed.jaxpr
    to_float = glob(float, "to_float")

    def text(a: Atom) -> str:
        if not isinstance(a, Literal):
            return name(a)
        value = float(a.val)
        if math.isfinite(value):
            return repr(value) if value >= 0 or math.copysign(1.0, value) > 0 else f"({value!r})"
        return glob(value, "lit")

    lines = [f"{name(v)} = {to_float}({name(v)})" for v in j.invars]
    for eqn in j.eqns:
        expr = _expression(eqn, [text(a) for a in eqn.invars], glob, to_float)
        lines.append(f"{name(eqn.outvars[0])} = {expr}")
    f64 = glob(np.float64, "np_float64")
    outs = ", ".join(f"{f64}({name(v)})" for v in j.outvars if isinstance(v, Var))
    lines.append(f"return [{outs}]")
    return lines


def _expression(
    eqn: JaxprEqn, args: Sequence[str], glob: Callable[[Any, str], str], to_float: str
) -> str:
    impl = eqn.primitive.impl
    if isinstance(impl, np.ufunc):
        if impl in _BINARY:
            return f"{args[0]} {_BINARY[impl]} {args[1]}"
        if impl in _UNARY:
            return f"{_UNARY[impl]}{args[0]}"
        call = f"{to_float}({glob(impl, f'np_{impl.__name__}')}({', '.join(args)}))"
        if impl is np.divide:  # Python raises on a zero divisor; NumPy gives inf or NaN
            return f"{args[0]} / {args[1]} if {args[1]} else {call}"
        return call
    if integer_power(eqn) == 2:
        return f"{args[0]} * {args[0]}"
    return args[0]  # integer_pow by 1, a cast from float64 to float64
