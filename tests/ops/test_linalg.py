"""The dot_general primitive: values against np.einsum, derivatives to order 2, its transpose
through vjp, batching against a loop, abstract evaluation and its errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import tracegrad as tg
from harness import F32, F64, OpRecord, record_tests
from tracegrad.core import DTypeError, ShapeError
from tracegrad.ops.linalg import diagonal, diagonal_matrix, dot_general

# (lhs shape, rhs shape, dimension_numbers)
CASES = [
    ((2, 3), (3, 4), (((1,), (0,)), ((), ()))),  # matrix product
    ((3,), (3,), (((0,), (0,)), ((), ()))),  # inner product
    ((3, 2), (4,), (((), ()), ((), ()))),  # outer product
    ((), (3,), (((), ()), ((), ()))),  # scaling by a 0-d operand
    ((4, 2, 3), (3,), (((2,), (0,)), ((), ()))),  # stack times vector
    ((3, 2), (4, 3), (((0,), (1,)), ((), ()))),  # transposed operands
    ((5, 2, 3), (5, 3, 4), (((2,), (1,)), ((0,), (0,)))),  # batched matmul
    ((2, 5, 3), (3, 4, 5), (((2,), (0,)), ((1,), (2,)))),  # batch dims anywhere
    ((2, 5, 3, 4), (4, 3, 2, 5), (((2, 3), (1, 0)), ((1, 0), (3, 2)))),  # two of each
    ((2, 3, 0), (0, 4), (((2,), (0,)), ((), ()))),  # empty contraction: zeros
    ((2, 5, 3), (4, 5), (((), ()), ((1,), (1,)))),  # a batch of outer products
    ((5, 2), (5,), (((), ()), ((0,), (0,)))),  # a batch of scalings
    # dimensions permuted by a cycle (not an involution), so a transpose rule that applies
    # a permutation where its inverse is needed fails here
    ((2, 3, 4, 5), (5, 3, 4, 6), (((3, 1), (0, 1)), ((2,), (2,)))),
]


def einsum_reference(dimension_numbers):
    """NumPy's einsum computing what dot_general(dimension_numbers) computes."""
    (lc, rc), (lb, rb) = dimension_numbers

    def ref(x, y, **_):
        x_labels = list("abcdefgh"[: np.ndim(x)])
        fresh = iter("pqrstuvw")
        y_labels = [None] * np.ndim(y)
        for a, b in zip(lc + lb, rc + rb):
            y_labels[b] = x_labels[a]
        y_labels = [lab or next(fresh) for lab in y_labels]
        out = (
            [x_labels[d] for d in lb]
            + [lab for d, lab in enumerate(x_labels) if d not in lc + lb]
            + [lab for d, lab in enumerate(y_labels) if d not in rc + rb]
        )
        spec = f"{''.join(x_labels)},{''.join(y_labels)}->{''.join(out)}"
        return np.einsum(spec, x, y).astype(np.result_type(x, y))

    return ref


RECORDS = [
    OpRecord(
        f"dot_general_{i}",
        dot_general,
        einsum_reference(dn),
        [(xs, ys)],
        kwargs={"dimension_numbers": dn},
    )
    for i, (xs, ys, dn) in enumerate(CASES)
]

test_value, test_derivatives = record_tests(RECORDS)


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_batching_matches_loop(case) -> None:
    xs, ys, dn = case
    rng = np.random.default_rng(0)
    f = lambda x, y: dot_general(x, y, dn)
    for x_axis, y_axis in [(0, None), (None, 0), (0, 0), (-1, 0), (None, -1)]:
        xb = rng.standard_normal((3, *xs)) if x_axis is not None else rng.standard_normal(xs)
        yb = rng.standard_normal((3, *ys)) if y_axis is not None else rng.standard_normal(ys)
        xb = np.moveaxis(xb, 0, x_axis) if x_axis is not None else xb
        yb = np.moveaxis(yb, 0, y_axis) if y_axis is not None else yb
        got = tg.vmap(f, in_axes=(x_axis, y_axis))(xb, yb)
        want = np.stack(
            [
                f(
                    np.take(xb, i, x_axis) if x_axis is not None else xb,
                    np.take(yb, i, y_axis) if y_axis is not None else yb,
                )
                for i in range(3)
            ]
        )
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_transpose_is_exact_adjoint() -> None:
    """<ct, dot(x, y)> == <dot^T(ct), x> for each argument, exactly up to rounding."""
    rng = np.random.default_rng(1)
    for xs, ys, dn in CASES:
        x, y = rng.standard_normal(xs), rng.standard_normal(ys)
        out, f_vjp = tg.vjp(lambda a, b: dot_general(a, b, dn), x, y)
        ct = rng.standard_normal(np.shape(out))
        ct_x, ct_y = f_vjp(ct)
        assert ct_x.shape == x.shape and ct_y.shape == y.shape
        np.testing.assert_allclose(np.vdot(ct_x, x), np.vdot(ct, out), atol=1e-10)
        np.testing.assert_allclose(np.vdot(ct_y, y), np.vdot(ct, out), atol=1e-10)


