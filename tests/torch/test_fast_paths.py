"""The shim's fast paths give what the general machinery gives: basic indexing's backward
(its transpose, run without a staged vjp) against the core's vjp of the same indexing and
against PyTorch; recorded backward passes through it; the engine's gradients of shared
subgraphs; the operations that call NumPy directly on arrays against their staged
functions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tracegrad.torch as torch
from tracegrad.transforms.vjp import vjp

SHAPE = (3, 4, 2)


@st.composite
def basic_indices(draw: st.DrawFn) -> tuple[Any, ...]:
    """A basic index of an array of SHAPE: ints (negative too), slices, None, Ellipsis."""
    entries: list[Any] = []
    ellipsis = draw(st.booleans())
    dims = iter(SHAPE)
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["int", "slice", "new"]))
        if kind == "new":
            entries.append(None)
            continue
        n = next(dims, None)
        if n is None:
            break
        if kind == "int":
            entries.append(draw(st.integers(-n, n - 1)))
        else:
            start = draw(st.none() | st.integers(-n, n))
            stop = draw(st.none() | st.integers(-n, n))
            step = draw(st.none() | st.integers(1, 3))
            entries.append(slice(start, stop, step))
    if ellipsis:
        entries.append(Ellipsis)
    return tuple(entries)


def _values(dtype: np.dtype[Any]) -> np.ndarray[Any, Any]:
    x = np.arange(np.prod(SHAPE), dtype=np.float64).reshape(SHAPE) - 7.5
    return (x + 1j * x[::-1] if dtype.kind == "c" else x).astype(dtype)


@given(basic_indices(), st.sampled_from([np.float32, np.float64, np.complex64]))
def test_basic_indexing_backward_is_the_cores_transpose(index: Any, dtype: Any) -> None:
    x0 = _values(np.dtype(dtype))
    x = torch.tensor(x0, requires_grad=True)
    y = x[index]
    ct = np.ones(y.shape, y.numpy(force=True).dtype) * (1.5 - 0.5j if y.is_complex() else 1.5)
    ct[(0,) * ct.ndim if ct.size else ...] = 2.0  # not uniform: the region must be placed
    y.backward(torch.tensor(ct))
    _, pullback = vjp(lambda v: v[index], x0)
    (expected,) = pullback(np.conj(ct))  # the shim's convention: conj(vjp(conj(ct)))
    assert x.grad is not None and x.grad.numpy().dtype == x0.dtype
    np.testing.assert_array_equal(x.grad.numpy(), np.conj(expected))


def test_basic_indexing_accumulates_and_runs_twice() -> None:
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    s = x[-1, 1:][0]
    y = s * 3.0 + x[1, 0] + x[:, None, 0].sum()
    y.backward(retain_graph=True)
    y.backward()  # basic indexing saves no tensors: a second pass runs, as in PyTorch
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [4.0, 6.0]])


def test_basic_indexing_under_create_graph() -> None:
    x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad((x[1:] ** 3).sum() + x[-1] ** 2, x, create_graph=True)
    assert g.grad_fn is not None
    np.testing.assert_allclose(g.detach().numpy(), [0.0, 3.0, 16.0])
    (h,) = torch.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), [0.0, -6.0, 14.0])


def test_basic_indexing_matches_pytorch() -> None:
    real = pytest.importorskip("torch")
    data = _values(np.dtype(np.float32))
    grads = []
    for T in (torch, real):
        X = T.tensor(data, requires_grad=True)
        for i in range(-3, 3):
            out = X[i, 1:, -1] * X[i, ..., 0, None]
            assert out.grad_fn.name() == "MulBackward0"
            assert X[i].grad_fn.name() == "SelectBackward0"
            assert X[:, 1:].grad_fn.name() == "SliceBackward0"
            out.sum().backward()
        grads.append(X.grad.numpy())
    np.testing.assert_array_equal(*grads)


def test_parsed_indices_are_told_apart_by_type_and_not_kept_for_tensors() -> None:
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x[1, 0].item() == 3.0
    # True == 1 and hash(True) == hash(1): a kept parse of x[1, 0] must not serve x[True, 0].
    assert x[True, 0].tolist() == [[1.0, 2.0]] and x[True, 0].grad_fn.name() != "SelectBackward0"
    assert x[1].tolist() == [3.0, 4.0] and x[True].shape == (1, 2, 2)
    i = torch.tensor(0)
    assert x[i, 1].item() == 2.0
    i.fill_(1)  # an index tensor changed in place: its new value is read
    assert x[i, 1].item() == 4.0
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 0"):
        x[5, 0]


UNARY = ["sin", "exp", "log", "tanh", "sqrt", "abs", "neg"]


def _cases() -> list[tuple[str, Any, int, dict[str, Any]]]:
    """(name, Op, number of array inputs, params) of the operations that call NumPy
    directly on arrays."""
    from tracegrad.torch import _arith, _reduce

    x = torch.tensor([1.0], requires_grad=True)
    cases = [(n, getattr(torch, n)(x).grad_fn.plan.op, 1, {}) for n in UNARY]
    cases += [(n, getattr(_arith, n), 2, {}) for n in ("MUL", "DIV", "MAXIMUM")]
    cases += [("ADD", _arith.ADD, 2, {"alpha": 1}), ("PLUS", _arith.PLUS, 2, {})]
    cases += [("SUM_ALL", _reduce.SUM_ALL, 1, {"axes": None, "keepdims": False})]
    cases += [("SUM_DIM", _reduce.SUM_DIM, 1, {"axes": (0,), "keepdims": True})]
    return cases


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.complex64])
@pytest.mark.parametrize("case", _cases(), ids=lambda c: c[0])
def test_numpy_called_directly_gives_the_staged_functions_bits(case: Any, dtype: Any) -> None:
    """On arrays the operations call NumPy's function directly; staged (on tracers) they run
    tracegrad.numpy's. Both give the same bits and dtype."""
    from tracegrad.core import ShapedArray, eval_jaxpr, trace_to_jaxpr

    name, op, n, params = case
    if dtype is np.complex64 and name == "MAXIMUM":
        pytest.skip("maximum takes real tensors")
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(0.1, 2.0, (3, 4)).astype(dtype) for _ in range(n)]
    if dtype is np.complex64:
        arrays = [a + np.complex64(0.5j) * a[::-1] for a in arrays]
    params = {**params, "dtype": np.dtype(dtype)}
    eager = np.asarray(op.fn(*arrays, **params))
    closed = trace_to_jaxpr(
        lambda *xs: [op.fn(*xs, **params)], [ShapedArray(a.shape, a.dtype) for a in arrays]
    )
    staged = np.asarray(eval_jaxpr(closed, *arrays)[0])
    np.testing.assert_array_equal(eager, staged, strict=True)
    if op.direct is not None:  # what graph.apply_numpy calls on arrays of the dtype
        np.testing.assert_array_equal(np.asarray(op.direct(*arrays)), eager, strict=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16])
