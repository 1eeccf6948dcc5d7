"""More ``torch.nn.functional`` activations (``leaky_relu``, ``elu``, ``selu``, ``celu``,
``gelu``, ``silu``, ``mish``, ``softplus``, ``hardtanh``, ``relu6``, ``hardsigmoid``,
``hardswish``, the shrinks, ``threshold``, ``softsign``, ``glu``, ``prelu``, ...), each
one node named as PyTorch names it, in place when asked (``run``); the derivative at a
kink is PyTorch's (the functions pick it with ``where``)."""

from __future__ import annotations

from typing import Any

import numpy as np

import tracegrad.nn as tnn
import tracegrad.numpy as tnp
from tracegrad.torch import dtypes
from tracegrad.torch._common import cast
from tracegrad.torch._inplace import _unary_inplace
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor, wrap_dim


def _const(v: Any, like: Any) -> Any:
    return cast(np.asarray(v), like.dtype)


LEAKY_RELU = Op(
    "LeakyReluBackward0",
    lambda x, slope: tnp.where(x > 0, x, tnp.multiply(x, _const(slope, x))),
)
# Composites of several primitives: their forwards run staged (graph.staged_forward).
GELU = Op("GeluBackward0", lambda x, tanh: tnn.gelu(x, approximate=tanh), staged=True)
SILU = Op("SiluBackward0", lambda x: tnn.silu(x), staged=True)
LOG_SIGMOID = Op("LogSigmoidBackward0", lambda x: tnn.log_sigmoid(x), staged=True)


def _softplus_fn(x: Any, beta: float, threshold: float) -> Any:
    bx = tnp.multiply(x, _const(beta, x))
    soft = tnp.true_divide(tnn.softplus(bx), _const(beta, x))
    return tnp.where(bx > threshold, x, soft)


def _hardtanh_fn(x: Any, lo: float, hi: float) -> Any:
    # Constant on and beyond the bounds: PyTorch's derivative is 0 at x == min or max.
    return tnp.where(x <= lo, _const(lo, x), tnp.where(x >= hi, _const(hi, x), x))


