"""torch.Generator and PyTorch's CPU random numbers: bitwise equality with PyTorch for the
same seed (behind importorskip), plus a few values copied from PyTorch 2.13 so that the
NumPy-only run checks them too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tracegrad.torch as tt

SEEDS = [0, 1, 7, 42, 2**32 + 3, 123456789, -1, 2**64 - 5]


def _same(make: Callable[[Any], Any], seed: int) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(seed)
    want = make(torch)
    tt.manual_seed(seed)
    got = make(tt)
    if not isinstance(want, tuple):
        want, got = (want,), (got,)
    for i, (w, g) in enumerate(zip(want, got, strict=True)):
        w_np = w.numpy() if hasattr(w, "numpy") else np.asarray(w)
        g_np = g.numpy() if hasattr(g, "numpy") else np.asarray(g)
        assert str(w.dtype) == str(g.dtype)
        np.testing.assert_array_equal(g_np, w_np, err_msg=f"result {i}", strict=True)


# Values printed by PyTorch 2.13.0 (CPU) after torch.manual_seed(0); kept here so the
# NumPy-only run checks the stream too.
def test_hard_values_from_pytorch() -> None:
    tt.manual_seed(0)
    assert (
        tt.rand(3).numpy().tolist()
        == np.array(
            [0.49625658988952637, 0.7682217955589294, 0.08847743272781372], np.float32
        ).tolist()
    )
    tt.manual_seed(0)
    np.testing.assert_array_equal(
        tt.randn(3).numpy(),
        np.array([1.5409960746765137, -0.293428897857666, -2.1787893772125244], np.float32),
    )
    tt.manual_seed(0)
    np.testing.assert_array_equal(
        tt.randn(20).numpy()[-3:],
        np.array([1.2590092420578003, 2.0049805641174316, 0.05373690277338028], np.float32),
    )
    tt.manual_seed(0)
    assert tt.randint(0, 10, (5,)).tolist() == [4, 9, 3, 0, 3]
    assert tt.randperm(5).tolist() == [4, 0, 3, 1, 2]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [1, 5, 16, 17, 100, 1001])
def test_rand_randn(seed: int, n: int) -> None:
    _same(lambda T: (T.rand(n), T.rand(n, dtype=T.float64)), seed)
    _same(lambda T: (T.randn(n), T.randn(n, dtype=T.float64)), seed)
    _same(lambda T: (T.randn(2, n), T.randn(3), T.randn(n, dtype=T.float64), T.rand(2)), seed)
    _same(lambda T: (T.rand(size=(2, n)), T.randn(size=[n]), T.randn((3, 1))), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_in_place_uniform_normal(seed: int) -> None:
    for dt in ("float32", "float64"):
        _same(lambda T: T.empty(37, dtype=getattr(T, dt)).uniform_(-2.5, 3.7), seed)
        _same(lambda T: T.zeros(4, 9, dtype=getattr(T, dt)).normal_(1.5, 0.3), seed)
        _same(lambda T: T.zeros(5, dtype=getattr(T, dt)).normal_(-1.0, 2.0), seed)
        _same(lambda T: T.zeros(20, 3, dtype=getattr(T, dt)).t().normal_(), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_randperm_random_(seed: int) -> None:
    for lo, hi in [(0, 10), (-5, 7), (3, 2**33), (-(2**40), 2**40)]:
        _same(lambda T: T.randint(lo, hi, (50,)), seed)
    _same(lambda T: T.randint(5, (3, 4), dtype=T.float32), seed)
    for n in [0, 1, 2, 10, 300]:
        _same(lambda T: T.randperm(n), seed)
    for dt in ("int64", "int32", "int16", "int8", "uint8", "bool", "float32", "float64"):
        _same(lambda T: T.empty(30, dtype=getattr(T, dt)).random_(), seed)
    _same(lambda T: T.empty(30, dtype=T.float64).random_(3, 17), seed)
    _same(lambda T: T.empty(30, dtype=T.int64).random_(17), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dt", ["float16", "bfloat16"])
def test_half_types(seed: int, dt: str) -> None:
    def draws(T: Any) -> tuple[Any, ...]:
        d = getattr(T, dt)
        return tuple(
            x.float()
            for x in (
                T.rand(50, dtype=d),
                T.empty(300, dtype=d).uniform_(-0.3, 1.7),
                T.randn(7, dtype=d),
                T.randn(100, dtype=d),
                T.empty(37, dtype=d).normal_(0.3, 1.7),
                T.empty(300, dtype=d).exponential_(0.7),
                T.empty(30, dtype=d).random_(),
            )
        )

    _same(draws, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_views_fill_in_memory_order(seed: int) -> None:
    def draws(T: Any) -> tuple[Any, ...]:
        a, b, c = T.zeros(4, 5), T.zeros(4, 6, dtype=T.float64), T.zeros(2, 3, 4)
        a.t().uniform_(-1, 1)
        b[:, ::2].normal_()
        c.permute(2, 0, 1).exponential_()
        d = T.zeros(40, 3).t().normal_(1.0, 2.0)
        return a, b, c, d

    _same(draws, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_complex(seed: int) -> None:
    def draws(T: Any) -> tuple[Any, ...]:
        return (
            T.empty(20, dtype=T.complex64).normal_(2, 3),
            T.randn(5, dtype=T.complex64),
            T.rand(4, dtype=T.complex128),
            T.randn(17, dtype=T.complex128),
            T.randn_like(T.zeros(3, dtype=T.complex64)),
        )

    _same(draws, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_other_distributions(seed: int) -> None:
    for dt in ("float32", "float64"):
        _same(lambda T: T.empty(40, dtype=getattr(T, dt)).bernoulli_(0.3), seed)
        _same(lambda T: T.empty(40, dtype=getattr(T, dt)).exponential_(2.0), seed)
        _same(lambda T: T.empty(40, dtype=getattr(T, dt)).cauchy_(0.1, 3.0), seed)
        _same(lambda T: T.empty(40, dtype=getattr(T, dt)).geometric_(0.3), seed)
        _same(lambda T: T.empty(5, dtype=getattr(T, dt)).log_normal_(0.5, 2.0), seed)
        _same(lambda T: T.bernoulli(T.tensor(np.linspace(0, 1, 40)).to(getattr(T, dt))), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_normal_forms_and_likes(seed: int) -> None:
    def forms(T: Any) -> tuple[Any, ...]:
        mean = T.arange(20.0)
        std = T.tensor(np.linspace(0.5, 2, 20, dtype=np.float32))
        return (
            T.normal(mean, std),
            T.normal(mean, 0.3),
            T.normal(1.0, std),
            T.normal(1.0, 3.0, (20,)),
            T.normal(mean.double(), 1.0),
        )

    _same(forms, seed)
    x = np.zeros((3, 7), np.float32)
    _same(lambda T: (T.rand_like(T.tensor(x)), T.randn_like(T.tensor(x).double())), seed)
    _same(lambda T: T.randint_like(T.tensor(x), 3, 9), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial(seed: int) -> None:
    w = np.array([[0.1, 2.0, 0.0, 1.0, 3.0], [1.0, 1.0, 1.0, 1.0, 1.0]], np.float32)
    _same(lambda T: T.multinomial(T.tensor(w), 3), seed)
    _same(lambda T: T.multinomial(T.tensor(w), 1), seed)
    _same(lambda T: T.multinomial(T.tensor(w).double(), 8, replacement=True), seed)
    _same(lambda T: T.multinomial(T.tensor(w[0]), 6, replacement=True), seed)


def test_generator_keyword_and_state_layout() -> None:
    torch = pytest.importorskip("torch")
    g, h = torch.Generator().manual_seed(5), tt.Generator().manual_seed(5)
    np.testing.assert_array_equal(g.get_state().numpy(), h.get_state().numpy())
    for k in (1, 624, 700):
        torch.rand(k, generator=g), tt.rand(k, generator=h)
        np.testing.assert_array_equal(g.get_state().numpy(), h.get_state().numpy())
    torch.randn(3, generator=g, dtype=torch.float64)
    tt.randn(3, generator=h, dtype=tt.float64)
    np.testing.assert_array_equal(g.get_state().numpy(), h.get_state().numpy())
    h.set_state(tt.tensor(g.get_state().numpy()))
    np.testing.assert_array_equal(
        torch.randn(9, generator=g).numpy(), tt.randn(9, generator=h).numpy()
    )
    assert torch.Generator().initial_seed() == tt.Generator().initial_seed()


def test_state_round_trip_and_seeds() -> None:
    tt.manual_seed(-1)
    assert tt.initial_seed() == 2**64 - 1  # PyTorch keeps the seed as an unsigned 64-bit
    with pytest.raises(ValueError, match="Overflow"):
        tt.manual_seed(2**64)
    g = tt.manual_seed(3)
    assert g is tt.default_generator and tt.initial_seed() == 3
    state = tt.get_rng_state()
    assert state.dtype == tt.uint8 and state.shape == (5056,)
    a = tt.randn(3)  # leaves a cached normal in the state
    mid = tt.get_rng_state()
    b = tt.randn(5)
    tt.set_rng_state(mid)
    assert tt.equal(tt.randn(5), b)
    tt.set_rng_state(state)
    assert tt.equal(tt.randn(3), a)
    s = tt.seed()
    assert tt.initial_seed() == s
    with tt.random.fork_rng():
        tt.rand(4)
    tt.manual_seed(s)
    c = tt.rand(2)
    tt.manual_seed(s)
    with tt.random.fork_rng():
        tt.rand(4)
    assert tt.equal(tt.rand(2), c)


def test_bad_generator_and_state() -> None:
    with pytest.raises(TypeError, match=r"torch\.Generator"):
        tt.rand(2, generator=3)  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="RNG state size"):
        tt.set_rng_state(tt.zeros(10, dtype=tt.uint8))
    with pytest.raises(TypeError, match=r"RNG state must be a torch\.ByteTensor"):
        tt.set_rng_state(tt.zeros(5056))
    with pytest.raises(RuntimeError, match="from=5 >= to=5"):
        tt.randint(5, 5, (2,))


def test_linear_init_is_pytorchs() -> None:
    # PyTorch 2.13.0: torch.manual_seed(0); lin = torch.nn.Linear(3, 2)
    tt.manual_seed(0)
    lin = tt.nn.Linear(3, 2)
    weight = [
        [-0.004322517663240433, 0.3097158372402191, -0.4751853346824646],
        [-0.4248946011066437, -0.2223689705133438, 0.15482072532176971],
    ]
    np.testing.assert_array_equal(lin.weight.detach().numpy(), np.array(weight, np.float32))
    bias = [-0.011439144611358643, 0.45777493715286255]
    np.testing.assert_array_equal(lin.bias.detach().numpy(), np.array(bias, np.float32))
    tt.manual_seed(0)
    assert tt.randn(2, dtype=tt.float64).tolist() == [1.5409961082440433, -0.2934289057609464]


def test_fused_multiply_add_rounds_once() -> None:
    from tracegrad.torch._random_math import fma32, fma64

    # (1 + 2**-12)**2 = 1 + 2**-11 + 2**-24 is halfway between two floats: a tiny addend
    # decides the rounding of a fused multiply-add, which two roundings would lose.
    a = np.float32(1 + 2**-12)
    up, down = fma32(a, a, np.float32(2**-100)), fma32(a, a, np.float32(-(2**-100)))
    assert up == np.float32(1 + 2**-11 + 2**-23) and down == np.float32(1 + 2**-11)
    x = 1 + 2**-30  # x * x = 1 + 2**-29 + 2**-60: the last term is lost by a plain product
    assert fma64(x, x, -1.0) == 2**-29 + 2**-60


BAD_CALLS: list[Callable[[Any], Any]] = [
    lambda T: T.zeros(3).normal_(0, -1),
    lambda T: T.zeros(3).uniform_(3, 2),
    lambda T: T.zeros(3).exponential_(0),
    lambda T: T.zeros(3).geometric_(1.5),
    lambda T: T.zeros(3).bernoulli_(1.5),
    lambda T: T.bernoulli(T.tensor([1.5])),
    lambda T: T.zeros(3).cauchy_(0, -1),
    lambda T: T.zeros(3).log_normal_(0, -1),
    lambda T: T.normal(T.zeros(2), -1.0),
    lambda T: T.multinomial(T.tensor([1.0, -1.0]), 1),
    lambda T: T.multinomial(T.tensor([0.0, 0.0]), 1),
    lambda T: T.multinomial(T.tensor([1.0, 1.0]), 3),
    lambda T: T.multinomial(T.ones(2, 2, 2), 1),
    lambda T: T.multinomial(T.tensor([1, 2]), 1),
    lambda T: T.zeros(3, dtype=T.int64).random_(5, 3),
    lambda T: T.zeros(3, dtype=T.int64).normal_(),
    lambda T: T.zeros(3, dtype=T.int64).uniform_(),
    lambda T: T.zeros(3, dtype=T.int64).exponential_(),
    lambda T: T.zeros(3, dtype=T.int64).cauchy_(),
    lambda T: T.zeros(3, dtype=T.int64).log_normal_(),
    lambda T: T.zeros(3, requires_grad=True).uniform_(),
    lambda T: T.rand(2, dtype=T.int64),
    lambda T: T.randn(2, dtype=T.int32),
    lambda T: T.randn_like(T.zeros(2, dtype=T.int64)),
]


@pytest.mark.parametrize("index", range(len(BAD_CALLS)))
def test_bad_input_raises_as_pytorch(index: int) -> None:
    torch = pytest.importorskip("torch")
    call = BAD_CALLS[index]
    with pytest.raises(Exception) as want:
        call(torch)
    with pytest.raises(Exception) as got:
        call(tt)
    assert type(got.value) is type(want.value)
    assert str(got.value).splitlines()[0] == str(want.value).splitlines()[0]


def test_draws_in_the_graph_as_pytorch() -> None:
    torch = pytest.importorskip("torch")

    def run(T: Any) -> list[Any]:
        T.manual_seed(0)
        out: list[Any] = []
        draws: list[Callable[[Any], Any]] = [
            lambda y: y.uniform_(),
            lambda y: y.normal_(),
            lambda y: y.random_(),
            lambda y: y.random_(3),
            lambda y: y.random_(1, 3),
            lambda y: y.bernoulli_(0.5),
            lambda y: y.bernoulli_(T.full((3,), 0.5)),
            lambda y: y.exponential_(),
            lambda y: y.cauchy_(),
            lambda y: y.log_normal_(),
            lambda y: y.geometric_(0.5),
            lambda y: y[:2].normal_(),
        ]
        for draw in draws:
            x = T.ones(3, requires_grad=True)
            y = x * 2
            draw(y)
            (y * y).sum().backward()
            out += [type(y.grad_fn).__name__, x.grad.numpy(), y.detach().numpy()]
        m = T.tensor([0.5, 1.5], requires_grad=True)
        s = T.tensor([2.0, 3.0], requires_grad=True)
        for z in (T.normal(m, 1.5), T.normal(0.5, s), T.normal(m, s), T.bernoulli(m / 2)):
            z.sum().backward()
            out.append(type(z.grad_fn).__name__)
        out += [m.grad.numpy(), s.grad.numpy()]
        return out

    want, got = run(torch), run(tt)
    assert len(want) == len(got)
    for w, g in zip(want, got, strict=True):
        if isinstance(w, str):
            assert g == w
        else:
            np.testing.assert_array_equal(g, w)


def test_uniform_never_returns_high() -> None:
    # Seed 2's draw number 12675698 has all 24 low bits set: u = 1 - 2**-24, and
    # 1 + u * (2 - 1) rounds to 2.0 in float32. PyTorch 2.13 returns `from` (1.0) then.
    g = tt.Generator().manual_seed(2)
    g.random32(12675698)
    state = g.get_state()
    assert tt.empty(1).uniform_(1, 2, generator=tt.Generator().set_state(state)).item() == 1.0
    torch = pytest.importorskip("torch")
    for low, high in [(1, 2), (3, 4), (0, 3)]:
        want = torch.empty(1).uniform_(
            low, high, generator=torch.Generator().set_state(torch.tensor(state.numpy()))
        )
        got = tt.empty(1).uniform_(low, high, generator=tt.Generator().set_state(state))
        assert got.item() == want.item()
    # the half types compare with `high` rounded to the dtype
    _same(lambda T: T.empty(50000, dtype=T.float16).uniform_(0, 1.6995).float(), 0)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty", "rand", "randn"])
def test_size_keyword(name: str) -> None:
    """``torch.zeros(size=(2, 3))`` is the same call as ``torch.zeros(2, 3)``."""
    assert tuple(getattr(tt, name)(size=(2, 3)).shape) == (2, 3)
    assert tuple(getattr(tt, name)(size=[4]).shape) == (4,)