@pytest.mark.parametrize(
    "data",
    [
        [[2, 4, 6], [2, 7, 9]],
        [2**60 + 2**36 + 1, -(2**60) - 2**36 - 1, 3],  # rounds to a double first
        [[0.1, 2**60 + 2**36 + 1], [True, -0.3]],
        [[1.5, 2.5], (3, 4.0)],
        [True, False],
    ],
)
def test_tensor_of_nested_numbers_converts_each_number_once(data: Any, dtype: Any) -> None:
    """torch.tensor(data, dtype=...) converts the data once and casts: the numbers come out
    as NumPy and PyTorch convert each one straight to the dtype (through a double)."""
    got = torch.tensor(data, dtype=dtype).numpy()
    expected = np.array(data, dtype=dtype.np)
    np.testing.assert_array_equal(got, expected)
    assert got.dtype == expected.dtype
    peer = pytest.importorskip("torch")
    ref = peer.tensor(data, dtype=getattr(peer, str(dtype).split(".")[1]))
    np.testing.assert_array_equal(got, ref.numpy())


def test_tensor_of_tensors_and_tuples_replaces_them_by_numbers() -> None:
    x = torch.tensor(2.5, requires_grad=True)
    got = torch.tensor([(1, x), [np.float32(3.0), torch.tensor(4)]], dtype=torch.float64)
    np.testing.assert_array_equal(got.numpy(), [[1.0, 2.5], [3.0, 4.0]])
    assert torch.tensor(((1, 2), (3, 4))).dtype is torch.int64


@pytest.mark.parametrize("name", ["mul", "div", "add", "maximum", "minimum"])
def test_binary_operations_direct_and_general_paths_agree(name: str) -> None:
    """Two tensors of one dtype take NumPy's function directly (``graph.apply_numpy``); a
    tensor and an array take the general path: the same values, nodes and gradients."""
    f = getattr(torch, name)
    y0 = np.array([0.5, -2.0, 3.0])
    results = []
    for other in (torch.tensor(y0), y0):
        x = torch.tensor([1.5, 2.0, -1.0], dtype=torch.float64, requires_grad=True)
        out = f(x, other)
        out.backward(torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64))
        results.append((out.detach().numpy(), out.grad_fn.name(), x.grad.numpy()))
    (v1, n1, g1), (v2, n2, g2) = results
    assert n1 == n2
    np.testing.assert_array_equal(v1, v2, strict=True)
    np.testing.assert_array_equal(g1, g2, strict=True)