SOFTPLUS = Op("SoftplusBackward0", _softplus_fn, staged=True)
HARDTANH = Op("HardtanhBackward0", _hardtanh_fn)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` above 0, ``negative_slope * x`` at or below.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.leaky_relu(torch.tensor([-2.0, 3.0]), 0.5)
    tensor([-1.,  3.])
    """
    return run(LEAKY_RELU, input, inplace, LEAKY_RELU_, slope=float(negative_slope))


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` above 0, ``alpha * (exp(x) - 1)`` at or below.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.elu(torch.tensor([0.0, 1.0]))
    tensor([0., 1.])
    """
    return run(ELU_NAMED, input, inplace, ELU_, alpha=float(alpha), scale=1.0, input_scale=1.0)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit: exact (``erf``) by default, or its ``"tanh"``
    approximation.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.gelu(torch.tensor([1.0]))
    tensor([0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return apply(GELU, (input,), tanh=approximate == "tanh")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * sigmoid(x)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.silu(torch.tensor([0.0]))
    tensor([0.])
    """
    return run(SILU, input, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` where ``beta * x > threshold``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.softplus(torch.tensor([0.0, 30.0]))
    tensor([ 0.6931, 30.0000])
    """
    return apply(SOFTPLUS, (input,), beta=float(beta), threshold=float(threshold))


def hardtanh(
    input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.hardtanh(torch.tensor([-3.0, 0.5, 3.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return run(HARDTANH, input, inplace, lo=float(min_val), hi=float(max_val))


def logsigmoid(input: Tensor) -> Tensor:
    """``log(sigmoid(x))``, computed without overflow.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.logsigmoid(torch.tensor([0.0]))
    tensor([-0.6931])
    """
    return apply(LOG_SIGMOID, (input,))


# ---- in place -------------------------------------------------------------------------------


def run(
    op: Op, input: Tensor, inplace: bool, inplace_op: Op | None = None, **params: Any
) -> Tensor:
    """``op`` on ``input``, or written into ``input`` (recorded as PyTorch records the
    in-place form, under ``inplace_op``'s name when PyTorch names it differently)."""
    if not inplace:
        return apply(op, (input,), **params)
    chosen = op if inplace_op is None else inplace_op
    return _unary_inplace(lambda t: apply(chosen, (t,), **params))(input)


def _pos(x: Any) -> Any:
    """``x`` where it is at most 0, else 0: the argument of a branch used only there, so
    the untaken branch never overflows into ``inf * 0`` in a derivative."""
    return tnp.where(x > 0, _const(0, x), x)


def _elu_fn(x: Any, alpha: float, scale: float, input_scale: float) -> Any:
    neg = tnp.multiply(tnp.expm1(tnp.multiply(_pos(x), _const(input_scale, x))), _const(alpha, x))
    out = tnp.where(x > 0, x, neg)
    return out if scale == 1.0 else tnp.multiply(out, _const(scale, x))


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
ELU_ = Op("EluBackward1", _elu_fn)
CELU = Op("CeluBackward0", _elu_fn, staged=True)
CELU_ = Op("CeluBackward1", _elu_fn)
LEAKY_RELU_ = Op("LeakyReluBackward1", LEAKY_RELU.fn)
ELU_NAMED = Op("EluBackward0", _elu_fn, staged=True)


def _hardsigmoid_fn(x: Any) -> Any:
    inside = tnp.add(tnp.true_divide(x, _const(6, x)), _const(0.5, x))
    return tnp.where(x <= -3, _const(0, x), tnp.where(x >= 3, _const(1, x), inside))


def _hardswish_fn(x: Any) -> Any:
    inside = tnp.true_divide(tnp.multiply(x, tnp.add(x, _const(3, x))), _const(6, x))
    left = tnp.multiply(x, _const(0, x))  # -0. for negative x, as PyTorch prints it
    return tnp.where(x <= -3, left, tnp.where(x < 3, inside, x))


def _shrink_fn(x: Any, lambd: float, soft: bool) -> Any:
    lam = _const(lambd, x)
    if not soft:
        return tnp.where(tnp.abs(x) > lam, x, _const(0, x))
    return tnp.where(
        x > lam, tnp.subtract(x, lam), tnp.where(x < -lam, tnp.add(x, lam), _const(0, x))
    )


def _threshold_fn(x: Any, threshold: float, value: float) -> Any:
    return tnp.where(x > _const(threshold, x), x, _const(value, x))


def _glu_fn(x: Any, axis: int) -> Any:
    a, b = tnp.split(x, 2, axis=axis)
    return tnp.multiply(a, tnn.sigmoid(b))


def _prelu_fn(x: Any, w: Any) -> Any:
    shape = (1, w.shape[0]) + (1,) * (x.ndim - 2) if x.ndim >= 2 and w.shape[0] > 1 else w.shape
    return tnp.where(x > 0, x, tnp.multiply(tnp.reshape(w, shape), x))


HARDSIGMOID = Op("HardsigmoidBackward0", _hardsigmoid_fn)
HARDSWISH = Op("HardswishBackward0", _hardswish_fn)
MISH = Op("MishBackward0", lambda x: tnp.multiply(x, tnp.tanh(tnn.softplus(x))))
SHRINK = {True: Op("SoftshrinkBackward0", _shrink_fn), False: Op("HardshrinkBackward0", _shrink_fn)}
THRESHOLD = Op("ThresholdBackward0", _threshold_fn)
THRESHOLD_ = Op("ThresholdBackward1", _threshold_fn)
SOFTSIGN = Op("DivBackward0", lambda x: tnp.true_divide(x, tnp.add(tnp.abs(x), _const(1, x))))
TANHSHRINK = Op("SubBackward0", lambda x: tnp.subtract(x, tnp.tanh(x)))
GLU = Op("GluBackward0", _glu_fn)
PRELU = Op("PreluKernelBackward0", _prelu_fn)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.selu(torch.tensor([1.0]))
    tensor([1.0507])
    """
    return run(
        ELU_NAMED, input, inplace, ELU_, alpha=_SELU_ALPHA, scale=_SELU_SCALE, input_scale=1.0
    )


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.celu(torch.tensor([-1.0, 1.0]))
    tensor([-0.6321,  1.0000])
    """
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return run(CELU, input, inplace, CELU_, alpha=float(alpha), scale=1.0, input_scale=1 / alpha)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.relu6(torch.tensor([-1.0, 7.0]))
    tensor([0., 6.])
    """
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """``x / 6 + 1/2`` clamped to ``[0, 1]``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.hardsigmoid(torch.tensor([-4.0, 0.0, 4.0]))
    tensor([0.0000, 0.5000, 1.0000])
    """
    return run(HARDSIGMOID, input, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * hardsigmoid(x)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.hardswish(torch.tensor([-4.0, 1.0, 4.0]))
    tensor([-0.0000,  0.6667,  4.0000])
    """
    return run(HARDSWISH, input, inplace)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.mish(torch.tensor([1.0]))
    tensor([0.8651])
    """
    return run(MISH, input, inplace)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x - lambd`` above ``lambd``, ``x + lambd`` below ``-lambd``, else 0.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.softshrink(torch.tensor([-1.0, 0.2, 1.0]))
    tensor([-0.5000,  0.0000,  0.5000])
    """
    if lambd < 0:
        d = input._value.dtype
        raise RuntimeError(
            f"lambda must be in range [0, {float(np.finfo(d).max):g}] for input dtype "
            f"{dtypes.scalar_name(dtypes.as_dtype(d))}, but found {lambd:g}"
        )
    return apply(SHRINK[True], (input,), lambd=float(lambd), soft=True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``x`` where ``|x| > lambd``, else 0.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.hardshrink(torch.tensor([-1.0, 0.2, 1.0]))
    tensor([-1.,  0.,  1.])
    """
    return apply(SHRINK[False], (input,), lambd=float(lambd), soft=False)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``x`` where ``x > threshold``, else ``value``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.threshold(torch.tensor([0.5, 2.0]), 1.0, -1.0)
    tensor([-1.,  2.])
    """
    return run(
        THRESHOLD, input, inplace, THRESHOLD_, threshold=float(threshold), value=float(value)
    )


def softsign(input: Tensor) -> Tensor:
    """``x / (1 + |x|)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.softsign(torch.tensor([1.0]))
    tensor([0.5000])
    """
    return apply(SOFTSIGN, (input,))


def tanhshrink(input: Tensor) -> Tensor:
    """``x - tanh(x)``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.tanhshrink(torch.tensor([0.0]))
    tensor([0.])
    """
    return apply(TANHSHRINK, (input,))


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """``a * sigmoid(b)`` for the halves ``a``, ``b`` of ``input`` along ``dim``.

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.glu(torch.tensor([1.0, 0.0]))
    tensor([0.5000])
    """
    shape = input._value.shape
    if not shape:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(dim, len(shape))
    if shape[axis] % 2:
        raise RuntimeError(
            f"Halving dimension must be even, but dimension {axis} is size {shape[axis]}"
        )
    return apply(GLU, (input,), axis=axis)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` above 0, ``weight * x`` at or below (``weight`` per channel, dim 1, or one).

    >>> import tracegrad.torch as torch
    >>> torch.nn.functional.prelu(torch.tensor([-2.0, 3.0]), torch.tensor([0.25]))
    tensor([-0.5000,  3.0000])
    """
    n, shape = weight._value.size, input._value.shape
    channels = shape[1] if len(shape) >= 2 else 1
    if n != 1 and n != channels:
        raise RuntimeError(
            f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
            f"{n} and channel size = {channels}."
        )
    return apply(PRELU, (input, weight))


def _in_place(fn: Any) -> Any:
    """``F.<name>_``: ``fn`` with ``inplace=True``."""

    def method(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        out: Tensor = fn(input, *args, inplace=True, **kwargs)
        return out

    method.__name__ = method.__qualname__ = fn.__name__ + "_"
    method.__doc__ = f"``{fn.__name__}(input, ..., inplace=True)``."
    return method


elu_ = _in_place(elu)
selu_ = _in_place(selu)
celu_ = _in_place(celu)
leaky_relu_ = _in_place(leaky_relu)
hardtanh_ = _in_place(hardtanh)
threshold_ = _in_place(threshold)
