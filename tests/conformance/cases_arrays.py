"""Conformance cases: reductions, shape functions, creation functions and indexing
(``__getitem__`` and JAX's ``.at[]`` updates)."""

from __future__ import annotations

import numpy as np

from conformance.case import POS, Case, with_kw
from conformance.peers import at, lookup

R = (2, 3, 4)


def zeros_prod_args(rng: np.random.Generator) -> list[np.ndarray]:
    a = rng.uniform(0.5, 1.5, (3, 4))
    a[1, 2] = 0.0  # one zero: the derivative exists and is not zero at that entry
    a[2, 0] = a[2, 3] = 0.0  # two zeros in a row: every derivative of that row's product is 0
    return [a]


REDUCTIONS: list[Case] = []
for _name in ("sum", "prod", "mean", "max", "min", "amax", "amin", "ptp"):
    _dom = (0.5, 1.5) if _name == "prod" else (-2.0, 2.0)
    REDUCTIONS += [
        with_kw(_name, "all")(_dom),
        with_kw(_name, "axis=1", axis=1)(_dom),
        with_kw(_name, "axis=-1,keepdims", axis=-1, keepdims=True)(_dom),
        with_kw(_name, "axis=(0,2)", axis=(0, 2))(_dom),
    ]
for _name in ("var", "std"):
    REDUCTIONS += [
        with_kw(_name, "all")(),
        with_kw(_name, "axis=1", axis=1)(),
        with_kw(_name, "ddof=1", ddof=1)(),
        with_kw(_name, "axis=(0,2),ddof=1,keepdims", axis=(0, 2), ddof=1, keepdims=True)(),
    ]
for _name in ("argmax", "argmin"):
    REDUCTIONS += [
        with_kw(_name, "all")(order=0),
        with_kw(_name, "axis=1", axis=1)(order=0),
        with_kw(_name, "axis=-1,keepdims", axis=-1, keepdims=True)(order=0),
    ]
for _name in ("cumsum", "cumprod"):
    _dom = (0.5, 1.5) if _name == "cumprod" else (-2.0, 2.0)
    REDUCTIONS += [
        with_kw(_name, "flat")(_dom),
        with_kw(_name, "axis=1", axis=1)(_dom),
        with_kw(_name, "axis=-1", axis=-1)(_dom),
    ]
for _name in ("all", "any"):
    for _label, _kw in [
        ("all", {}),
        ("axis=1", {"axis": 1}),
        ("axis=(0,2),keepdims", {"axis": (0, 2), "keepdims": True}),
    ]:
        REDUCTIONS.append(
            Case(
                f"{_name}[{_label}]",
                lambda xp, a, n=_name, kw=_kw: lookup(xp, n)(a > 1.0, **kw),
                (R,),
                uses=(_name, "Tracer.__gt__"),
                order=0,
            )
        )
REDUCTIONS += [
    Case(
        "prod[with zeros]",
        lambda xp, a: xp.prod(a, axis=1),
        make_args=zeros_prod_args,
        uses=("prod",),
    ),
    Case(
        "cumprod[with zeros]",
        lambda xp, a: xp.cumprod(a, axis=1),
        make_args=zeros_prod_args,
        uses=("cumprod",),
    ),
    with_kw("average", "all")(),
    with_kw("average", "axis=1", axis=1)(),
    Case(
        "average[weights]",
        lambda xp, a, w: xp.average(a, axis=1, weights=w),
        ((2, 3, 4), (3,)),
        [(-2.0, 2.0), POS],
        uses=("average",),
    ),
    Case(
        "average[weights,returned]",
        lambda xp, a, w: xp.average(a, axis=-1, weights=w, returned=True),
        ((2, 3, 4), (2, 3, 4)),
        [(-2.0, 2.0), POS],
        uses=("average",),
    ),
    Case("sum[method]", lambda xp, a: a.sum(axis=0), uses=("Tracer.sum",)),
    Case("mean[method]", lambda xp, a: a.mean(axis=(0, 1)), uses=("Tracer.mean",)),
    Case("max[method]", lambda xp, a: a.max(axis=1), uses=("Tracer.max",)),
    Case("min[method]", lambda xp, a: a.min(), uses=("Tracer.min",)),
]

