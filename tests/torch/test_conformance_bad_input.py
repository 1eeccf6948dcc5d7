"""Bad input against PyTorch: hooks that return a gradient of another shape, dtype or type,
and ``torch.tensor`` / ``torch.Tensor`` of data that is not a rectangular nesting of
numbers. Each program runs on both; the error's class and message must be PyTorch's."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("torch")

# ---- hooks -----------------------------------------------------------------------------------


def _leaf_hook(replace: Callable[[Any, Any], Any], dtype: str = "float32") -> Any:
    def program(T: Any, rec: Any) -> None:
        x = T.ones(3, dtype=getattr(T, dtype), requires_grad=True)
        x.register_hook(lambda g: replace(T, g))
        (x * 2).sum().backward()
        rec(x.grad)

    return program


def _nonleaf_hook(replace: Callable[[Any, Any], Any], dtype: str = "float32") -> Any:
    def program(T: Any, rec: Any) -> None:
        x = T.ones(2, 3, dtype=getattr(T, dtype), requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: replace(T, g))
        (y * y).sum().backward()
        rec(x.grad)

    return program


REPLACEMENTS: dict[str, Callable[[Any, Any], Any]] = {
    "same": lambda T, g: g * 3,
    "fewer": lambda T, g: T.ones(2, dtype=g.dtype),
    "scalar": lambda T, g: T.tensor(1.0, dtype=g.dtype),
    "broadcastable": lambda T, g: T.ones(g.shape[-1:], dtype=g.dtype),
    "more_dims": lambda T, g: g.unsqueeze(0),
    "float64": lambda T, g: g.double(),
    "float32": lambda T, g: g.float(),
    "float16": lambda T, g: g.half(),
    "int64": lambda T, g: g.long(),
    "bool": lambda T, g: g.bool(),
    "complex64": lambda T, g: g.to(T.complex64),
    "shape_and_dtype": lambda T, g: T.ones(1, dtype=T.float64),
    "a_float": lambda T, g: 1.0,
    "an_array": lambda T, g: np.ones(3),
}


def named_hook(T: Any, rec: Any) -> None:
    def scale_down(g: Any) -> Any:
        return g[:1]

    x = T.ones(3, requires_grad=True)
    x.register_hook(scale_down)
    x.sum().backward()


def callable_object_hook(T: Any, rec: Any) -> None:
    class Hook:
        def __call__(self, g: Any) -> Any:
            return g.sum()

    x = T.ones(3, requires_grad=True)
    x.register_hook(Hook())
    x.sum().backward()


def partial_hook(T: Any, rec: Any) -> None:
    x = T.ones(3, requires_grad=True)
    x.register_hook(functools.partial(lambda g, k: g[:k], k=1))
    x.sum().backward()


def hook_in_autograd_grad(T: Any, rec: Any) -> None:
    x = T.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g[:2])
    rec(T.autograd.grad(y.sum(), x))


def hook_under_create_graph(T: Any, rec: Any) -> None:
    x = T.ones(3, requires_grad=True)
    y = x * x
    y.register_hook(lambda g: g.double())
    rec(T.autograd.grad(y.sum(), x, create_graph=True))


def hook_on_retained_grad(T: Any, rec: Any) -> None:
    x = T.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.register_hook(lambda g: g.sum())
    y.sum().backward()


def hook_on_root(T: Any, rec: Any) -> None:
    x = T.tensor(2.0, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.reshape(1))
    y.backward()


def hook_on_complex(T: Any, rec: Any) -> None:
    z = T.ones(2, dtype=T.complex64, requires_grad=True)
    z.register_hook(lambda g: g.abs())
    z.abs().sum().backward()


HOOK_PROGRAMS = [
    named_hook, callable_object_hook, partial_hook, hook_in_autograd_grad,
    hook_under_create_graph, hook_on_retained_grad, hook_on_root, hook_on_complex,
]  # fmt: skip


@pytest.mark.parametrize("where", ["leaf", "nonleaf"])
@pytest.mark.parametrize("replacement", list(REPLACEMENTS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_hook_results_checked_as_pytorch(
    where: str, replacement: str, dtype: str, conform: Any
) -> None:
    make = _leaf_hook if where == "leaf" else _nonleaf_hook
    conform(make(REPLACEMENTS[replacement], dtype))


@pytest.mark.parametrize("program", HOOK_PROGRAMS, ids=lambda p: p.__name__)
def test_hook_programs_same_as_pytorch(program: Any, conform: Any) -> None:
    conform(program)


def test_hook_errors_have_pytorch_wording(conform: Any) -> None:
    assert conform(_leaf_hook(REPLACEMENTS["fewer"]))[-1] == (
        "raised",
        "RuntimeError",
        "hook '<lambda>' has changed the size of value",
    )
    assert conform(_nonleaf_hook(REPLACEMENTS["float64"]))[-1] == (
        "raised",
        "RuntimeError",
        "hook '<lambda>' has changed the type of value (was torch.FloatTensor got "
        "torch.DoubleTensor)",
    )


# ---- tensor creation from bad data -------------------------------------------------------------

DATA: dict[str, Any] = {
    "str_in_list": ["a"],
    "str": "a",
    "bytes": b"a",
    "empty_str_in_list": [""],
    "str_after_number": [1, "a"],
    "str_deep": [[1.0], ["a"]],
    "numpy_str": np.str_("a"),
    "numpy_str_in_list": [np.str_("a")],
    "none": None,
    "none_in_list": [1.0, None],
    "none_nested": [[None]],
    "object": object(),
    "object_in_list": [object()],
    "dict": {"a": 1},
    "set": {1, 2},
    "generator": (i for i in range(2)),
    "ragged": [[1], [1, 2]],
    "ragged_deeper": [[[1, 2]], [[1]]],
    "number_then_list": [1, [2]],
    "list_then_number": [[1, 2], 3],
    "float_then_list": [1.0, [2.0]],
    "int_beyond_int64": [2**63],
    "negative_int_beyond_int64": [-(2**64)],
    "float_and_big_int": [1.0, 2**70],
    "range": range(3),
}


def _creation(data: Any, dtype: str | None, via: str) -> Any:
    def program(T: Any, rec: Any) -> None:
        if via == "Tensor":
            rec(T.Tensor(data))
        elif via == "as_tensor":
            rec(T.as_tensor(data))
        else:
            rec(T.tensor(data, dtype=None if dtype is None else getattr(T, dtype)))

    return program


@pytest.mark.parametrize("name", list(DATA))
@pytest.mark.parametrize("dtype", [None, "float32", "int64", "bool", "complex64"])
def test_tensor_of_bad_data_raises_as_pytorch(name: str, dtype: str | None, conform: Any) -> None:
    if name == "empty_str_in_list" and dtype is not None:
        pytest.skip("PyTorch makes an empty tensor of shape (1, 0) here; tracegrad raises")
    conform(_creation(DATA[name], dtype, "tensor"))


@pytest.mark.parametrize("array", [np.array(["a"]), np.array([1.0], dtype=object)], ids=str)
@pytest.mark.parametrize("dtype", [None, "float32"])
def test_tensor_of_a_numpy_array_pytorch_lacks_raises_as_pytorch(
    array: Any, dtype: str | None, conform: Any
) -> None:
    # The message goes on to list the dtypes each supports, which differ (no uint16-64 here).
    def program(T: Any, rec: Any) -> None:
        try:
            T.tensor(array, dtype=None if dtype is None else getattr(T, dtype))
        except TypeError as e:
            rec(str(e).split(". The only")[0])

    conform(program)


@pytest.mark.parametrize("name", ["str_in_list", "none", "none_in_list", "ragged", "dict"])
@pytest.mark.parametrize("via", ["Tensor", "as_tensor"])
def test_other_constructors_raise_as_pytorch(name: str, via: str, conform: Any) -> None:
    conform(_creation(DATA[name], None, via))


def test_the_issue_cases_have_pytorch_classes_and_messages(conform: Any) -> None:
    assert conform(_creation(["a"], None, "tensor"))[-1] == (
        "raised",
        "ValueError",
        "too many dimensions 'str'",
    )
    assert conform(_creation(None, None, "tensor"))[-1] == (
        "raised",
        "RuntimeError",
        "Could not infer dtype of NoneType",
    )
    # with a dtype, None was nan: never a silent value
    assert conform(_creation([None], "float32", "tensor"))[-1] == (
        "raised",
        "TypeError",
        "must be real number, not NoneType",
    )
