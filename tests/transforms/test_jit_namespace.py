"""jit on other libraries' arrays: a Dask graph from ``tg.jit(tg.grad(loss))`` computed on
the threaded scheduler and on a 2-process LocalCluster, vmap over a chunked leading axis,
CuPy where there is a GPU, and nothing optional imported for NumPy programs."""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from test_imports import modules_after

BENCH = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "bench_dask.py"


def load_bench() -> Any:
    """benchmarks/bench_dask.py, whose loss and dataset these tests run at a small size."""
    spec = importlib.util.spec_from_file_location("bench_dask", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_close(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert sorted(got) == sorted(want)
    for k in want:
        assert isinstance(got[k], np.ndarray | np.generic), type(got[k])
        assert np.shape(got[k]) == np.shape(want[k])
        np.testing.assert_allclose(got[k], want[k], rtol=1e-12, atol=1e-15)


def test_nothing_optional_is_imported_for_numpy_programs() -> None:
    statement = (
        "import numpy as np, tracegrad as tg, tracegrad.numpy as tnp\n"
        "f = tg.jit(tg.grad(lambda w, x: tnp.sum(tnp.tanh(x @ w))))\n"
        "for _ in range(3): f(np.ones(3), np.ones((4, 3)))\n"
        "tg.jit(lambda x, n: x * n)(np.ones(2), 2.0)"
    )
    loaded = modules_after(statement)
    optional = ("dask", "distributed", "cupy", "array_api_compat", "array_api_strict")
    assert sorted(m for m in loaded if m.split(".")[0] in optional) == []
    assert "tracegrad.ops.array_api" not in loaded


def test_array_of_an_unsupported_primitive_names_it_and_the_library() -> None:
    da = pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    x = da.ones((4,), chunks=2)
    with pytest.raises(NotImplementedError, match=r"'bessel_i0e'.*dask"):
        tg.jit(tg.scipy.special.i0e)(x)


def test_arrays_of_two_libraries_are_refused() -> None:
    da = pytest.importorskip("dask.array")
    xp = pytest.importorskip("array_api_strict")
    with pytest.raises(TypeError, match="several libraries"):
        tg.jit(lambda a, b: a + b)(da.ones(2), xp.ones(2))


# ---- Dask -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small() -> tuple[Any, dict[str, Any], Any, Any, dict[str, Any]]:
    """The benchmark's dataset at 4,000 rows in 8 chunks, and NumPy's gradient of it."""
    dask = pytest.importorskip("dask")
    pytest.importorskip("array_api_compat")
    bench = load_bench()
    X, y = bench.dataset(4000, 5, 500, seed=1)
    params = bench.initial_params(5)
    Xn, yn = dask.compute(X, y, scheduler="sync")
    return bench, params, X, y, tg.grad(bench.loss)(params, Xn, yn)


def test_jit_grad_builds_a_lazy_graph_and_computes_on_threads(small: Any) -> None:
    import dask
    import dask.array as da
    from dask.callbacks import Callback

    bench, params, X, y, want = small
    ran: list[str] = []
    with Callback(pretask=lambda key, dsk, state: ran.append(key)):
        g = tg.jit(tg.grad(bench.loss))(params, X, y)
    assert ran == []  # building the graph computed nothing
    assert all(isinstance(v, da.Array) for v in g.values())
    # chunk-wise: the graph has tasks per chunk of X, not one task on the whole of it
    assert len(g["w"].__dask_graph__()) > 2 * X.numblocks[0]
    (got,) = dask.compute(g, scheduler="threads")
    assert_close(got, want)


def test_jit_grad_computes_on_a_two_process_local_cluster(small: Any) -> None:
    import dask

    distributed = pytest.importorskip("distributed")
    bench, params, X, y, want = small
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            memory_limit="512MiB",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        (got,) = dask.compute(bench.gradient(params, X, y))
        assert len(client.scheduler_info()["workers"]) == 2
    assert_close(got, want)


def test_vmap_over_a_chunked_leading_axis_maps_over_blocks(small: Any) -> None:
    import dask

    bench, params, X, y, _ = small
    per_example = tg.jit(
        tg.vmap(tg.grad(lambda p, x, t: bench.loss(p, x[None], t[None])), in_axes=(None, 0, 0))
    )
    g = per_example(params, X, y)
    assert g["w"].chunks[0] == X.chunks[0]  # one block of results per block of rows
    (got,) = dask.compute(g, scheduler="threads")
    Xn, yn = dask.compute(X, y, scheduler="sync")
    want = tg.vmap(tg.grad(lambda p, x, t: bench.loss(p, x[None], t[None])), (None, 0, 0))(
        params, Xn, yn
    )
    assert_close(got, want)


def test_jit_of_dask_arrays_inside_an_eager_transformation_runs_on_dask(small: Any) -> None:
    """The jitted program is bound as a call primitive with the Dask arrays as operands;
    the eager transformation's primitives run on Dask (ops/array_api_eager.py)."""
    import dask
    import dask.array as da

    bench, params, X, y, want = small
    jitted = tg.jit(bench.loss)
    g = tg.grad(lambda w: jitted({"w": w, "b": params["b"]}, X, y))(params["w"])
    assert isinstance(g, da.Array)
    (got,) = dask.compute(g, scheduler="threads")
    np.testing.assert_allclose(got, want["w"], rtol=1e-12)


# ---- CuPy ------------------------------------------------------------------------------


def test_jit_grad_on_cupy() -> None:
    cp = pytest.importorskip("cupy")
    pytest.importorskip("array_api_compat")
    try:
        if cp.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no GPU")
    except Exception as e:  # no driver, no device
        pytest.skip(f"no GPU: {e}")
    rng = np.random.default_rng(0)
    X, w = rng.normal(size=(64, 3)), rng.normal(size=3)
    f = lambda w, X: tnp.sum(tnp.tanh(X @ w) ** 2)
    got = tg.jit(tg.grad(f))(cp.asarray(w), cp.asarray(X))
    assert isinstance(got, cp.ndarray)
    np.testing.assert_allclose(cp.asnumpy(got), tg.grad(f)(w, X), rtol=1e-12)


def test_a_broadcast_constant_enters_a_dask_graph_as_one_row() -> None:
    """The folded seed of reverse mode is a broadcast constant as long as the data: the graph
    carries its one distinct row, not a copy of the whole (workers receive the graph)."""
    import pickle

    da = pytest.importorskip("dask.array")
    from tracegrad.backend.namespace import foreign_namespace, to_namespace

    xp = foreign_namespace([da.ones(2)])
    big = np.broadcast_to(np.arange(3.0), (100_000, 3))
    x = to_namespace(xp, big)
    assert len(pickle.dumps(dict(x.__dask_graph__()))) < 10_000
    np.testing.assert_array_equal(x.compute(scheduler="sync"), big)


def test_jax_and_torch_arrays_still_run_on_numpy() -> None:
    """Arrays of the peers are converted to NumPy as before (JAX's namespace would compute
    float64 arguments in float32)."""
    jnp = pytest.importorskip("jax.numpy")
    got = tg.jit(lambda x: x * 2.0)(jnp.ones(2))
    assert type(got) is np.ndarray


def test_a_constant_as_long_as_the_data_is_chunked_as_the_data() -> None:
    """A broadcast constant longer than what constant folding materialises (1 MiB) enters as
    one chunk; it is aligned with the argument's chunks before anything computes with it,
    so no operation runs on one chunk as long as the data (backend/namespace.py, aligned)."""
    da = pytest.importorskip("dask.array")
    pytest.importorskip("array_api_compat")
    x = da.ones(400_000, chunks=100_000)
    y = tg.jit(lambda x: x * tnp.exp(tnp.full(x.shape, 2.0)))(x)
    for name, layer in y.__dask_graph__().layers.items():
        info = layer.collection_annotations or {}
        if info.get("shape") == x.shape and not name.startswith(("array-", "broadcast_to")):
            assert info["chunks"] == x.chunks, name
    np.testing.assert_allclose(y.compute(scheduler="sync"), np.exp(2.0))