IDX = np.array([2, 0, 3, 3])
SORT_IDX = np.array([[2, 0, 1, 3], [1, 1, 0, 2], [3, 2, 1, 0]])
SHAPES = [
    Case("reshape[(6,4)]", lambda xp, a: xp.reshape(a, (6, 4)), (R,), uses=("reshape",)),
    Case("reshape[-1]", lambda xp, a: xp.reshape(a, -1), (R,), uses=("reshape",)),
    Case("reshape[(4,-1,2)]", lambda xp, a: xp.reshape(a, (4, -1, 2)), (R,), uses=("reshape",)),
    Case("reshape[method]", lambda xp, a: a.reshape(3, 8), (R,), uses=("Tracer.reshape",)),
    Case("ravel", lambda xp, a: xp.ravel(a), (R,)),
    Case("ravel[method]", lambda xp, a: a.ravel(), (R,), uses=("Tracer.ravel",)),
    Case("transpose", lambda xp, a: xp.transpose(a), (R,)),
    Case("transpose[axes]", lambda xp, a: xp.transpose(a, (1, 0, 2)), (R,), uses=("transpose",)),
    Case("transpose[.T]", lambda xp, a: a.T, ((2, 3),), uses=("Tracer.T",)),
    Case("swapaxes", lambda xp, a: xp.swapaxes(a, 0, 2), (R,)),
    Case("moveaxis", lambda xp, a: xp.moveaxis(a, 0, -1), (R,)),
    Case(
        "moveaxis[tuples]", lambda xp, a: xp.moveaxis(a, (0, 1), (2, 0)), (R,), uses=("moveaxis",)
    ),
    Case("expand_dims", lambda xp, a: xp.expand_dims(a, 1), ((2, 3),)),
    Case(
        "expand_dims[tuple]",
        lambda xp, a: xp.expand_dims(a, (0, 3)),
        ((2, 3),),
        uses=("expand_dims",),
    ),
    Case("squeeze", lambda xp, a: xp.squeeze(a), ((1, 3, 1),)),
    Case("squeeze[axis]", lambda xp, a: xp.squeeze(a, axis=2), ((1, 3, 1),), uses=("squeeze",)),
    Case("broadcast_to", lambda xp, a: xp.broadcast_to(a, (2, 4, 3)), ((4, 1),)),
    Case("atleast_1d", lambda xp, a: xp.atleast_1d(a), ((),)),
    Case("atleast_2d", lambda xp, a: xp.atleast_2d(a), ((3,),)),
    Case("concatenate", lambda xp, a, b: xp.concatenate([a, b]), ((2, 3), (4, 3))),
    Case(
        "concatenate[axis=1]",
        lambda xp, a, b: xp.concatenate((a, b), axis=1),
        ((2, 3), (2, 1)),
        uses=("concatenate",),
    ),
    Case(
        "concatenate[axis=None]",
        lambda xp, a, b: xp.concatenate([a, b], axis=None),
        ((2, 3), (4,)),
        uses=("concatenate",),
    ),
    Case("stack", lambda xp, a, b: xp.stack([a, b]), ((2, 3), (2, 3))),
    Case(
        "stack[axis=-1]",
        lambda xp, a, b: xp.stack((a, b, a), axis=-1),
        ((2, 3), (2, 3)),
        uses=("stack",),
    ),
    Case("hstack", lambda xp, a, b: xp.hstack([a, b]), ((2, 3), (2, 2))),
    Case("hstack[1d]", lambda xp, a, b: xp.hstack([a, b]), ((3,), (2,)), uses=("hstack",)),
    Case("vstack", lambda xp, a, b: xp.vstack([a, b]), ((2, 3), (3,))),
    Case("split", lambda xp, a: xp.split(a, 3), ((6, 2),)),
    Case(
        "split[indices,axis=1]",
        lambda xp, a: xp.split(a, [1, 3], axis=1),
        ((2, 5),),
        uses=("split",),
    ),
    Case("array_split", lambda xp, a: xp.array_split(a, 3), ((7, 2),)),
    Case("tile", lambda xp, a: xp.tile(a, 2), ((2, 3),)),
    Case("tile[tuple]", lambda xp, a: xp.tile(a, (2, 1, 2)), ((2, 3),), uses=("tile",)),
    Case("repeat", lambda xp, a: xp.repeat(a, 2), ((2, 3),)),
    Case("repeat[axis]", lambda xp, a: xp.repeat(a, 3, axis=1), ((2, 3),), uses=("repeat",)),
    Case(
        "repeat[counts]",
        lambda xp, a: xp.repeat(a, np.array([1, 0, 2]), axis=1),
        ((2, 3),),
        uses=("repeat",),
    ),
    Case("flip", lambda xp, a: xp.flip(a), ((2, 3),)),
    Case("flip[axis]", lambda xp, a: xp.flip(a, axis=1), (R,), uses=("flip",)),
    Case("roll", lambda xp, a: xp.roll(a, 2), ((2, 3),)),
    Case("roll[axis]", lambda xp, a: xp.roll(a, -1, axis=1), ((2, 3),), uses=("roll",)),
    Case("roll[tuples]", lambda xp, a: xp.roll(a, (1, 2), axis=(0, 2)), (R,), uses=("roll",)),
    Case("pad", lambda xp, a: xp.pad(a, 1), ((2, 3),)),
    Case(
        "pad[widths,value]",
        lambda xp, a: xp.pad(a, ((1, 0), (0, 2)), constant_values=0.5),
        ((2, 3),),
        uses=("pad",),
    ),
    Case(
        "pad[edge]",
        lambda xp, a: xp.pad(a, ((1, 2), (2, 1)), mode="edge"),
        ((2, 3),),
        uses=("pad",),
    ),
    Case("pad[reflect]", lambda xp, a: xp.pad(a, 2, mode="reflect"), ((3, 4),), uses=("pad",)),
    Case("pad[wrap]", lambda xp, a: xp.pad(a, (1, 3), mode="wrap"), ((2, 3),), uses=("pad",)),
    Case("sort", lambda xp, a: xp.sort(a), ((3, 4),)),
    Case("sort[axis=0]", lambda xp, a: xp.sort(a, axis=0), ((3, 4),), uses=("sort",)),
    Case("sort[axis=None]", lambda xp, a: xp.sort(a, axis=None), ((3, 4),), uses=("sort",)),
    Case("take", lambda xp, a: xp.take(a, IDX), ((3, 4),)),
    Case("take[axis=1]", lambda xp, a: xp.take(a, IDX, axis=1), ((3, 4),), uses=("take",)),
    Case(
        "take[negative]",
        lambda xp, a: xp.take(a, np.array([-1, 0, -4]), axis=1),
        ((3, 4),),
        uses=("take",),
    ),
    Case("take_along_axis", lambda xp, a: xp.take_along_axis(a, SORT_IDX, axis=1), ((3, 4),)),
    Case(
        "take_along_axis[argsort]",
        lambda xp, a: xp.take_along_axis(a, xp.argsort(a, axis=0), axis=0),
        ((3, 4),),
        uses=("take_along_axis", "argsort"),
    ),
]

