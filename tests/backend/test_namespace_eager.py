"""Eager transformations (no jit) and ``tracegrad.numpy`` calls on arrays of another
array-API library: each primitive runs with the library's namespace
(ops/array_api_eager.py), lazily on Dask, with NumPy's values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp

pytest.importorskip("array_api_compat")


def _strict(x: np.ndarray) -> Any:
    xs = pytest.importorskip("array_api_strict")
    return xs.asarray(x)


def _dask(x: np.ndarray) -> Any:
    da = pytest.importorskip("dask.array")
    return da.from_array(x, chunks=2)


def _cupy(x: np.ndarray) -> Any:
    cp = pytest.importorskip("cupy")
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as e:  # no driver, no device
        pytest.skip(f"no GPU: {e}")
    return cp.asarray(x)


LIBRARIES = {"array_api_strict": _strict, "dask": _dask, "cupy": _cupy}


@pytest.fixture(params=sorted(LIBRARIES))
def lib(request: pytest.FixtureRequest) -> Iterator[Callable[[np.ndarray], Any]]:
    make = LIBRARIES[request.param]
    if request.param == "dask":
        dask = pytest.importorskip("dask")
        with dask.config.set(scheduler="threads"):
            yield make
    else:
        yield make


def is_lib_array(value: Any, make: Callable[[np.ndarray], Any]) -> bool:
    return type(value) is type(make(np.zeros(1)))


def numpy_of(value: Any) -> np.ndarray:
    if hasattr(value, "compute"):
        value = value.compute()
    if hasattr(value, "get"):  # CuPy
        value = value.get()
    return np.asarray(value)


def assert_lib_close(got: Any, want: Any, make: Callable[[np.ndarray], Any]) -> None:
    assert is_lib_array(got, make), type(got)
    np.testing.assert_allclose(numpy_of(got), want, rtol=1e-12, atol=1e-15)


def loss(params: dict[str, Any], X: Any, y: Any) -> Any:
    # tnp functions, not ``X @ w``: array_api_strict's operators reject a traced right
    # operand (TypeError, as the standard allows) where Dask's give Python the reflected one
    z = tnp.matmul(X, params["w"]) + params["b"]
    return tnp.mean(tnp.logaddexp(0.0, z) - tnp.multiply(y, z))


rng = np.random.default_rng(0)
X_NP = rng.normal(size=(8, 3))
Y_NP = (X_NP @ np.array([1.0, -2.0, 0.5]) > 0).astype(np.float64)
PARAMS = {"w": np.array([0.1, -0.2, 0.3]), "b": np.float64(0.05)}


def test_grad_of_numpy_params_over_foreign_data(lib: Callable[[np.ndarray], Any]) -> None:
    got = tg.grad(loss)(PARAMS, lib(X_NP), lib(Y_NP))
    want = tg.grad(loss)(PARAMS, X_NP, Y_NP)
    for k in PARAMS:
        assert_lib_close(got[k], want[k], lib)


def test_grad_vmap_jvp_vjp_of_foreign_input(lib: Callable[[np.ndarray], Any]) -> None:
    def f(x: Any) -> Any:
        return tnp.sum(tnp.sin(x) * tnp.exp(-x) + x**2)

    x_np = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    x = lib(x_np)
    assert_lib_close(tg.grad(f)(x), tg.grad(f)(x_np), lib)
    rows = tg.vmap(lambda r: tnp.max(tnp.tanh(r)) * r)
    assert_lib_close(rows(x), rows(x_np), lib)
    out, tangent = tg.jvp(f, (x,), (lib(np.ones_like(x_np)),))
    want_out, want_tangent = tg.jvp(f, (x_np,), (np.ones_like(x_np),))
    assert_lib_close(out, want_out, lib)
    assert_lib_close(tangent, want_tangent, lib)
    y, pull = tg.vjp(tnp.cos, x)
    (ct,) = pull(lib(2.0 * x_np))
    assert_lib_close(y, np.cos(x_np), lib)
    assert_lib_close(ct, -2.0 * x_np * np.sin(x_np), lib)


def test_grad_of_grad_and_per_example_grads(lib: Callable[[np.ndarray], Any]) -> None:
    def f(x: Any) -> Any:
        return tnp.sum(x**3 * tnp.log1p(x * x))

    x_np = np.array([0.5, -1.5, 2.0, 0.25])
    second = tg.grad(lambda x: tnp.sum(tg.grad(f)(x)))
    assert_lib_close(second(lib(x_np)), second(x_np), lib)
    per_example = tg.vmap(tg.grad(lambda p, x, t: loss(p, x[None], t[None])), in_axes=(None, 0, 0))
    got = per_example(PARAMS, lib(X_NP), lib(Y_NP))
    want = per_example(PARAMS, X_NP, Y_NP)
    assert_lib_close(got["w"], want["w"], lib)


def test_jit_inside_an_eager_transformation(lib: Callable[[np.ndarray], Any]) -> None:
    jitted = tg.jit(loss)
    got = tg.grad(jitted)(PARAMS, lib(X_NP), lib(Y_NP))
    want = tg.grad(loss)(PARAMS, X_NP, Y_NP)
    assert_lib_close(got["w"], want["w"], lib)


def test_numpy_forward_pass_pulled_back_with_a_foreign_cotangent(
    lib: Callable[[np.ndarray], Any],
) -> None:
    x = np.array([0.5, 1.0, -2.0])
    for _ in range(3):  # the third call's forward runs the tape's compiled plans
        _, pull = tg.vjp(lambda v: tnp.sin(v) * 2.0, x)
        (ct,) = pull(lib(np.array([1.0, 2.0, 3.0])))
        assert_lib_close(ct, np.array([1.0, 2.0, 3.0]) * 2.0 * np.cos(x), lib)


def test_tracegrad_numpy_called_directly(lib: Callable[[np.ndarray], Any]) -> None:
    x_np = np.arange(6.0).reshape(2, 3) - 2.0
    x = lib(x_np)
    for fn in [
        tnp.sin,
        lambda v: tnp.sum(v, axis=0),
        lambda v: tnp.add(v, 1.5),
        lambda v: tnp.matmul(v, tnp.transpose(v)),
        lambda v: tnp.where(v > 0, v, 0.0),
        lambda v: tnp.concatenate([v, v]),
        lambda v: tnp.maximum(v, np.zeros(3)),  # a NumPy operand beside the foreign one
        lambda v: v * 2.0 - 1.0,
    ]:
        assert_lib_close(fn(x), fn(x_np), lib)


def test_dask_operators_with_a_traced_right_operand() -> None:
    da = pytest.importorskip("dask.array")
    X, y = da.from_array(X_NP, chunks=2), da.from_array(Y_NP, chunks=2)

    def with_operators(params: dict[str, Any], X: Any, y: Any) -> Any:
        z = X @ params["w"] + params["b"]
        return tnp.mean(tnp.logaddexp(0.0, z) - y * z)

    got = tg.grad(with_operators)(PARAMS, X, y)
    want = tg.grad(loss)(PARAMS, X_NP, Y_NP)
    assert_lib_close(got["w"], want["w"], _dask)


def test_dask_results_stay_lazy_until_computed() -> None:
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    from dask.callbacks import Callback

    X, y = da.from_array(X_NP, chunks=2), da.from_array(Y_NP, chunks=2)
    ran: list[Any] = []
    with dask.config.set(scheduler="threads"), Callback(pretask=lambda *a: ran.append(a[0])):
        grads = tg.grad(loss)(PARAMS, X, y)
        per_row = tg.vmap(tnp.sin)(X)
        assert not ran  # nothing computed: a graph
        assert isinstance(grads["w"], da.Array) and per_row.chunks == X.chunks
        (g,) = dask.compute(grads)
    assert ran
    assert type(g["w"]) is np.ndarray
    want = tg.grad(loss)(PARAMS, X_NP, Y_NP)
    np.testing.assert_allclose(g["w"], want["w"], rtol=1e-12)


def test_value_dependent_python_computes_as_the_library_does(
    lib: Callable[[np.ndarray], Any],
) -> None:
    def f(x: Any) -> Any:
        if tnp.sum(x) > 0:  # bool() of a 0-d array: Dask computes it, the standard allows it
            return tnp.sum(x * x)
        return tnp.sum(x)

    assert_lib_close(tg.grad(f)(lib(np.array([1.0, 2.0]))), [2.0, 4.0], lib)
    np.testing.assert_array_equal(numpy_of(tg.grad(f)(lib(np.array([-1.0, -2.0])))), [1, 1])


def test_unsupported_primitive_names_the_primitive_and_the_library(
    lib: Callable[[np.ndarray], Any],
) -> None:
    special = pytest.importorskip("tracegrad.scipy.special")
    x = lib(np.array([0.5, 1.0]))
    with pytest.raises(
        NotImplementedError, match=r"primitive 'zeta' .* array namespace '.*(strict|dask)"
    ):
        tg.grad(lambda v: tnp.sum(special.zeta(v + 1.5, 2.0)))(x)


def test_arrays_of_two_libraries_are_an_error() -> None:
    a, b = _strict(np.ones(2)), _dask(np.ones(2))
    with pytest.raises(TypeError, match="arrays of several libraries"):
        tnp.add(a, b)


def test_one_program_per_signature() -> None:
    from tracegrad.ops import array_api_eager

    x = _strict(np.ones(3))
    tnp.sin(x)
    n = len(array_api_eager._PROGRAMS)
    tnp.sin(_strict(np.zeros(3)))
    assert len(array_api_eager._PROGRAMS) == n
    tnp.sin(_strict(np.zeros(4)))  # another shape: another program
    assert len(array_api_eager._PROGRAMS) == n + 1


def test_numpy_programs_load_no_namespace_machinery() -> None:
    from test_imports import modules_after

    loaded = modules_after(
        "import numpy as np, tracegrad as tg, tracegrad.numpy as tnp\n"
        "g = tg.grad(lambda x: tnp.sum(tnp.sin(x) * x))(np.ones(3))\n"
        "v = tg.vmap(tnp.cos)(np.ones((2, 3)))\n"
        "assert type(g) is np.ndarray and type(tnp.sin(np.ones(2))) is np.ndarray"
    )
    names = ("tracegrad.backend.namespace", "tracegrad.ops.array_api", "array_api_compat")
    assert not [m for m in loaded if m.startswith(names)]
