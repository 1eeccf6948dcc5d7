"""``nan_to_num`` (non-finite values replaced), ``unique`` (the distinct values, with their
inverse indices and counts) and ``Tensor.stride``. ``nan_to_num``'s derivative comes from
PyTorch's rule, the incoming gradient times ``isfinite(input)`` (so an infinite or NaN
gradient gives NaN at a replaced element, where ``tracegrad.numpy.nan_to_num``'s select
gives 0, as JAX's); ``unique`` has none, and backward through it raises PyTorch's error."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.control.custom import custom_jvp
from tracegrad.core import Tracer
from tracegrad.torch._inplace import _unary_inplace
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap, wrap_dim


def _replace(nan: float, posinf: float | None, neginf: float | None, x: Any) -> Any:
    return tnp.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf)


_replace_masked = custom_jvp(_replace, nondiff_argnums=(0, 1, 2))


@_replace_masked.defjvp
def _replace_jvp(
    nan: float, posinf: float | None, neginf: float | None, primals: Any, tangents: Any
) -> tuple[Any, Any]:
    (x,), (t,) = primals, tangents
    mask = tnp.isfinite(x).astype(t.dtype)
    return _replace(nan, posinf, neginf, x), t * mask


NAN_TO_NUM = Op(
    "NanToNumBackward0",
    lambda x, nan, posinf, neginf: (
        _replace_masked(nan, posinf, neginf, x)
        if isinstance(x, Tracer)
        else _replace(nan, posinf, neginf, x)
    ),
)


def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None
) -> Tensor:
    """``input`` with NaN replaced by ``nan`` and the infinities by ``posinf`` / ``neginf``
    (the dtype's largest and smallest finite values by default).

    >>> import tracegrad.torch as torch
    >>> torch.tensor([float("nan"), 1.0, float("inf")]).nan_to_num(posinf=9.0)
    tensor([0., 1., 9.])
    """
    if input._value.dtype.kind not in "fc" and not input.dtype.is_floating_point:
        return input.clone()  # type: ignore[attr-defined, no-any-return]
    limits = [None if v is None else float(v) for v in (posinf, neginf)]
    return apply(NAN_TO_NUM, (input,), nan=float(nan), posinf=limits[0], neginf=limits[1])


UNIQUE = Op("Unique2Backward0", lambda x, values: values, undefined="_unique2")
UNIQUE_DIM = Op("UniqueDimBackward0", lambda x, values: values, undefined="unique_dim")


def unique(
    input: Tensor,
    sorted: bool = True,
    return_inverse: bool = False,
    return_counts: bool = False,
    dim: int | None = None,
) -> Any:
    """The distinct values of ``input``, sorted (PyTorch's CPU kernel sorts even with
    ``sorted=False``), flattened unless ``dim`` is given; with ``return_inverse`` the index
    of each element's value, with ``return_counts`` how often each value occurs.

    >>> import tracegrad.torch as torch
    >>> torch.unique(torch.tensor([3, 1, 3, 2]), return_counts=True)
    (tensor([1, 2, 3]), tensor([1, 1, 2]))
    """
    v = input._value
    axis = None if dim is None else wrap_dim(dim, v.ndim)
    values, inverse, counts = np.unique(
        v if axis is not None else v.reshape(-1),
        return_inverse=True,
        return_counts=True,
        axis=axis,
    )
    op = UNIQUE if axis is None else UNIQUE_DIM
    out: list[Tensor] = [apply(op, (input, values))]
    if return_inverse:
        shape = v.shape if axis is None else (v.shape[axis],)
        out.append(wrap(inverse.reshape(shape).astype(np.int64)))
    if return_counts:
        out.append(wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def stride(self: Tensor, dim: int | None = None) -> Any:
    """The step in elements between neighbours along each dimension (or along ``dim``).

    >>> import tracegrad.torch as torch
    >>> torch.zeros(3, 4).stride(), torch.zeros(3, 4).t().stride()
    ((4, 1), (1, 4))
    """
    v = self._value
    strides = tuple(s // v.itemsize for s in v.strides)
    return strides if dim is None else strides[wrap_dim(dim, v.ndim)]


TENSOR_METHODS: dict[str, Any] = {
    "nan_to_num": nan_to_num,
    "nan_to_num_": _unary_inplace(nan_to_num),
    "unique": unique,
    "stride": stride,
}