CREATION = [
    Case(
        "array[x, x**2]", lambda xp, x: xp.array([x, x**2]), ((),), uses=("array", "Tracer.__pow__")
    ),
    Case("array[vectors]", lambda xp, a, b: xp.array([a, b, a * b]), ((3,), (3,)), uses=("array",)),
    Case("array[copy]", lambda xp, a: xp.array(a), ((2, 3),), uses=("array",)),
    Case("asarray", lambda xp, a: xp.asarray(a), ((2, 3),)),
    # In float32 NumPy (so tracegrad) makes these float64 where JAX keeps float32: see
    # test_jax_values.test_dtypes_follow_numpy.
    Case("asarray[list]", lambda xp, a: xp.asarray([a, 2.0]), ((),), uses=("asarray",), f32=False),
    Case("zeros", lambda xp, a: xp.zeros((2, 3)) + a, ((3,),)),
    Case("zeros[int32]", lambda xp: xp.zeros((2, 3), dtype=np.int32), (), uses=("zeros",)),
    Case("ones", lambda xp, a: xp.ones((2, 3)) * a, ((3,),)),
    Case("full", lambda xp, s: xp.full((2, 3), s), ((),)),
    Case("full[array fill]", lambda xp, s: xp.full((2, 3), s), ((3,),), uses=("full",)),
    Case(
        "full[constant]", lambda xp, a: xp.full((2, 3), 1.5) * a, ((3,),), uses=("full",), f32=False
    ),
    Case(
        "empty",
        lambda xp: xp.zeros_like(xp.empty((2, 3), dtype=np.float32)),
        (),
        uses=("empty", "zeros_like"),
    ),
    Case("zeros_like", lambda xp, a: xp.zeros_like(a) + a, ((2, 3),)),
    Case("ones_like", lambda xp, a: xp.ones_like(a) * a, ((2, 3),)),
    Case("full_like", lambda xp, a: xp.full_like(a, 2.0) * a, ((2, 3),)),
    Case(
        "full_like[traced fill]",
        lambda xp, a, s: xp.full_like(a, s),
        ((2, 3), ()),
        uses=("full_like",),
    ),
    Case("arange", lambda xp: xp.arange(5), ()),
    Case("arange[float step]", lambda xp: xp.arange(1, 2, 0.25), (), uses=("arange",)),
    Case("arange[float]", lambda xp, a: xp.arange(4.0) * a, ((4,),), uses=("arange",)),
    Case("linspace", lambda xp, a: xp.linspace(0.0, 1.0, 5) * a, ((5,),)),
    Case(
        "linspace[traced ends]", lambda xp, a, b: xp.linspace(a, b, 5), ((), ()), uses=("linspace",)
    ),
    Case(
        "linspace[endpoint=False]",
        lambda xp, a, b: xp.linspace(a, b, 4, endpoint=False),
        ((), ()),
        uses=("linspace",),
    ),
    Case("eye", lambda xp, a: xp.eye(3) * a, ((3,),)),
    Case("eye[rect,k=1]", lambda xp, a: xp.eye(3, 4, k=1) * a, ((4,),), uses=("eye",)),
    Case("identity", lambda xp, a: xp.identity(3) * a, ((3,),)),
    Case("meshgrid", lambda xp, a, b: xp.meshgrid(a, b), ((3,), (2,))),
    Case(
        "meshgrid[ij]",
        lambda xp, a, b: xp.meshgrid(a, b, indexing="ij"),
        ((3,), (2,)),
        uses=("meshgrid",),
    ),
]

