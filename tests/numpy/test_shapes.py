"""Per-function records and error checks for the shape family of tracegrad.numpy (reshaping,
axes, broadcasting, joining, splitting, repeating, flipping, rolling, padding)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.numpy as tnp
from harness import F32, F64, OpRecord, record_tests


def rec(name: str, fn: str, shapes: list[Any], **kwargs: Any) -> OpRecord:
    """A record comparing ``tnp.<fn>`` with ``np.<fn>``, called with ``kwargs``."""
    return OpRecord(name, getattr(tnp, fn), getattr(np, fn), shapes, kwargs=kwargs)


def seq(name: str, fn: str, shapes: list[Any], **kwargs: Any) -> OpRecord:
    """A record for a function taking a sequence of arrays as its first argument."""
    return OpRecord(
        name,
        lambda *xs, **kw: getattr(tnp, fn)(list(xs), **kw),
        lambda *xs, **kw: getattr(np, fn)(list(xs), **kw),
        shapes,
        kwargs=kwargs,
    )


def both(name: str, f: Any, shapes: list[Any], **options: Any) -> OpRecord:
    """A record for one function written once against ``tnp`` and once against ``np``."""
    return OpRecord(name, lambda *xs: f(tnp, *xs), lambda *xs: f(np, *xs), shapes, **options)


def mixed_f32_f64(rng: np.random.Generator, shapes: Any, dtype: Any) -> list[np.ndarray]:
    return [rng.uniform(-2, 2, s).astype(d) for s, d in zip(shapes, [F32, F64], strict=True)]


RECORDS = [
    rec("reshape_infer", "reshape", [((2, 3),), ((6,),)], shape=(3, -1)),
    rec("reshape_flat", "reshape", [((2, 3),), ((3, 1, 2),)], shape=-1),
    rec("reshape_scalar", "reshape", [((1, 1),), ((1,),)], shape=()),
    rec("ravel", "ravel", [((2, 3),), ((),), ((4,),)]),
    rec("transpose_default", "transpose", [((2, 3, 4),), ((3,),)]),
    rec("transpose_axes", "transpose", [((2, 3, 4),)], axes=(-1, 0, 1)),
    rec("swapaxes", "swapaxes", [((2, 3, 4),), ((2, 3),)], axis1=0, axis2=-1),
    rec("moveaxis_int", "moveaxis", [((2, 3, 4),)], source=0, destination=-1),
    rec("moveaxis_seq", "moveaxis", [((2, 3, 4),)], source=[0, 1], destination=[-1, 0]),
    rec("expand_dims_int", "expand_dims", [((2, 3),), ((),)], axis=-1),
    rec("expand_dims_tuple", "expand_dims", [((2, 3),)], axis=(0, 3)),
    rec("squeeze_all", "squeeze", [((1, 3, 1),), ((1,),)]),
    rec("squeeze_axes", "squeeze", [((1, 3, 1),)], axis=(0, -1)),
    rec("broadcast_to", "broadcast_to", [((3,),), ((1, 3),), ((),)], shape=(4, 2, 3)),
    both(
        "broadcast_arrays", lambda m, x, y: m.broadcast_arrays(x, y), [((3,), (2, 1)), ((), (2,))]
    ),
    rec("atleast_1d", "atleast_1d", [((),), ((3,),)]),
    rec("atleast_2d", "atleast_2d", [((),), ((3,),), ((2, 3),)]),
    rec("atleast_3d", "atleast_3d", [((),), ((3,),), ((2, 3),), ((1, 2, 3, 1),)]),
    both("atleast_2d_many", lambda m, x, y: m.atleast_2d(x, y), [((3,), ())]),
    seq("concatenate_0", "concatenate", [((2, 3), (1, 3)), ((2,), (3,), (1,))]),
    seq("concatenate_neg", "concatenate", [((2, 3), (2, 1))], axis=-1),
    seq("concatenate_none", "concatenate", [((2, 2), (3,))], axis=None),
    OpRecord(
        "concatenate_f32_f64",
        lambda x, y: tnp.concatenate([x, y]),
        lambda x, y: np.concatenate([x, y]),
        [((2,), (3,))],
        make_args=mixed_f32_f64,
    ),
    seq("concatenate_dtype", "concatenate", [((2,), (3,))], dtype=np.float64),
    both(
        "concatenate_of_array", lambda m, x: m.concatenate(x) + m.stack(x, 1).ravel(), [((2, 3),)]
    ),
    seq("stack_0", "stack", [((2, 3), (2, 3), (2, 3)), ((), ())]),
    seq("stack_neg", "stack", [((2, 3), (2, 3))], axis=-1),
    seq("hstack", "hstack", [((2,), (3,)), ((2, 3), (2, 1)), ((), ())]),
    seq("vstack", "vstack", [((3,), (2, 3)), ((), ())]),
    seq("dstack", "dstack", [((2,), (2,)), ((2, 2), (2, 2, 1))]),
    seq("column_stack", "column_stack", [((3,), (3, 2)), ((2,), (2,))]),
    both("split_sections", lambda m, x: m.split(x, 3), [((6,),), ((3, 2),)]),
    both("split_indices_axis", lambda m, x: m.split(x, [1, -1], axis=1), [((2, 4),)]),
    both("array_split", lambda m, x: m.array_split(x, 3, axis=-1), [((7,),), ((2, 5),)]),
    both("array_split_indices", lambda m, x: m.array_split(x, [5, 2, 9]), [((7,),)]),
    rec("tile_int", "tile", [((3,),), ((2, 2),), ((),)], reps=2),
    rec("tile_tuple", "tile", [((2, 3),), ((3,),)], reps=(2, 1, 2)),
    rec("repeat_flat", "repeat", [((2, 3),), ((),)], repeats=2),
    rec("repeat_counts", "repeat", [((3, 2),)], repeats=[1, 0, 3], axis=0),
    rec("repeat_axis", "repeat", [((2, 3),)], repeats=3, axis=-1),
    rec("flip_all", "flip", [((2, 3, 4),), ((3,),)]),
    rec("flip_axes", "flip", [((2, 3, 4),)], axis=(0, -1)),
    rec("fliplr", "fliplr", [((2, 3),)]),
    rec("flipud", "flipud", [((3,),), ((3, 2),)]),
    rec("roll_flat", "roll", [((2, 3),), ((5,),)], shift=4),
    rec("roll_axis", "roll", [((2, 5),)], shift=-2, axis=1),
    rec("roll_tuple", "roll", [((2, 5),)], shift=(1, 3, 1), axis=(0, 1, 1)),
    rec("pad_int", "pad", [((3,),), ((2, 3),)], pad_width=2),
    rec("pad_pairs", "pad", [((2, 3),)], pad_width=((1, 2), (0, 1)), constant_values=1.5),
    rec(
        "pad_values",
        "pad",
        [((2, 3),)],
        pad_width=((1, 2), (2, 1)),
        constant_values=((1, 2), (3, 4)),
    ),
    rec("pad_edge", "pad", [((3,),), ((2, 3),)], pad_width=(2, 1), mode="edge"),
    rec("pad_reflect", "pad", [((3,),), ((1, 3),)], pad_width=(7, 5), mode="reflect"),
    rec("pad_symmetric", "pad", [((3,),), ((2, 3),)], pad_width=(4, 2), mode="symmetric"),
    rec("pad_wrap", "pad", [((3,),), ((2, 3),)], pad_width=((4, 2),), mode="wrap"),
    both(
        "pad_traced_value",
        lambda m, x, v: m.pad(x, 2, constant_values=v),
        [((3,), ()), ((2, 2), ())],
    ),
    both(
        "pad_traced_pairs",
        lambda m, x, v: m.pad(x, ((1, 2), (2, 0)), constant_values=v),
        [((2, 3), (2, 2)), ((2, 3), (2,))],
    ),
    # Tracer methods.
    both("method_reshape", lambda m, x: x.reshape(3, 2) + x.reshape((3, 2)), [((2, 3),)]),
    both("method_T_mT", lambda m, x: x.T + x.mT.T.T, [((2, 3),)]),
    both(
        "method_transpose",
        lambda m, x: x.transpose(1, 0, 2) + x.transpose((1, 0, 2)),
        [((2, 2, 3),)],
    ),
    both("method_flatten", lambda m, x: x.ravel() + x.flatten(), [((2, 3),)]),
    both("method_squeeze_swapaxes", lambda m, x: x.squeeze().swapaxes(0, 1), [((1, 2, 3),)]),
    both("method_repeat", lambda m, x: x.repeat(2, axis=0), [((2, 3),)]),
    both("method_astype_copy", lambda m, x: x.astype(np.float64).copy(), [((3,),)]),
    # Plain NumPy on tracers dispatches here.
    both("numpy_interop", lambda m, x: np.concatenate([np.flip(x), np.roll(x, 1)]), [((3,),)]),
]

test_value, test_derivatives = record_tests(RECORDS)


def traced(f: Any, *args: Any) -> Any:
    """``f`` run under make_jaxpr (the traced path), evaluated."""
    return tg.eval_jaxpr(tg.make_jaxpr(f)(*args), *args)


# ---- errors ---------------------------------------------------------------------------


def test_reshape_wrong_size_names_both_shapes() -> None:
    with pytest.raises(ValueError):
        tnp.reshape(np.ones((2, 3)), (4,))
    with pytest.raises(tg.ShapeError, match=r"\(2, 3\).*\(4,\)") as info:
        tg.make_jaxpr(lambda x: tnp.reshape(x, (4,)))(np.ones((2, 3)))
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)
    with pytest.raises(tg.ShapeError, match=r"\(2, 3\)"):
        tg.make_jaxpr(lambda x: x.reshape(4, -1))(np.ones((2, 3)))
    with pytest.raises(ValueError, match="one unknown dimension"):
        tg.make_jaxpr(lambda x: x.reshape(-1, -1))(np.ones((2, 3)))


def test_concatenate_mismatch() -> None:
    a, b = np.ones((2, 3)), np.ones((2, 2))
    with pytest.raises(ValueError):
        tnp.concatenate([a, b])
    with pytest.raises(tg.ShapeError, match=r"dimension 1.*\(2, 3\).*\(2, 2\)"):
        tg.make_jaxpr(lambda x, y: tnp.concatenate([x, y]))(a, b)
    with pytest.raises(tg.ShapeError, match="same number of dimensions"):
        tg.make_jaxpr(lambda x: tnp.concatenate([x, np.ones(3)]))(a)
    with pytest.raises(ValueError, match="zero-dimensional"):
        tg.make_jaxpr(lambda x: tnp.concatenate([x, x]))(1.0)
    with pytest.raises(tg.ShapeError, match="same shape"):
        tg.make_jaxpr(lambda x: tnp.stack([x, np.ones(2)]))(np.ones(3))
    with pytest.raises(TypeError, match="same_kind"):
        tg.make_jaxpr(lambda x: tnp.concatenate([x, x], dtype=np.int32))(np.ones(3))


@pytest.mark.parametrize(
    "call",
    [
        lambda x: tnp.squeeze(x, axis=1),
        lambda x: tnp.transpose(x, (0,)),
        lambda x: tnp.transpose(x, (0, 0)),
        lambda x: tnp.split(x, 4, axis=1),
        lambda x: tnp.repeat(x, [1, 2, 3], axis=0),
        lambda x: tnp.repeat(x, -1),
        lambda x: tnp.fliplr(tnp.ravel(x)),
        lambda x: tnp.pad(x, -1),
        lambda x: tnp.pad(x, 1, mode="nonsense"),
        lambda x: tnp.pad(x, 1, mode="edge", constant_values=0),
        lambda x: tnp.moveaxis(x, (0, 1), 0),
        lambda x: tnp.broadcast_to(x, (3,)),
    ],
)
def test_value_errors_as_numpy(call: Any) -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError) as eager:
        call(x)
    with pytest.raises(ValueError) as staged:
        tg.make_jaxpr(call)(x)
    assert eager.type is not None and staged.type is not None


def test_axis_errors() -> None:
    for call in (
        lambda x: tnp.flip(x, 2),
        lambda x: tnp.expand_dims(x, 3),
        lambda x: tnp.swapaxes(x, 0, 2),
        lambda x: tnp.sort(x, axis=2),
    ):
        with pytest.raises(np.exceptions.AxisError):
            tg.make_jaxpr(call)(np.ones((2, 3)))


def test_unsupported_orders_and_modes() -> None:
    x = np.ones((2, 3))
    for call in (
        lambda x: tnp.reshape(x, 6, order="F"),
        lambda x: tnp.ravel(x, order="K"),
        lambda x: x.flatten("F"),
        lambda x: tnp.pad(x, 1, mode="mean"),
        lambda x: tnp.pad(x, 1, mode="reflect", reflect_type="odd"),
    ):
        with pytest.raises(NotImplementedError, match=r"tracegrad\.numpy"):
            tg.make_jaxpr(call)(x)


def test_concrete_arguments_required_under_staging() -> None:
    with pytest.raises(tg.ConcretizationTypeError, match="repeats"):
        tg.make_jaxpr(lambda x, r: tnp.repeat(x, r))(np.ones(3), np.array([1, 2, 0]))
    # Under grad the counts are concrete, so a traced-but-known count works.
    g = tg.grad(lambda x: tnp.sum(tnp.repeat(x, tnp.array([1, 2]))))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 2.0])


# ---- values and structure --------------------------------------------------------------


def test_lists_and_scalars_as_numpy() -> None:
    x = np.float32(2.0)
    for f in (
        lambda x: tnp.concatenate([[1.0, 2.0], tnp.reshape(x, (1,))]),
        lambda x: tnp.stack([1.0, x]),
        lambda x: tnp.hstack([x, 3]),
        lambda x: tnp.reshape([x, x, x, x], (2, 2)),
        lambda x: tnp.tile([x, 1.0], 2),
    ):
        got = traced(f, x)[0]
        want = f.__call__(x)
        assert got.dtype == np.asarray(want).dtype, (got.dtype, np.asarray(want).dtype)
        np.testing.assert_array_equal(got, want)


def test_split_returns_lists_and_pad_dict_widths() -> None:
    x = np.arange(12.0).reshape(3, 4)
    got = traced(lambda x: tnp.split(x, [1, 3], axis=1), x)
    for g, w in zip(got, np.split(x, [1, 3], axis=1), strict=True):
        np.testing.assert_array_equal(g, w)
    got = traced(lambda x: tnp.pad(x, {1: (1, 2), 0: 1}), x)[0]
    np.testing.assert_array_equal(got, np.pad(x, {1: (1, 2), 0: 1}))


def test_pad_constant_stages_one_pad() -> None:
    jaxpr = tg.make_jaxpr(lambda x: tnp.pad(x, 1, constant_values=2.0))(np.ones(3))
    assert [e.primitive.name for e in jaxpr.jaxpr.eqns] == ["pad"]


def test_pad_value_gradient() -> None:
    g = tg.grad(lambda v: tnp.sum(tnp.pad(np.ones((2, 2)), ((1, 0), (0, 2)), constant_values=v)))(
        1.0
    )
    assert g == np.pad(np.zeros((2, 2)), ((1, 0), (0, 2)), constant_values=1.0).sum()


def test_vmap_of_shape_functions() -> None:
    xs = np.random.default_rng(0).standard_normal((3, 2, 4))
    for f in (
        lambda x: tnp.flip(x, 1),
        lambda x: tnp.pad(x, 1, mode="reflect"),
        lambda x: tnp.repeat(x, [1, 0], axis=0),
        lambda x: tnp.roll(x, 1),
        lambda x: tnp.tile(x, (2, 1)),
        lambda x: tnp.pad(x, 1, constant_values=x[0, 0]),
    ):
        want = np.stack([f(x) for x in xs])
        np.testing.assert_allclose(tg.vmap(f)(xs), want)
        np.testing.assert_allclose(
            tg.vmap(f, in_axes=2, out_axes=1)(np.moveaxis(xs, 0, 2)), np.moveaxis(want, 0, 1)
        )
