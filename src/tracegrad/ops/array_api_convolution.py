"""The array-API implementation of ``conv_general_dilated``: the NumPy implementation's two
ways (``ops/convolution.py``), with the standard's functions: the input moved channels last,
dilated and padded (the ``pad`` rule), split into groups, then one ``matmul`` per kernel
offset of the input shifted by it (few offsets), or one ``matmul`` of every window's
elements stacked (few output positions: a kernel's cotangent).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

from tracegrad.backend.namespace import NamespaceRule, namespace_dtype
from tracegrad.core import Primitive
from tracegrad.ops import convolution as conv
from tracegrad.ops.array_api_windows import pad


def _conv(xp: Any, lhs: Any, rhs: Any, **p: Any) -> Any:
    # (the operands have one dtype: the abstract rule checked it)
    preferred = p["preferred_element_type"]
    dtype = lhs.dtype if preferred is None else namespace_dtype(xp, np.dtype(preferred))
    strides, dilation = p["window_strides"], p["rhs_dilation"]
    bgc = p["batch_group_count"]
    groups = p["feature_group_count"] * bgc
    lhs_spec, rhs_spec, out_spec = p["dimension_numbers"]
    nsp = len(strides)
    back = tuple(sorted(range(nsp + 2), key=lambda i: out_spec[i]))  # argsort(out_spec)
    x = xp.permute_dims(lhs, (lhs_spec[0], *lhs_spec[2:], lhs_spec[1]))
    w = xp.permute_dims(rhs, (rhs_spec[0], *rhs_spec[2:], rhs_spec[1]))
    spatial = [(lo, hi, d - 1) for (lo, hi), d in zip(p["padding"], p["lhs_dilation"], strict=True)]
    x = pad(xp, x, 0, [(0, 0, 0), *spatial, (0, 0, 0)])
    n, c, o, kernel = x.shape[0], x.shape[-1], w.shape[0], tuple(w.shape[1:-1])
    nb, og = n // bgc, o // groups
    positions = conv.window_output_shape(
        x.shape[1:-1], kernel, strides, ((0, 0),) * nsp, (1,) * nsp, dilation
    )
    if 0 in (nb, o, *positions) or 0 in w.shape:
        return xp.permute_dims(xp.zeros((nb, o, *positions), dtype=dtype), back)
    # Groups first: (G, Nb, *spatial, Cg) and (G, Og, *kernel, I).
    if bgc > 1:
        xg = xp.reshape(x, (bgc, nb, *x.shape[1:]))
    else:
        xg = xp.reshape(x, (*x.shape[:-1], groups, c // groups))
        xg = xp.permute_dims(xg, (nsp + 1, *range(nsp + 1), nsp + 2))
    wg = xp.reshape(w, (groups, og, *w.shape[1:]))
    rows = nb * math.prod(positions)

    def shifted(offset: tuple[int, ...]) -> Any:
        steps = zip(offset, dilation, positions, strides, strict=True)
        shifts = tuple(slice(k * d, k * d + (m - 1) * s + 1, s) for k, d, m, s in steps)
        index = (slice(None), slice(None), *shifts, Ellipsis)
        return xg[index]

    offsets = list(itertools.product(*(range(k) for k in kernel)))
    if math.prod(kernel) <= math.prod(positions):
        res = None
        for offset in offsets:
            at = (slice(None), slice(None), *offset, Ellipsis)
            kern = xp.permute_dims(wg[at], (0, 2, 1))
            term = xp.matmul(xp.reshape(shifted(offset), (groups, rows, -1)), kern)
            res = term if res is None else res + term
    else:
        cols = xp.stack([shifted(k) for k in offsets], axis=-2)  # (G, Nb, *P, K, Cg)
        kern = xp.permute_dims(xp.reshape(wg, (groups, og, -1)), (0, 2, 1))
        res = xp.matmul(xp.reshape(cols, (groups, rows, -1)), kern)
    res = xp.reshape(res, (groups, nb, *positions, og))
    res = xp.permute_dims(res, (1, 0, nsp + 2, *range(2, nsp + 2)))
    res = xp.reshape(res, (nb, o, *positions))
    return xp.permute_dims(xp.astype(res, dtype), back)


CONVOLUTION_RULES: dict[Primitive, NamespaceRule] = {conv.conv_general_dilated_p: _conv}