G = ((4, 5),)
G3 = ((3, 4, 5),)
BOOL_MASK = np.array([True, False, True, True])
INDEXING = [
    Case(f"getitem[{label}]", f, shapes, uses=("Tracer.__getitem__",))
    for label, f, shapes in [
        ("1", lambda xp, a: a[1], G),
        ("-1", lambda xp, a: a[-1], G),
        ("1:3", lambda xp, a: a[1:3], G),
        ("::2", lambda xp, a: a[::2], G),
        ("::-1", lambda xp, a: a[::-1], G),
        ("1,2", lambda xp, a: a[1, 2], G),
        ("...,0", lambda xp, a: a[..., 0], G3),
        ("None", lambda xp, a: a[None], G),
        (":,None,1:", lambda xp, a: a[:, None, 1:], G),
        ("1:3,::-2", lambda xp, a: a[1:3, ::-2], G),
        ("-3:10", lambda xp, a: a[-3:10], G),
        ("np.int64", lambda xp, a: a[np.int64(2)], G),
        ("[0,2]", lambda xp, a: a[np.array([0, 2])], G),
        ("[0,0,1]", lambda xp, a: a[np.array([0, 0, 1])], G),
        ("2d index", lambda xp, a: a[np.array([[0, 1], [3, 0]])], G),
        ("[0,1],[1,2]", lambda xp, a: a[[0, 1], [1, 2]], G),
        (":,[2,0]", lambda xp, a: a[:, [2, 0]], G),
        ("1,[0,2]", lambda xp, a: a[1, [0, 2]], G),
        ("[0,1],:,[1,2]", lambda xp, a: a[[0, 1], :, [1, 2]], G3),
        (":,[0,1],[1,2]", lambda xp, a: a[:, [0, 1], [1, 2]], G3),
        ("bool mask", lambda xp, a: a[BOOL_MASK], G),
        ("negative fancy", lambda xp, a: a[np.array([-1, -4])], G),
    ]
]
_ROWS = np.array([0, 2])
INDEXING += [
    Case("at[1].set", lambda xp, a, v: at(xp, a)[1].set(v), (G[0], ()), uses=("at",)),
    Case("at[rows].set", lambda xp, a, v: at(xp, a)[_ROWS].set(v), (G[0], (2, 5)), uses=("at",)),
    Case("at[:,1].set[constant]", lambda xp, a: at(xp, a)[:, 1].set(0.0), G, uses=("at",)),
    Case("at[rows].add", lambda xp, a, v: at(xp, a)[_ROWS].add(v), (G[0], (5,)), uses=("at",)),
    Case(
        "at[dup].add",
        lambda xp, a, v: at(xp, a)[np.array([0, 0, 3])].add(v),
        (G[0], (3, 5)),
        uses=("at",),
    ),
    Case(
        "at[1:3,::2].add", lambda xp, a, v: at(xp, a)[1:3, ::2].add(v), (G[0], (2, 3)), uses=("at",)
    ),
    Case("at[:,1].multiply", lambda xp, a: at(xp, a)[:, 1].multiply(-1.5), G, uses=("at",)),
    Case("at[rows].min", lambda xp, a, v: at(xp, a)[_ROWS].min(v), (G[0], (2, 5)), uses=("at",)),
    Case("at[rows].max", lambda xp, a, v: at(xp, a)[_ROWS, 1:4].max(v), (G[0], (3,)), uses=("at",)),
]

