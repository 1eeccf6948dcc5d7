"""Conformance cases: products (dot, matmul, einsum, ...), linalg, fft, and compositions
(an MLP loss, softmax cross-entropy, attention, ...)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from conformance.case import POS, Case, Shape, call
from conformance.peers import rng_for


def well_conditioned(*shapes: Shape) -> Callable[[np.random.Generator], list[np.ndarray]]:
    """Square matrices near a multiple of the identity (then any other arguments)."""

    def make(rng: np.random.Generator) -> list[np.ndarray]:
        out = []
        for shape in shapes:
            a = rng.uniform(-1.0, 1.0, shape)
            if len(shape) >= 2 and shape[-1] == shape[-2]:
                a = a + 2.5 * np.eye(shape[-1])
            out.append(a)
        return out

    return make


def spd(xp: Any, a: Any) -> Any:
    """A symmetric positive definite matrix built from ``a`` (differentiably)."""
    return xp.matmul(a, xp.swapaxes(a, -1, -2)) + 3.0 * xp.eye(a.shape[-1])


def sym(xp: Any, a: Any) -> Any:
    return a + xp.swapaxes(a, -1, -2)


LINALG_PRODUCTS = [
    Case("dot[1d,1d]", lambda xp, a, b: xp.dot(a, b), ((3,), (3,)), uses=("dot",)),
    Case("dot[2d,1d]", lambda xp, a, b: xp.dot(a, b), ((2, 3), (3,)), uses=("dot",)),
    Case("dot[2d,2d]", lambda xp, a, b: xp.dot(a, b), ((2, 3), (3, 4)), uses=("dot",)),
    Case("dot[1d,2d]", lambda xp, a, b: xp.dot(a, b), ((3,), (3, 4)), uses=("dot",)),
    Case("dot[0d,2d]", lambda xp, a, b: xp.dot(a, b), ((), (2, 3)), uses=("dot",)),
    Case("dot[3d,3d]", lambda xp, a, b: xp.dot(a, b), ((2, 3, 4), (2, 4, 3)), uses=("dot",)),
    Case("dot[method]", lambda xp, a, b: a.dot(b), ((2, 3), (3,)), uses=("dot", "Tracer.dot")),
    Case("vdot", lambda xp, a, b: xp.vdot(a, b), ((2, 3), (2, 3))),
    Case(
        "vdot[complex]",
        lambda xp, a, b: xp.vdot(a, b),
        ((3,), (3,)),
        kind="c",
        order=2,
        uses=("vdot", "real", "imag"),
    ),
    Case("inner[1d]", lambda xp, a, b: xp.inner(a, b), ((3,), (3,)), uses=("inner",)),
    Case("inner[2d]", lambda xp, a, b: xp.inner(a, b), ((2, 3), (4, 3)), uses=("inner",)),
    Case("outer", lambda xp, a, b: xp.outer(a, b), ((3,), (4,))),
    Case("outer[flattens]", lambda xp, a, b: xp.outer(a, b), ((2, 2), (3,)), uses=("outer",)),
    Case("matmul[2d,2d]", lambda xp, a, b: xp.matmul(a, b), ((2, 3), (3, 4)), uses=("matmul",)),
    Case("matmul[1d,2d]", lambda xp, a, b: xp.matmul(a, b), ((3,), (3, 4)), uses=("matmul",)),
    Case("matmul[2d,1d]", lambda xp, a, b: xp.matmul(a, b), ((2, 3), (3,)), uses=("matmul",)),
    Case("matmul[1d,1d]", lambda xp, a, b: xp.matmul(a, b), ((3,), (3,)), uses=("matmul",)),
    Case(
        "matmul[batched]",
        lambda xp, a, b: xp.matmul(a, b),
        ((2, 2, 3), (2, 3, 4)),
        uses=("matmul",),
    ),
    Case(
        "matmul[broadcast]",
        lambda xp, a, b: xp.matmul(a, b),
        ((2, 1, 2, 3), (3, 3, 4)),
        uses=("matmul",),
    ),
    Case(
        "matmul[@]", lambda xp, a, b: a @ b, ((2, 3), (3, 4)), uses=("matmul", "Tracer.__matmul__")
    ),
    Case(
        "tensordot[2]",
        lambda xp, a, b: xp.tensordot(a, b),
        ((2, 3, 4), (3, 4, 2)),
        uses=("tensordot",),
    ),
    Case(
        "tensordot[1]",
        lambda xp, a, b: xp.tensordot(a, b, axes=1),
        ((2, 3), (3, 4)),
        uses=("tensordot",),
    ),
    Case(
        "tensordot[pairs]",
        lambda xp, a, b: xp.tensordot(a, b, axes=([1, 0], [0, 1])),
        ((2, 3, 4), (3, 2)),
        uses=("tensordot",),
    ),
    Case(
        "tensordot[0]",
        lambda xp, a, b: xp.tensordot(a, b, axes=0),
        ((2,), (3,)),
        uses=("tensordot",),
    ),
    Case("kron", lambda xp, a, b: xp.kron(a, b), ((2, 2), (2, 3))),
    Case("trace", lambda xp, a: xp.trace(a), ((3, 3),)),
    Case("trace[offset=1]", lambda xp, a: xp.trace(a, offset=1), ((3, 4),), uses=("trace",)),
    Case(
        "trace[3d axes]", lambda xp, a: xp.trace(a, axis1=0, axis2=2), ((3, 2, 3),), uses=("trace",)
    ),
    Case("diag[vector]", lambda xp, a: xp.diag(a), ((3,),), uses=("diag",)),
    Case("diag[vector,k=1]", lambda xp, a: xp.diag(a, k=1), ((3,),), uses=("diag",)),
    Case("diag[matrix,k=-1]", lambda xp, a: xp.diag(a, k=-1), ((3, 4),), uses=("diag",)),
    Case("diagonal", lambda xp, a: xp.diagonal(a), ((3, 4),)),
    Case(
        "diagonal[offset=1]", lambda xp, a: xp.diagonal(a, offset=1), ((3, 4),), uses=("diagonal",)
    ),
    Case("diagonal[3d]", lambda xp, a: xp.diagonal(a, 0, 0, 2), ((3, 2, 4),), uses=("diagonal",)),
    Case("tril", lambda xp, a: xp.tril(a), ((3, 4),)),
    Case("tril[k=-1,batched]", lambda xp, a: xp.tril(a, k=-1), ((2, 3, 3),), uses=("tril",)),
    Case("triu", lambda xp, a: xp.triu(a), ((3, 4),)),
    Case("triu[k=1]", lambda xp, a: xp.triu(a, k=1), ((4, 3),), uses=("triu",)),
] + [
    Case(
        f"einsum[{spec}]",
        lambda xp, *ops, spec=spec: xp.einsum(spec, *ops),
        shapes,
        uses=("einsum",),
    )
    for spec, shapes in [
        ("ij,jk->ik", ((2, 3), (3, 4))),
        ("ii->i", ((3, 3),)),
        ("ii->", ((3, 3),)),
        ("ij->ji", ((2, 3),)),
        ("bij,bjk->bik", ((2, 2, 3), (2, 3, 2))),
        ("i,i->", ((3,), (3,))),
        ("i,j->ij", ((3,), (2,))),
        ("ij,ij->", ((2, 3), (2, 3))),
        ("ijk->kj", ((2, 3, 4),)),
        ("ij,jk", ((2, 3), (3, 4))),
        ("...ij,...jk->...ik", ((2, 2, 3), (3, 2))),
        ("ij,jk,kl->il", ((2, 3), (3, 4), (4, 2))),
        ("i,i,i->i", ((3,), (3,), (3,))),
    ]
]

M3 = well_conditioned((3, 3))
LINALG = [
    Case(
        f"linalg.norm[{label}]",
        lambda xp, a, kw=kw: xp.linalg.norm(a, **kw),
        shapes,
        uses=("linalg.norm",),
    )
    for label, shapes, kw in [
        ("vector", ((4,),), {}),
        ("vector,ord=1", ((4,),), {"ord": 1}),
        ("vector,ord=inf", ((4,),), {"ord": np.inf}),
        ("vector,ord=-inf", ((4,),), {"ord": -np.inf}),
        ("vector,ord=3", ((4,),), {"ord": 3}),
        ("matrix", ((3, 4),), {}),
        ("fro", ((3, 4),), {"ord": "fro"}),
        ("nuc", ((3, 4),), {"ord": "nuc"}),
        ("matrix,ord=1", ((3, 4),), {"ord": 1}),
        ("matrix,ord=-1", ((3, 4),), {"ord": -1}),
        ("matrix,ord=inf", ((3, 4),), {"ord": np.inf}),
        ("matrix,ord=2", ((3, 4),), {"ord": 2}),
        ("matrix,ord=-2", ((3, 4),), {"ord": -2}),
        ("axis=1,keepdims", ((3, 4),), {"axis": 1, "keepdims": True}),
        ("axis=(0,2)", ((3, 2, 4),), {"axis": (0, 2)}),
    ]
] + [
    Case("linalg.inv", lambda xp, a: xp.linalg.inv(a), make_args=M3),
    Case(
        "linalg.inv[batched]",
        lambda xp, a: xp.linalg.inv(a),
        make_args=well_conditioned((2, 3, 3)),
        uses=("linalg.inv",),
    ),
    Case(
        "linalg.solve[vector]",
        lambda xp, a, b: xp.linalg.solve(a, b),
        make_args=well_conditioned((3, 3), (3,)),
        uses=("linalg.solve",),
    ),
    Case(
        "linalg.solve[matrix]",
        lambda xp, a, b: xp.linalg.solve(a, b),
        make_args=well_conditioned((3, 3), (3, 2)),
        uses=("linalg.solve",),
    ),
    Case(
        "linalg.solve[batched]",
        lambda xp, a, b: xp.linalg.solve(a, b),
        make_args=well_conditioned((2, 3, 3), (2, 3, 1)),
        uses=("linalg.solve",),
    ),
    Case("linalg.det", lambda xp, a: xp.linalg.det(a), make_args=M3),
    Case(
        "linalg.det[batched]",
        lambda xp, a: xp.linalg.det(a),
        make_args=well_conditioned((2, 3, 3)),
        uses=("linalg.det",),
    ),
    Case(
        "linalg.slogdet",
        lambda xp, a: tuple(xp.linalg.slogdet(a)),
        make_args=well_conditioned((2, 3, 3)),
    ),
    Case(
        "linalg.cholesky",
        lambda xp, a: xp.linalg.cholesky(spd(xp, a)),
        ((3, 3),),
        uses=("linalg.cholesky", "matmul", "swapaxes", "eye"),
    ),
    Case(
        "linalg.eigh[values]",
        lambda xp, a: xp.linalg.eigh(sym(xp, a))[0],
        ((3, 3),),
        uses=("linalg.eigh", "swapaxes"),
    ),
    Case(
        "linalg.eigh[|vectors|]",
        lambda xp, a: xp.abs(xp.linalg.eigh(sym(xp, a))[1]),
        ((3, 3),),
        uses=("linalg.eigh", "swapaxes", "abs"),
        order=2,
    ),
    Case(
        "linalg.svd[values]",
        lambda xp, a: xp.linalg.svd(a, compute_uv=False),
        ((4, 3),),
        uses=("linalg.svd",),
    ),
    Case(
        "linalg.svd[|u|,|vh|]",
        lambda xp, a: tuple(xp.abs(m) for m in xp.linalg.svd(a, full_matrices=False)[::2]),
        ((4, 3),),
        uses=("linalg.svd", "abs"),
        order=2,
    ),
    Case(
        "linalg.svd[u@vh]",
        lambda xp, a: xp.matmul(*xp.linalg.svd(a, full_matrices=False)[::2]),
        ((3, 3),),
        uses=("linalg.svd", "matmul"),
        order=2,
    ),
    Case("linalg.qr", lambda xp, a: tuple(xp.linalg.qr(a)), make_args=M3, order=2),
    Case(
        "linalg.qr[tall]",
        lambda xp, a: tuple(xp.linalg.qr(a)),
        ((4, 3),),
        uses=("linalg.qr",),
        order=2,
    ),
    Case(
        "linalg.qr[wide]",
        lambda xp, a: tuple(xp.linalg.qr(a)),
        ((3, 5),),
        uses=("linalg.qr",),
        order=2,
    ),
    Case(
        "linalg.qr[wide, mode=r]",
        lambda xp, a: xp.abs(xp.linalg.qr(a, mode="r")),
        ((2, 4),),
        uses=("linalg.qr", "abs"),
        order=2,
    ),
    Case("linalg.pinv", lambda xp, a: xp.linalg.pinv(a), ((4, 3),), order=2),
]

FFT = [
    Case(
        f"fft.{name}[{'complex' if kind == 'c' else 'real'}]",
        call(f"fft.{name}"),
        shapes,
        kind=kind,
        order=2,
        uses=(f"fft.{name}", "real", "imag"),
    )
    for name, shapes, kind in [
        ("fft", ((5,),), "f"),
        ("fft", ((2, 4),), "c"),
        ("ifft", ((4,),), "c"),
        ("rfft", ((6,),), "f"),
        ("irfft", ((4,),), "c"),
        ("fft2", ((3, 4),), "c"),
        ("ifft2", ((3, 4),), "c"),
        ("fftn", ((2, 3, 2),), "c"),
        ("ifftn", ((2, 3),), "c"),
        ("rfftn", ((3, 4),), "f"),
        ("irfftn", ((3, 3),), "c"),
        ("fftshift", ((5,),), "f"),
        ("ifftshift", ((2, 5),), "f"),
    ]
] + [
    Case(
        "fft.fft[n,ortho]",
        lambda xp, a: xp.fft.fft(a, n=6, norm="ortho"),
        ((4,),),
        order=2,
        uses=("fft.fft", "real", "imag"),
    ),
]

_X = rng_for("mlp data").normal(size=(5, 3))
_Y = rng_for("mlp targets").normal(size=(5, 2))
_LABELS = np.array([2, 0, 1, 1])
_ONE_HOT = np.eye(3)[_LABELS]


def mlp_loss(xp: Any, w1: Any, b1: Any, w2: Any, b2: Any) -> Any:
    hidden = xp.tanh(xp.matmul(_X, w1) + b1)
    err = xp.matmul(hidden, w2) + b2 - _Y
    return xp.mean(err**2)


def log_softmax(xp: Any, z: Any) -> Any:
    z = z - xp.max(z, axis=-1, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=-1, keepdims=True))


def layer_norm(xp: Any, x: Any, g: Any, b: Any) -> Any:
    mu = xp.mean(x, axis=-1, keepdims=True)
    return (x - mu) / xp.sqrt(xp.var(x, axis=-1, keepdims=True) + 1e-5) * g + b


def attention(xp: Any, q: Any, k: Any, v: Any) -> Any:
    scores = xp.einsum("qd,kd->qk", q, k) / np.sqrt(q.shape[-1])
    return xp.einsum("qk,kd->qd", xp.exp(log_softmax(xp, scores)), v)


COMPOSITIONS = [
    Case(
        "mlp loss",
        mlp_loss,
        ((3, 4), (4,), (4, 2), (2,)),
        (-1.0, 1.0),
        uses=("tanh", "matmul", "mean", "Tracer.__pow__"),
    ),
    Case(
        "softmax cross-entropy[take_along_axis]",
        lambda xp, z: -xp.mean(xp.take_along_axis(log_softmax(xp, z), _LABELS[:, None], 1)),
        ((4, 3),),
        uses=("max", "exp", "log", "sum", "mean", "take_along_axis"),
    ),
    Case(
        "softmax cross-entropy[one-hot]",
        lambda xp, z: -xp.sum(_ONE_HOT * log_softmax(xp, z)) / 4,
        ((4, 3),),
        uses=("max", "exp", "log", "sum"),
    ),
    Case(
        "polynomial",
        lambda xp, x: 3 * x**3 - 2 * x**2 + x / 2 - 5,
        ((4,),),
        uses=("Tracer.__pow__",),
        scalar=True,
    ),
    Case(
        "polynomial[polyval-style]",
        lambda xp, x: xp.sum(
            xp.stack([x**i for i in range(4)]) * np.arange(1.0, 5.0)[:, None], axis=0
        ),
        ((4,),),
        uses=("Tracer.__pow__", "stack"),
    ),
    Case("layer norm", layer_norm, ((3, 4), (4,), (4,)), uses=("mean", "var", "sqrt")),
    Case(
        "attention",
        attention,
        ((3, 4), (5, 4), (5, 2)),
        (-1.0, 1.0),
        uses=("einsum", "max", "exp", "log", "sum"),
    ),
    Case(
        "logsumexp",
        lambda xp, z: xp.log(xp.sum(xp.exp(z - xp.max(z)))) + xp.max(z),
        ((5,),),
        uses=("max", "exp", "log", "sum"),
    ),
    Case(
        "sigmoid chain",
        lambda xp, x: 1 / (1 + xp.exp(-xp.sin(x) * xp.cos(x))),
        ((4,),),
        scalar=True,
        uses=("exp", "sin", "cos"),
    ),
    Case(
        "norm of product",
        lambda xp, a, b: xp.sqrt(xp.sum((a * b) ** 2)),
        ((3,), (3,)),
        uses=("sqrt", "sum", "Tracer.__pow__"),
    ),
]

LINALG += [
    Case(
        "linalg.det[singular]",
        lambda xp, a: xp.linalg.det(a),
        uses=("linalg.det",),
        make_args=lambda rng: [np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])],
        order=1,
    ),
    Case(
        "linalg.slogdet[negative det]",
        lambda xp, a: tuple(xp.linalg.slogdet(a)),
        make_args=lambda rng: [np.array([[0.0, 2.0, 0.5], [1.5, 0.0, 0.2], [0.1, 0.3, 2.0]])],
        uses=("linalg.slogdet",),
    ),
    Case(
        "linalg.cholesky[batched]",
        lambda xp, a: xp.linalg.cholesky(spd(xp, a)),
        ((2, 3, 3),),
        uses=("linalg.cholesky", "matmul", "swapaxes", "eye"),
    ),
    Case(
        "linalg.eigh[UPLO=U]",
        lambda xp, a: xp.linalg.eigh(sym(xp, a), UPLO="U")[0],
        ((3, 3),),
        uses=("linalg.eigh", "swapaxes"),
    ),
    Case(
        "linalg.svd[square, full]",
        lambda xp, a: xp.linalg.svd(a)[1],
        ((3, 3),),
        uses=("linalg.svd",),
    ),
    Case(
        "linalg.qr[mode=r]",
        lambda xp, a: xp.abs(xp.linalg.qr(a, mode="r")),
        ((4, 3),),
        uses=("linalg.qr", "abs"),
        order=2,
    ),
    Case(
        "linalg.solve[broadcast b]",
        lambda xp, a, b: xp.linalg.solve(a, b),
        make_args=well_conditioned((2, 3, 3), (3, 2)),
        uses=("linalg.solve",),
    ),
    Case("linalg.inv[1x1]", lambda xp, a: xp.linalg.inv(a), ((1, 1),), POS, uses=("linalg.inv",)),
    Case(
        "linalg.norm[matrix axis=-1,ord=2]",
        lambda xp, a: xp.linalg.norm(a, ord=2, axis=-1),
        ((3, 4),),
        uses=("linalg.norm",),
    ),
]
LINALG_PRODUCTS += [
    Case("matmul[1d,3d]", lambda xp, a, b: xp.matmul(a, b), ((3,), (2, 3, 4)), uses=("matmul",)),
    Case(
        "einsum[optimize]",
        lambda xp, a, b, c: xp.einsum("ij,jk,kl->il", a, b, c, optimize=True),
        ((2, 3), (3, 4), (4, 2)),
        uses=("einsum",),
    ),
    Case(
        "einsum[broadcast ellipsis]",
        lambda xp, a, b: xp.einsum("...i,...i->...", a, b),
        ((2, 1, 3), (4, 3)),
        uses=("einsum",),
    ),
]
