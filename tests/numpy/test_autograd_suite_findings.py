"""What running HIPS autograd's own test suite against tracegrad found missing or wrong in
``tracegrad.numpy``: NumPy functions and names it lacked, and einsum's sublist form with an
output sublist. Each is checked against NumPy here, traced and eager, with derivatives."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import F32, F64, OpRecord, record_tests
from tracegrad.test_util import check_grads


def both(name: str, f: Any, shapes: list[Any], **options: Any) -> OpRecord:
    """A record for one function written once against ``tnp`` and once against ``np``."""
    return OpRecord(name, lambda *xs: f(tnp, *xs), lambda *xs: f(np, *xs), shapes, **options)


_MASK = np.array([[True, False, True], [False, False, True]])
_INF = np.array([[0.0, np.nan, np.inf], [-np.inf, 1.0, np.nan]])


def _separated(rng: np.random.Generator, shapes: Any, dtype: Any) -> list[np.ndarray]:
    """Shuffled values at least 0.3 apart: finite differences never swap two of them."""
    n = int(np.prod(shapes[0]))
    v = rng.permutation(n) * 0.5 - n / 4 + rng.uniform(-0.1, 0.1, n)
    return [v.reshape(shapes[0]).astype(dtype)]


RECORDS = [
    both("rot90", lambda m, x: m.rot90(x), [((2, 3),), ((2, 3, 4),)]),
    both("rot90_k", lambda m, x: m.rot90(x, 3, axes=(2, 0)), [((2, 3, 4),)]),
    both("rot90_k2", lambda m, x: m.rot90(x, -2), [((2, 3),)]),
    both("rollaxis", lambda m, x: m.rollaxis(x, 2), [((2, 3, 4),)]),
    both("rollaxis_start", lambda m, x: m.rollaxis(x, 0, 3), [((2, 3, 4),)]),
    both("rollaxis_neg", lambda m, x: m.rollaxis(x, -1, -2), [((2, 3, 4),)]),
    both("append_flat", lambda m, x, y: m.append(x, y), [((2, 3), (4,)), ((3,), ())]),
    both("append_axis", lambda m, x, y: m.append(x, y, axis=0), [((2, 3), (1, 3))]),
    both("hsplit", lambda m, x: m.hsplit(x, [1, 2]), [((2, 4),), ((5,),)]),
    both("vsplit", lambda m, x: m.vsplit(x, 2), [((4, 3),)]),
    both("dsplit", lambda m, x: m.dsplit(x, [1]), [((2, 2, 3),)]),
    both("row_stack", lambda m, x, y: m.vstack([x, y]) + tnp.row_stack([x, y]), [((3,), (3,))]),
    both("diff", lambda m, x: m.diff(x), [((5,),), ((3, 4),)]),
    both("diff_n_axis", lambda m, x: m.diff(x, 2, axis=0), [((4, 3),)]),
    both("diff_prepend", lambda m, x: m.diff(x, prepend=0.5, append=x[:1]), [((4,),)]),
    both("cross_3", lambda m, x, y: m.cross(x, y), [((3,), (3,)), ((2, 3), (3,))]),
    both("cross_axes", lambda m, x, y: m.cross(x, y, 0, 1, 0), [((3, 2), (2, 3))]),
    both("cross_axis", lambda m, x, y: m.cross(x, y, axis=0), [((3, 3), (3, 3))]),
    both("select", lambda m, x, y: m.select([_MASK, ~_MASK], [x, y], 1.5), [((2, 3), (2, 3))]),
    both("select_default", lambda m, x: m.select([_MASK], [x]), [((2, 3),)]),
    both("nan_to_num", lambda m, x: m.sin(m.nan_to_num(x + _INF)), [((2, 3),)]),
    # Reverse mode through x * inf is nan where the value is replaced (0 * inf), as in JAX.
    both(
        "nan_to_num_values",
        lambda m, x: m.nan_to_num(x * _INF, nan=1.0, posinf=2.0, neginf=-3.0),
        [((2, 3),)],
        diff_argnums=(),
    ),
    both(
        "einsum_sublists_out",
        lambda m, x, y: m.einsum(x, [0, 1], y, [1, 2], [2, 0]),
        [((2, 3), (3, 4))],
    ),
    both(
        "einsum_sublists_ellipsis",
        lambda m, x: m.einsum(x, [Ellipsis, 0, 1], [Ellipsis, 1, 0]),
        [((2, 3, 4),)],
    ),
    both("r_", lambda m, x: m.r_[x, 1.5, 0:3, x], [((2,),)]),
    both("r_directive", lambda m, x: m.r_["0,2,0", x, x], [((3,),)]),
    both("r_axis", lambda m, x: m.r_["1", x, x], [((2, 3),)]),
    both("c_", lambda m, x, y: m.c_[x, y, x], [((3,), (3, 2))]),
]
# partition: NumPy leaves the order within the two parts unspecified; tracegrad sorts.
RECORDS.append(
    OpRecord(
        "partition",
        lambda x: tnp.partition(x, 1),
        np.sort,
        [((5,),), ((2, 4),)],
        make_args=_separated,
    )
)
RECORDS.append(
    OpRecord(
        "partition_flat",
        lambda x: tnp.partition(x, [0, 2], axis=None),
        lambda x: np.sort(x, axis=None),
        [((2, 3),)],
        make_args=_separated,
    )
)

_SORTED = np.array([-1.0, 0.0, 0.0, 0.5, 2.0, np.nan])
RECORDS += [
    both("gradient", lambda m, x: m.gradient(x), [((5,),), ((3, 4),)]),
    both("gradient_axis_spacing", lambda m, x: m.gradient(x, 0.5, axis=-1), [((3, 4),)]),
    both(
        "gradient_axes_order2",
        lambda m, x: m.gradient(x, 2.0, 0.5, axis=(1, 0), edge_order=2),
        [((3, 4, 2),)],
    ),
    both(
        "isposinf_isneginf",
        lambda m, x: (m.isposinf(x * _INF), m.isneginf(x * _INF)),
        [((2, 3),)],
        diff_argnums=(),
    ),
    both(
        "count_nonzero", lambda m, x: m.count_nonzero(x > 0, axis=0), [((3, 4),)], diff_argnums=()
    ),
    both(
        "searchsorted",
        lambda m, v: m.searchsorted(_SORTED, v),
        [((3,),), ((2, 2),)],
        diff_argnums=(),
    ),
    both(
        "searchsorted_right",
        lambda m, v: m.searchsorted(_SORTED, v.round(), side="right"),
        [((4,),)],
        diff_argnums=(),
    ),
    both(
        "array_equiv", lambda m, x: m.array_equiv(x, x[:1]), [((3, 2),), ((1, 2),)], diff_argnums=()
    ),
]
RECORDS.append(
    OpRecord(
        "argpartition",
        lambda x: tnp.argpartition(x, 1),
        lambda x: np.argsort(x, kind="stable"),
        [((5,),), ((2, 4),)],
        diff_argnums=(),
    )
)

test_value, test_derivatives = record_tests(RECORDS)


def traced(f: Any, *args: Any) -> Any:
    """``f`` run under make_jaxpr (the traced path), evaluated."""
    return tg.eval_jaxpr(tg.make_jaxpr(f)(*args), *args)


@pytest.mark.parametrize("dtype", [F64, F32])
def test_closeness_and_complex_predicates_traced_as_numpy(dtype: Any) -> None:
    x = np.array([1.0, np.inf, -np.inf, np.nan, 1.0, np.nan], dtype)
    y = np.array([1.0 + 1e-9, np.inf, np.inf, np.nan, 1.1, 0.0], dtype)
    for equal_nan in (False, True):
        (got,) = traced(lambda a, b: tnp.isclose(a, b, equal_nan=equal_nan), x, y)
        np.testing.assert_array_equal(got, np.isclose(x, y, equal_nan=equal_nan))
    (got,) = traced(lambda a, b: tnp.allclose(a, b), x[:1], y[:1])
    assert bool(got) is True
    (got,) = traced(lambda a, b: tnp.array_equal(a, b, equal_nan=True), x, x)
    assert bool(got) is True
    z = np.array([1 + 1j, 2 + 0j])
    for name in ("iscomplex", "isreal"):
        (got,) = traced(getattr(tnp, name), z)
        np.testing.assert_array_equal(got, getattr(np, name)(z))
    (got,) = traced(tnp.iscomplex, x)
    np.testing.assert_array_equal(got, np.iscomplex(x))


def test_allclose_and_iscomplex_drive_python_control_flow_under_grad() -> None:
    # autograd's test_logic: a check on the traced value inside a differentiated function.
    def f(x: Any) -> Any:
        assert tnp.allclose(x, (x * 3.0) / 3.0)
        return tnp.sum(x)

    def g(x: Any) -> Any:
        return tnp.real(x**2 if tnp.iscomplex(x) else tnp.sum(x))

    np.testing.assert_allclose(tg.grad(f)(np.array([1.0, 2.0])), [1.0, 1.0])
    check_grads(g, (2.0,), order=2)
    check_grads(g, (2.0 + 1j,), order=2)


def test_real_if_close_keeps_complex_values() -> None:
    z = np.array([1.0 + 0.5j])
    seen: list[Any] = []
    tg.grad(lambda x: tnp.sum(tnp.real(seen.append(tnp.real_if_close(x * z)) or x)))(1.0)
    assert seen[0].dtype == np.complex128
    assert tg.grad(lambda x: tnp.real(tnp.real_if_close(x * (1 + 0j)) ** 2))(3.0) == 6.0
    with pytest.raises(tg.ConcretizationTypeError, match="real_if_close"):
        tg.jit(tnp.real_if_close)(z)


def test_shape_queries_and_types_accept_tracers() -> None:
    seen: list[Any] = []

    def f(x: Any) -> Any:
        seen.append((tnp.shape(x), tnp.ndim(x), tnp.size(x), tnp.size(x, 0), np.ndim(x)))
        seen.append((isinstance(x, tnp.ndarray), tnp.iscomplexobj(x), tnp.isrealobj(x)))
        seen.append((tnp.isscalar(x), tnp.result_type(x, 1.0), tnp.can_cast(x, np.float32)))
        return tnp.sum(tnp.copy(x))

    tg.grad(f)(np.ones((2, 3), np.float32))
    assert seen == [
        ((2, 3), 2, 6, 2, 2),
        (True, False, True),
        (False, np.dtype(np.float32), True),
    ]
    assert isinstance(np.zeros(1), tnp.ndarray) and not isinstance([0.0], tnp.ndarray)
    assert issubclass(np.ndarray, tnp.ndarray)


def test_dtype_names_are_numpys_and_integer_types_cast_tracers() -> None:
    assert tnp.float32 is np.float32 and tnp.complex128 is np.complex128
    assert tnp.pi == np.pi and tnp.newaxis is None and np.isnan(tnp.nan)
    assert np.dtype(tnp.int64) == np.int64 and np.ones(2, tnp.int32).dtype == np.int32
    assert isinstance(np.int64(3), tnp.int64) and tnp.int64(3) == 3
    w = np.array([[0.5, 1.7], [2.0, -0.2], [1.0, 0.9]])

    def f(w: Any) -> Any:
        rows = tnp.int64(w[:, -1])  # autograd's test_cast_to_int
        assert rows.dtype == tnp.int64
        return w[:, :-1][rows].sum()

    np.testing.assert_array_equal(tg.jit(lambda x: tnp.int32(x))(w[0]), w[0].astype(np.int32))
    # rows are [1, 0, 0]: row 0 is picked twice, row 1 once.
    np.testing.assert_allclose(tg.grad(f)(w), [[2.0, 0.0], [1.0, 0.0], [0.0, 0.0]])


def test_isinstance_of_the_array_type_inside_grad() -> None:
    # autograd's test_builtins: the traced value is still an ndarray.
    def checker(x: Any) -> Any:
        assert isinstance(x, tnp.ndarray)
        return tnp.sum(x)

    np.testing.assert_allclose(tg.grad(checker)(np.zeros(2)), [1.0, 1.0])


def test_errors_as_numpy() -> None:
    x = np.ones((2, 3))
    cases = [
        lambda a: tnp.vsplit(a[0], 1),
        lambda a: tnp.dsplit(a, 1),
        lambda a: tnp.cross(a[:, :1], a[:, :1]),
        lambda a: tnp.select([a > 0], []),
        lambda a: tnp.diff(a, -1),
        lambda a: tnp.partition(a, 3),
        lambda a: tnp.rot90(a, axes=(1, 1)),
    ]
    for call in cases:
        with pytest.raises(ValueError):
            call(x)
        with pytest.raises(ValueError):
            tg.make_jaxpr(call)(x)
    with pytest.raises(np.exceptions.AxisError):
        tg.make_jaxpr(lambda a: tnp.rollaxis(a, 0, 4))(x)
    with pytest.raises(TypeError, match="boolean"):
        tg.make_jaxpr(lambda a: tnp.select([a], [a]))(x)
    with pytest.raises(NotImplementedError, match="directive"):
        tg.make_jaxpr(lambda a: tnp.r_["r", a, a])(x)


def test_cross_of_2_vectors_is_a_scalar() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # NumPy 2 deprecates 2-vectors
        a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
        (got,) = traced(tnp.cross, a, b)
        np.testing.assert_allclose(got, np.cross(a, b))
        check_grads(tnp.cross, (a, b), order=2)
        check_grads(tnp.cross, (a, np.array([1.0, 0.5, -2.0])), order=2)


def test_nonzero_family_needs_known_values() -> None:
    x = np.array([0.0, 1.5, 0.0, -2.0])
    seen: list[Any] = []

    def f(v: Any) -> Any:
        seen.append((tnp.nonzero(v), tnp.flatnonzero(v), tnp.argwhere(v)))
        return tnp.sum(v)

    tg.grad(f)(x)
    (nz,), flat, where = seen[0]
    np.testing.assert_array_equal(nz, [1, 3])
    np.testing.assert_array_equal(flat, [1, 3])
    np.testing.assert_array_equal(where, [[1], [3]])
    with pytest.raises(tg.ConcretizationTypeError, match="nonzero"):
        tg.jit(tnp.nonzero)(x)


def test_gradient_errors() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="too small"):
        tg.make_jaxpr(lambda a: tnp.gradient(a, edge_order=2))(x)
    with pytest.raises(NotImplementedError, match="scalar spacings"):
        tg.make_jaxpr(lambda a: tnp.gradient(a, np.arange(2.0), axis=0))(x)
    with pytest.raises(ValueError):
        tg.make_jaxpr(lambda a: tnp.searchsorted(a, 1.0))(x)