def test_dtypes_are_kept() -> None:
    for dtype in (np.float32, np.float64, np.complex64, np.int32, np.int8):
        x, y = np.ones((2, 3), dtype), np.ones((3, 4), dtype)
        dn = (((1,), (0,)), ((), ()))
        assert np.asarray(dot_general(x, y, dn)).dtype == dtype
        closed = tg.make_jaxpr(lambda a, b: dot_general(a, b, dn))(x, y)
        assert closed.out_avals[0].dtype == dtype
    batched = dot_general(
        np.ones((2, 2, 3), np.float32), np.ones((2, 3, 4), np.float32), (((2,), (1,)), ((0,), (0,)))
    )
    assert batched.dtype == np.float32
    g = tg.grad(lambda x: dot_general(x, x, (((0,), (0,)), ((), ()))))(np.ones(3, np.float32))
    assert g.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.complex64, np.int8, np.bool_])
def test_batched_outer_products_keep_dtype_and_values(dtype) -> None:
    """Batching turns products without contraction into one broadcast multiply; it keeps
    the dtype and equals the per-example products exactly."""
    rng = np.random.default_rng(2)
    x, y = (rng.integers(0, 3, shape).astype(dtype) for shape in ((4, 3), (4, 2)))
    dn = (((), ()), ((), ()))
    got = tg.vmap(lambda a, b: dot_general(a, b, dn))(x, y)
    want = np.stack([dot_general(a, b, dn) for a, b in zip(x, y, strict=True)])
    assert got.dtype == want.dtype == dtype
    np.testing.assert_array_equal(got, want)


def test_jaxpr_shows_dot_general() -> None:
    text = str(
        tg.make_jaxpr(lambda a, b: dot_general(a, b, (((1,), (0,)), ((), ()))))(
            np.ones((2, 3), np.float32), np.ones((3, 4), np.float32)
        )
    )
    assert "dot_general" in text and "f32[2,4]" in text


def test_abstract_eval_errors() -> None:
    trace = lambda x, y, dn: tg.make_jaxpr(lambda a, b: dot_general(a, b, dn))(x, y)
    with pytest.raises(ShapeError, match=r"contracting dimensions.*\(3,\) and \(4,\)"):
        trace(np.ones((2, 3)), np.ones((4, 5)), (((1,), (0,)), ((), ())))
    with pytest.raises(ShapeError, match="batch dimensions"):
        trace(np.ones((2, 3)), np.ones((5, 3)), (((1,), (1,)), ((0,), (0,))))
    with pytest.raises(ShapeError, match="distinct"):
        trace(np.ones((3, 3)), np.ones((3, 3)), (((0, 0), (0, 1)), ((), ())))
    with pytest.raises(DTypeError, match="same dtypes"):
        trace(np.ones(3, np.float32), np.ones(3), (((0,), (0,)), ((), ())))
    with pytest.raises(np.exceptions.AxisError):
        dot_general(np.ones(3), np.ones(3), (((1,), (0,)), ((), ())))
    # ShapeError is both a ValueError (as NumPy) and a TypeError (as JAX)
    with pytest.raises(ValueError):
        trace(np.ones((2, 3)), np.ones((4, 5)), (((1,), (0,)), ((), ())))
    with pytest.raises(TypeError):
        trace(np.ones((2, 3)), np.ones((4, 5)), (((1,), (0,)), ((), ())))


@pytest.mark.parametrize("dtype", [F64, F32])
def test_diagonal_helpers(dtype) -> None:
    x = np.arange(60, dtype=dtype).reshape(3, 4, 5)
    for offset, (a1, a2) in itertools.product(range(-5, 6), [(0, 1), (1, 2), (2, 0), (-1, -2)]):
        np.testing.assert_array_equal(diagonal(x, offset, a1, a2), np.diagonal(x, offset, a1, a2))
    for n, offset in itertools.product(range(4), range(-3, 4)):
        v = np.arange(1, n + 1, dtype=dtype)
        got = diagonal_matrix(v, offset)
        np.testing.assert_array_equal(got, np.diag(v, offset))
        assert got.dtype == dtype