# Degenerate shapes and less common arguments.
EDGE_SHAPES = [
    Case("sum[empty]", lambda xp, a: xp.sum(a, axis=0), ((0, 3),), uses=("sum",)),
    Case("sum[axis=()]", lambda xp, a: xp.sum(a, axis=()), ((2, 3),), uses=("sum",)),
    Case("sum[0-d]", lambda xp, a: xp.sum(a), ((),), uses=("sum",)),
    Case("max[0-d]", lambda xp, a: xp.max(a), ((),), uses=("max",)),
    Case("mean[negative axes]", lambda xp, a: xp.mean(a, axis=(-1, -3)), (R,), uses=("mean",)),
    Case(
        "concatenate[with empty]",
        lambda xp, a, b: xp.concatenate([a, b]),
        ((0, 3), (2, 3)),
        uses=("concatenate",),
    ),
    Case("reshape[empty]", lambda xp, a: xp.reshape(a, (3, 0)), ((0, 3),), uses=("reshape",)),
    Case("argsort", lambda xp, a: xp.argsort(a, axis=-1), ((3, 4),), order=0),
    Case(
        "take[mode=wrap]",
        lambda xp, a: xp.take(a, np.array([5, -6, 1]), mode="wrap"),
        ((4,),),
        uses=("take",),
    ),
    Case(
        "take[mode=clip]",
        lambda xp, a: xp.take(a, np.array([5, -6, 1]), mode="clip"),
        ((4,),),
        uses=("take",),
    ),
    Case("linspace[num=1]", lambda xp, a, b: xp.linspace(a, b, 1), ((), ()), uses=("linspace",)),
    Case("arange[negative step]", lambda xp: xp.arange(5, 0, -2), (), uses=("arange",)),
    Case("eye[int]", lambda xp: xp.eye(3, dtype=np.int32), (), uses=("eye",)),
    Case(
        "getitem[bool mask 2d]",
        lambda xp, a: a[np.array([[True, False], [False, True]])],
        ((2, 2),),
        uses=("Tracer.__getitem__",),
    ),
    Case(
        "getitem[...,None,::-1]",
        lambda xp, a: a[..., None, ::-1],
        (R,),
        uses=("Tracer.__getitem__",),
    ),
    Case(
        "at[mask].set",
        lambda xp, a, v: at(xp, a)[np.array([True, False, True])].set(v),
        ((3,), ()),
        uses=("at",),
    ),
    Case("at[-1].add", lambda xp, a, v: at(xp, a)[-1].add(v), ((3, 2), (2,)), uses=("at",)),
    Case("at[...,0].set", lambda xp, a: at(xp, a)[..., 0].set(2.0), ((3, 2),), uses=("at",)),
]
