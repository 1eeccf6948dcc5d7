"""``torch.finfo`` / ``torch.iinfo`` (values, printing, errors) and ``torch.fmod`` /
``Tensor.fmod`` (values, dtypes, ``grad_fn`` names, gradients) against PyTorch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

FLOATS = ["float16", "bfloat16", "float32", "float64", "complex64", "complex128"]
INTS = ["uint8", "int8", "int16", "int32", "int64"]


@pytest.mark.parametrize("name", FLOATS)
def test_finfo_as_pytorch(name: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        f = T.finfo(getattr(T, name))
        rec([f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype])
        rec(repr(f))
        rec(f == T.finfo(getattr(T, name)))

    conform(program)


@pytest.mark.parametrize("name", INTS)
def test_iinfo_as_pytorch(name: str, conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        i = T.iinfo(getattr(T, name))
        rec([i.bits, i.max, i.min, i.dtype, repr(i)])

    conform(program)


def test_type_info_defaults_and_errors_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        rec(repr(T.finfo()))
        T.set_default_dtype(T.float64)
        try:
            rec(T.finfo().eps)
        finally:
            T.set_default_dtype(T.float32)
        for bad in (lambda: T.finfo(T.int32), lambda: T.iinfo(T.float32), lambda: T.iinfo(T.bool)):
            try:
                bad()
            except TypeError as e:
                rec(str(e))

    conform(program)


def test_fmod_as_pytorch(conform: Any) -> None:
    def program(T: Any, rec: Callable[[Any], None]) -> None:
        rec(T.fmod(T.tensor([-7, 7], dtype=T.int32), 3))
        rec(T.tensor([-7.5, 7.5]).fmod(2))
        x = T.tensor([-7.5, 7.5, 3.0], requires_grad=True)
        y = T.tensor([2.0, -2.0, 4.0], requires_grad=True)
        out = T.fmod(x, y)
        rec(out)
        out.sum().backward()
        rec((x.grad, y.grad))
        rec(T.fmod(x, 2.5))

    conform(program)
