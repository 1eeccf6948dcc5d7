"""Random in-place methods (``uniform_ normal_ random_ bernoulli_ exponential_ cauchy_
log_normal_ geometric_``) and ``torch.normal``/``torch.bernoulli``/``torch.multinomial``,
drawing PyTorch's numbers from a ``Generator`` (see ``_random``)."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

import tracegrad.numpy as tnp
from tracegrad.core.dtypes import is_bfloat16
from tracegrad.torch import _random, dtypes
from tracegrad.torch._generator import Generator, resolve
from tracegrad.torch._random_math import F32, F64, Arr, fma64, libm_map
from tracegrad.torch._views import commit, recorded, write
from tracegrad.torch.creation import _finish, _float_dtype, _int_range, empty
from tracegrad.torch.graph import Op, apply
from tracegrad.torch.tensor import Tensor


def _drawn_value(*args: Any) -> Any:
    *inputs, drawn = args
    for x in inputs:
        drawn = tnp.zeros_like(x) + drawn
    return drawn


@functools.cache
def _drawn(name: str) -> Op:
    """The node of a draw: its value is the drawn array (the last input), and its gradient
    to the tensor inputs is zero, as PyTorch's derivatives of random ops are."""
    return Op(name, _drawn_value)


def _fill(self: Tensor, node: str, draw: Callable[[int], Arr]) -> Tensor:
    """Write ``draw(numel)`` into ``self`` in PyTorch's fill order (memory order, so a
    transposed view is filled along its base), in place; recorded as ``node`` when ``self``
    requires grad (its gradient stops there), as PyTorch records it."""
    record = recorded(self, None)
    value = self._value
    flat = draw(int(value.size))
    if value.dtype == np.float16 or is_bfloat16(value.dtype):
        flat = flat.astype(F32)  # PyTorch rounds a double to a half type through float
    if value.ndim > 1 and not value.flags.c_contiguous:
        order = sorted(range(value.ndim), key=lambda a: -abs(value.strides[a]))
        laid = flat.reshape([value.shape[a] for a in order])
        flat = np.transpose(laid, np.argsort(order))
    drawn = np.asarray(flat).reshape(value.shape).astype(value.dtype, copy=False)
    if record:
        return commit(self, lambda: apply(_drawn(node), (self, drawn)))  # no gradient to self
    return write(self, drawn)


def _contiguous(self: Tensor) -> bool:
    return bool(self._value.flags.c_contiguous)


_P_IN_RANGE = (
    "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message "
    "be improved?  If so, please report an enhancement request to PyTorch.)"
)


def _check(ok: bool, message: str) -> None:
    if not ok:
        raise RuntimeError(message)


def _floating(self: Tensor, kernel: str) -> np.dtype[Any]:
    dt: np.dtype[Any] = self._value.dtype
    return _random.require_float(dt, kernel)


def _continuous(self: Tensor, name: str, cpp: bool = False, kernel: str = "") -> None:
    """Refuse a non-float ``self`` in a real distribution's kernel, with PyTorch's text."""
    dt = self._value.dtype
    if not (dt.kind == "f" or is_bfloat16(dt)):
        d = dtypes.from_numpy_dtype(dt)
        if kernel:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{dtypes.scalar_name(d)}'")
        spelled = dtypes.cpp_name(d) if cpp else dtypes.scalar_name(d)
        raise RuntimeError(
            f"{name} distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {spelled}"
        )


