"""jit's caches hold no user array beyond the life of the jitted function (docs/decisions.md,
"Caches"): what is derived from a traced program lives on the program itself."""

from __future__ import annotations

import gc
import weakref

import numpy as np

import tracegrad as tg
import tracegrad.numpy as tnp

N = 500_000  # 4 MB of float64


def closures_over_big_arrays(transform, count: int = 50) -> list[weakref.ref]:
    refs = []
    for i in range(count):
        w = np.full(N, float(i))
        refs.append(weakref.ref(w))
        f = transform(lambda x, w=w: tnp.sum(tnp.sin(x) * w))
        f(np.ones(N))
        del f, w
    return refs


def alive(refs: list[weakref.ref]) -> int:
    gc.collect()
    return sum(r() is not None for r in refs)


def test_deleted_jitted_closures_free_their_arrays() -> None:
    assert alive(closures_over_big_arrays(tg.jit)) == 0


def test_the_same_through_grad_vmap_and_control_flow() -> None:
    def grad_of_jit(f):
        return tg.grad(tg.jit(f))

    def jit_of_grad(f):
        return tg.jit(tg.grad(f))

    def jit_of_cond(f):
        return tg.jit(lambda x: tg.lax.cond(True, f, lambda y: tnp.sum(y), x))

    def vmap_of_jit(f):
        jf = tg.jit(f)
        return lambda x: tg.vmap(jf)(x.reshape(1, -1))

    for transform in (grad_of_jit, jit_of_grad, jit_of_cond, vmap_of_jit):
        assert alive(closures_over_big_arrays(transform, count=6)) == 0, transform.__name__


def test_a_live_function_keeps_its_program() -> None:
    traces = []
    w = np.ones(3)

    def f(x):
        traces.append(1)
        return x * w

    jf = tg.jit(f)
    jf(np.ones(3))
    gc.collect()
    jf(np.ones(3))
    assert len(traces) == 1


def test_a_jitted_function_keeps_a_bounded_number_of_bytes(monkeypatch) -> None:
    """Each signature's program closes over its own 4 MB array: the oldest go once their
    constants pass the bound, and come back (traced again) when called again."""
    from tracegrad.transforms import jit as jit_module

    monkeypatch.setattr(jit_module, "MAX_CONST_BYTES", 3 * 8 * N)
    refs = []

    def f(x):
        w = np.full(N, float(x.shape[0]))  # a new constant per signature
        refs.append(weakref.ref(w))
        return tnp.sum(x) * w

    jf = tg.jit(f)
    for n in range(1, 7):
        jf(np.ones(n))
    assert jf._cache_size() == 3
    assert alive(refs) == 3
    np.testing.assert_array_equal(jf(np.ones(1)), np.full(N, 1.0))
    assert len(refs) == 7
