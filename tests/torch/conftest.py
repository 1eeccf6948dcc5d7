"""Running one program on ``tracegrad.torch`` and on PyTorch and comparing what it records:
values, dtypes, ``requires_grad``, ``grad_fn`` names, printouts and raised errors.

A program is ``program(T, rec)``: ``T`` is the torch namespace under test, ``rec(x)``
records a result (a tensor, a string, a number, None, or a tuple/list of them). If the
program raises, the error's type and message are recorded as its last result.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

Program = Callable[[Any, Callable[[Any], None]], None]


def _normalize(x: Any, T: Any) -> Any:
    if isinstance(x, T.Tensor):
        value = x.detach().numpy()
        grad_fn = None if x.grad_fn is None else type(x.grad_fn).__name__
        return ("tensor", np.array(value), str(x.dtype), x.requires_grad, grad_fn)
    if isinstance(x, T.dtype):
        return ("dtype", str(x))
    if isinstance(x, tuple | list):
        return type(x).__name__, [_normalize(y, T) for y in x]
    if isinstance(x, np.ndarray):
        return ("array", x)
    if isinstance(x, bool | int | float | complex | np.generic):
        return ("number", complex(x))
    if x is None or isinstance(x, str):
        return x
    raise TypeError(f"cannot record a {type(x).__name__}")


def capture(program: Program, T: Any) -> list[Any]:
    out: list[Any] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            program(T, lambda x: out.append(_normalize(x, T)))
        except Exception as e:  # the error is part of the behaviour compared
            out.append(("raised", type(e).__name__, str(e)))
    return out


def assert_same(ours: Any, theirs: Any, path: str = "") -> None:
    if isinstance(theirs, tuple) and theirs and theirs[0] == "tensor":
        assert isinstance(ours, tuple) and ours[0] == "tensor", f"{path}: {ours!r} vs tensor"
        _, a, da, ra, fa = ours
        _, b, db, rb, fb = theirs
        assert da == db, f"{path}: dtype {da} vs {db}"
        assert a.shape == b.shape, f"{path}: shape {a.shape} vs {b.shape}"
        tol = 1e-4 if a.dtype in (np.float32, np.complex64, np.float16) else 1e-9
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol, err_msg=path)
        assert ra == rb, f"{path}: requires_grad {ra} vs {rb}"
        assert fa == fb, f"{path}: grad_fn {fa} vs {fb}"
    elif isinstance(theirs, tuple) and theirs and theirs[0] == "array":
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, err_msg=path)
    elif isinstance(theirs, tuple) and theirs and theirs[0] == "number":
        assert ours[0] == "number", f"{path}: {ours!r} vs {theirs!r}"
        assert abs(ours[1] - theirs[1]) <= 1e-5 * max(1.0, abs(theirs[1])), path
    elif isinstance(theirs, tuple) and len(theirs) == 2 and isinstance(theirs[1], list):
        assert isinstance(ours, tuple) and len(ours[1]) == len(theirs[1]), f"{path}: {ours!r}"
        for k, (a, b) in enumerate(zip(ours[1], theirs[1], strict=True)):
            assert_same(a, b, f"{path}[{k}]")
    else:
        assert ours == theirs, f"{path}: {ours!r} != {theirs!r}"


def check(program: Program) -> list[Any]:
    """Run ``program`` on both and assert they recorded the same; returns PyTorch's record."""
    torch = pytest.importorskip("torch")
    theirs = capture(program, torch)
    ours = capture(program, tt)
    assert len(ours) == len(theirs), f"recorded {ours!r}\nPyTorch recorded {theirs!r}"
    for k, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert_same(a, b, f"result {k}")
    return theirs


@pytest.fixture
def conform() -> Callable[[Program], list[Any]]:
    return check


def same_error(program: Callable[[Any], Any]) -> None:
    """``program(T)`` raises on tracegrad.torch the exception PyTorch raises: same type,
    same message."""
    torch = pytest.importorskip("torch")
    got = []
    for T in (tt, torch):
        with pytest.raises(Exception) as info:
            program(T)
        got.append((type(info.value).__name__, str(info.value)))
    assert got[0] == got[1]