def uniform_(
    self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill with uniform random numbers in [a, b), in place (PyTorch's numbers).

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(3).uniform_(-1, 1)
    tensor([-0.0075,  0.5364, -0.8230])
    """
    dt = _floating(self, "check_uniform_bounds")
    _check(
        a <= b, f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}"
    )
    gen = resolve(generator)
    return _fill(self, "UniformBackward0", lambda n: _random.uniform(gen, n, dt, a, b))


def normal_(
    self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill with normal random numbers, in place (PyTorch's numbers).

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(3).normal_(10, 2)
    tensor([13.0820,  9.4131,  5.6424])
    """
    dt = _floating(self, "normal_kernel_cpu")
    _check(std >= 0.0, f"normal expects std >= 0.0, but found std {std:g}")
    gen, contiguous = resolve(generator), _contiguous(self)
    return _fill(
        self, "NormalBackward0", lambda n: _random.normal(gen, n, dt, mean, std, contiguous)
    )


def random_(
    self: Tensor, from_: int = 0, to: int | None = None, *, generator: Generator | None = None
) -> Tensor:
    """Fill with random integers in [from, to) (``random_(to)`` starts at 0; ``random_()``
    spans the dtype), in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(4, dtype=torch.int64).random_(10)
    tensor([4, 9, 3, 0])
    """
    gen, dt = resolve(generator), self._value.dtype
    if to is None and from_ == 0:
        return _fill(self, "RandomBackward2", lambda n: _random.int_full(gen, n, dt))
    node = "RandomBackward1" if to is None else "RandomBackward0"
    lo, hi = _int_range(from_, to)
    return _fill(self, node, lambda n: _random.int_from_to(gen, n, lo, hi))


def bernoulli_(
    self: Tensor, p: Any = 0.5, *, generator: Generator | None = None
) -> Tensor:  # fmt: skip
    """Fill with 1 (probability ``p``, a number or a tensor) or 0, in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(5).bernoulli_(0.5)
    tensor([0., 0., 1., 0., 0.])
    """
    gen = resolve(generator)
    if not isinstance(p, Tensor):
        _check(0 <= p <= 1, f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
    else:
        probs_ok = bool(np.all((p._value >= 0) & (p._value <= 1)))
        _check(probs_ok, _P_IN_RANGE)
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._value, self._value.shape)
        return _fill(self, "BernoulliBackward1", lambda n: _random.bernoulli(gen, probs.ravel()))
    return _fill(self, "BernoulliBackward2", lambda n: _random.bernoulli(gen, np.full(n, float(p))))


def _double_draws(
    self: Tensor, node: str, generator: Generator | None, fn: Callable[[Arr], Arr]
) -> Tensor:
    gen = resolve(generator)
    return _fill(self, node, lambda n: fn(_random.unit_uniform(gen, n, np.dtype(F64))))


def exponential_(
    self: Tensor, lambd: float = 1.0, *, generator: Generator | None = None
) -> Tensor:  # fmt: skip
    """Fill with exponential random numbers of rate ``lambd``, in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(2).exponential_()
    tensor([3.5083, 1.2304])
    """
    _continuous(self, "Exponential")
    _check(lambd > 0.0, f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    return _double_draws(
        self, "ExponentialBackward0", generator, lambda u: -1.0 / lambd * libm_map(math.log1p, -u)
    )


def cauchy_(
    self: Tensor, median: float = 0.0, sigma: float = 1.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill with Cauchy random numbers, in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(2).cauchy_()
    tensor([10.5977,  0.7648])
    """
    _continuous(self, "Cauchy", cpp=True)
    _check(sigma > 0.0, f"cauchy_ expects sigma > 0.0, but found sigma={sigma:g}")
    return _double_draws(
        self,
        "CauchyBackward0",
        generator,
        lambda u: fma64(sigma, libm_map(math.tan, math.pi * (u - 0.5)), median),
    )


def geometric_(self: Tensor, p: float, *, generator: Generator | None = None) -> Tensor:
    """Fill with the number of Bernoulli(p) trials up to the first success, in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(3).geometric_(0.5)
    tensor([1., 1., 2.])
    """
    _check(0 < p < 1, f"geometric_ expects p to be in (0, 1), but got p={p:g}")
    return _double_draws(
        self,
        "GeometricBackward0",
        generator,
        lambda u: np.ceil(libm_map(math.log, u) / math.log1p(-p)),
    )


def log_normal_(
    self: Tensor, mean: float = 1.0, std: float = 2.0, *, generator: Generator | None = None
) -> Tensor:
    """Fill with ``exp`` of normal random numbers (one at a time, as PyTorch), in place.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.zeros(2).log_normal_(0, 0.5)
    tensor([2.1608, 0.8635])
    """
    _continuous(self, "", kernel="log_normal_cpu")
    _check(std > 0.0, f"log_normal_ expects std > 0.0, but found std={std:g}")
    gen = resolve(generator)
    return _fill(
        self,
        "LogNormalBackward0",
        lambda n: libm_map(math.exp, _random.scalar_normal(gen, n, mean, std)),
    )


def normal(
    mean: Any = 0.0,
    std: Any = 1.0,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: Any = None,
    requires_grad: bool = False,
    **unused: Any,
) -> Tensor:
    """Normal random numbers with ``mean`` and ``std`` (numbers or tensors, broadcast);
    with tensors PyTorch draws ``randn`` of the result's shape, then ``z * std + mean``.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.normal(torch.tensor([0.0, 10.0]), 1.0)
    tensor([1.5410, 9.7066])
    >>> torch.normal(2.0, 3.0, (2,)).shape
    torch.Size([2])
    """
    gen = resolve(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal() missing required argument 'size' (with float mean/std)")
        out = empty(size, dtype=_float_dtype(dtype), requires_grad=False)
        normal_(out, float(mean), float(std), generator=gen)
        out._requires_grad = requires_grad
        return out
    if isinstance(std, Tensor):
        _check(bool(np.all(std._value >= 0)), "normal expects all elements of std >= 0.0")
    else:
        _check(std >= 0.0, f"normal expects std >= 0.0, but found std {std:g}")
    arrays = [x._value for x in (mean, std) if isinstance(x, Tensor)]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    dt = np.result_type(*arrays)
    z = _random.normal(gen, int(np.prod(shape)), dt, 0.0, 1.0, True).reshape(shape)
    m = mean._value if isinstance(mean, Tensor) else mean
    s = std._value if isinstance(std, Tensor) else std
    value = np.asarray(z * np.asarray(s, dt) + np.asarray(m, dt), dt)
    tensors = tuple(x for x in (mean, std) if isinstance(x, Tensor))
    name = "NormalBackward" + ("3" if len(tensors) == 2 else "1" if tensors[0] is mean else "2")
    return apply(_drawn(name), (*tensors, value))


def bernoulli(
    input: Tensor, p: Any = None, *, generator: Generator | None = None, **unused: Any
) -> Tensor:
    """1 with the probability in each element of ``input`` (or ``p``), else 0.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.bernoulli(torch.tensor([0.0, 0.5, 1.0]))
    tensor([0., 0., 1.])
    """
    out = _finish(np.zeros_like(input._value), False)
    bernoulli_(out, input.detach() if p is None else p, generator=generator)
    name = "BernoulliBackward" + ("0" if p is None else "1" if isinstance(p, Tensor) else "2")
    return apply(_drawn(name), (input, out._value))


def multinomial(
    input: Tensor,
    num_samples: int,
    replacement: bool = False,
    *,
    generator: Generator | None = None,
) -> Tensor:
    """Indices drawn from the rows of ``input`` (weights); without replacement each index
    at most once.

    >>> import tracegrad.torch as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.multinomial(torch.tensor([0.0, 1.0, 1.0]), 2).sort().values
    tensor([1, 2])
    """
    w = input._value
    if not (w.dtype.kind == "f" or is_bfloat16(w.dtype)):
        name = dtypes.scalar_name(dtypes.from_numpy_dtype(w.dtype))
        raise RuntimeError(
            f"multinomial only supports floating-point dtypes for input, got: {name}"
        )
    _check(w.ndim in (1, 2), "prob_dist must be 1 or 2 dim")
    k = int(num_samples)
    _check(
        replacement or k <= w.shape[-1],
        "cannot sample n_sample > prob_dist.size(-1) samples without replacement",
    )
    rows = w.reshape(-1, w.shape[-1])
    finite = bool(np.all(np.isfinite(rows) & (rows >= 0)))
    _check(finite, "probability tensor contains either `inf`, `nan` or element < 0")
    _check(
        bool(np.all(rows.astype(F64).sum(axis=1) > 0)),
        "invalid multinomial distribution (sum of probabilities <= 0)",
    )
    out = _random.multinomial(resolve(generator), rows, k, replacement)
    return _finish(out.reshape((*w.shape[:-1], k)), False)


TENSOR_METHODS: dict[str, Any] = {
    "uniform_": uniform_, "normal_": normal_, "random_": random_, "bernoulli_": bernoulli_,
    "exponential_": exponential_, "cauchy_": cauchy_, "geometric_": geometric_,
    "log_normal_": log_normal_, "bernoulli": bernoulli,
    "multinomial": multinomial,
}  # fmt: skip
