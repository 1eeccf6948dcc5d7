"""JAX's small utilities: eval_shape and ShapeDtypeStruct, ClosedJaxpr's attributes,
config, devices and placement, jacobian."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp


def program(xp: Any) -> Any:
    return lambda a, b: {"y": a @ b, "s": xp.sum(a) * 2.0, "t": (a[0], b.T)}


def as_tuples(tree: Any) -> Any:
    return {k: repr(v) for k, v in tree.items()}


def test_eval_shape_matches_jax_and_computes_nothing() -> None:
    calls: list[Any] = []

    def f(a: Any, b: Any) -> Any:
        calls.append(type(a))
        return program(tnp)(a, b)

    x = tg.ShapeDtypeStruct((10**6, 3), np.float32)  # would be 12 MB if computed
    out = tg.eval_shape(f, x, np.ones((3, 2)))
    assert isinstance(out["y"], tg.ShapeDtypeStruct)
    assert out["y"].shape == (10**6, 2) and out["y"].dtype == np.float64
    assert out["s"] == tg.ShapeDtypeStruct((), np.float32)
    assert calls and calls[0] is not np.ndarray  # traced, not called on arrays
    scalar = tg.eval_shape(lambda v: v * 2.0, 1.0)
    assert (scalar.shape, scalar.dtype) == ((), np.float64)
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    theirs = jax.eval_shape(
        program(jnp), jax.ShapeDtypeStruct((7, 3), jnp.float32), np.ones((3, 2))
    )
    ours = tg.eval_shape(program(tnp), tg.ShapeDtypeStruct((7, 3), np.float32), np.ones((3, 2)))
    flat_t = jax.tree_util.tree_leaves(theirs)
    flat_o = tg.tree_util.tree_leaves(ours)
    assert [(o.shape, o.dtype) for o in flat_o] == [(t.shape, t.dtype) for t in flat_t]


def test_make_jaxpr_takes_shape_dtype_structs_and_closed_jaxpr_attributes() -> None:
    closed = tg.make_jaxpr(lambda x: tnp.sin(x) * 2.0)(tg.ShapeDtypeStruct((3,), np.float32))
    assert str(closed.in_avals) == "[f32[3]]" and str(closed.out_avals) == "[f32[3]]"
    assert closed.invars == closed.jaxpr.invars and closed.outvars == closed.jaxpr.outvars
    assert closed.literals == list(closed.consts) and closed.effects == frozenset()
    assert [e.primitive.name for e in closed.eqns] == ["sin", "mul"]


def test_shape_dtype_struct_value_semantics() -> None:
    s = tg.ShapeDtypeStruct([2, 3], "float32")
    assert (s.shape, s.dtype, s.ndim, s.size) == ((2, 3), np.float32, 2, 6)
    assert (
        s == tg.ShapeDtypeStruct((2, 3), np.float32)
        and len({s, tg.ShapeDtypeStruct((2, 3), np.float32)}) == 1
    )
    assert repr(s) == "ShapeDtypeStruct(shape=(2, 3), dtype=float32)"


def test_config_flags() -> None:
    tg.config.update("jax_enable_x64", True)
    assert tg.config.jax_enable_x64 is True and tg.config.read("jax_enable_x64") is True
    assert tg.config.jax_disable_jit is False
    with pytest.raises(AttributeError, match="Unrecognized config option: jax_foo"):
        tg.config.update("jax_foo", True)
    with pytest.raises(ValueError, match="64 bits"):
        tg.config.update("jax_enable_x64", False)
    assert tg.config.jax_enable_x64 is True  # the failed update changed nothing
    tg.config.update("jax_platforms", "cpu")
    with pytest.raises(ValueError, match="CPU only"):
        tg.config.update("jax_platforms", "gpu")


def test_devices_and_placement_are_identities() -> None:
    x = np.arange(3.0)
    assert tg.devices() == tg.local_devices() and repr(tg.devices()) == "[CpuDevice(id=0)]"
    assert tg.device_count() == 1 and tg.default_backend() == "cpu"
    assert tg.device_put(x) is x and tg.device_get(x) is x and tg.block_until_ready(x) is x
    with pytest.raises(RuntimeError, match="CPU only"):
        tg.devices("gpu")


def test_jacobian_is_jacrev() -> None:
    f = lambda x: tnp.sin(x) * x[::-1]
    x = np.array([0.5, 1.0, 2.0])
    np.testing.assert_allclose(tg.jacobian(f)(x), tg.jacfwd(f)(x), rtol=1e-14)
