"""Keys without JAX: known answers computed once with jax 0.10.2 (x64, its default
threefry2x32 with jax_threefry_partitionable=True) and written down here."""

from __future__ import annotations

import numpy as np
import pytest

import tracegrad as tg
import tracegrad.random as tr


def test_known_answers_from_jax():
    k = tr.PRNGKey(0)
    assert tr.split(k).tolist() == [[1797259609, 2579123966], [928981903, 3453687069]]
    assert tr.fold_in(k, 1).tolist() == [928981903, 3453687069]
    assert tr.bits(k, (3,), np.uint32).tolist() == [4070199207, 4202968722, 1427181096]
    assert tr.bits(tr.PRNGKey(42), (2,)).tolist() == [7871734211187709741, 276886910877598708]
    assert tr.split(tr.PRNGKey(2**40 + 3)).tolist() == [
        [1903400153, 3090744579],
        [1898048313, 2094402391],
    ]
    assert tr.randint(k, (5,), 0, 10).tolist() == [5, 1, 5, 7, 3]
    big = [455610868090, 205601139086, 30709473070, 999687430564]
    assert tr.randint(k, (4,), -5, 2**40 + 7).tolist() == big
    assert tr.permutation(k, 5).tolist() == [0, 1, 4, 3, 2]
    u = tr.uniform(k, (3,), np.float32)
    assert u.tolist() == np.array([0.947667, 0.9785799, 0.33229148], np.float32).tolist()
    assert tr.key_data(tr.fold_in(tr.key(7), 2**31)).tolist() == [2844531661, 3596575356]


@pytest.mark.parametrize(
    ("seed", "words"),
    [
        (0, [0, 0]),
        (-1, [2**32 - 1, 2**32 - 1]),
        (2**32 + 5, [1, 5]),
        (np.int32(-1), [0, 2**32 - 1]),
    ],
)
def test_seeds_as_jax_x64(seed: object, words: list[int]):
    assert tr.PRNGKey(seed).tolist() == words


def test_seed_errors():
    with pytest.raises(TypeError, match="scalar seed"):
        tr.PRNGKey(np.arange(2))
    with pytest.raises(TypeError, match="must be an integer"):
        tr.PRNGKey(1.5)
    with pytest.raises(OverflowError):
        tr.PRNGKey(2**64)


def test_typed_keys_round_trip_and_stay_typed():
    k = tr.key(3)
    assert k.shape == () and str(k.dtype) == "key<fry>"
    data = tr.key_data(k)
    assert np.array_equal(data, tr.PRNGKey(3))
    assert np.array_equal(tr.key_data(tr.wrap_key_data(data)), data)
    ks = tr.split(k, (2, 3))
    assert isinstance(ks, tr.PRNGKeyArray) and ks.shape == (2, 3)
    assert np.array_equal(tr.key_data(ks), tr.split(tr.PRNGKey(3), (2, 3)))
    assert np.array_equal(tr.normal(ks[1, 2], (2,)), tr.normal(tr.split(data, (2, 3))[1, 2], (2,)))
    assert [kk.shape for kk in ks[0]] == [(), (), ()]
    assert isinstance(tg.jit(tr.split)(k), tr.PRNGKeyArray)


def test_key_errors_are_jaxs():
    with pytest.raises(ValueError, match="accepts a single key"):
        tr.normal(tr.split(tr.PRNGKey(0)))
    with pytest.raises(TypeError, match="invalid PRNG key"):
        tr.uniform(np.zeros(2, np.int32))
    with pytest.raises(TypeError, match="fold_in accepts a scalar"):
        tr.fold_in(tr.PRNGKey(0), np.arange(2))
    with pytest.raises(ValueError, match="must be a float dtype"):
        tr.uniform(tr.PRNGKey(0), dtype=np.int32)
    with pytest.raises(ValueError, match="Cannot take a larger sample"):
        tr.choice(tr.PRNGKey(0), 3, (4,), replace=False)


def test_defaults_are_64_bit():
    k = tr.PRNGKey(0)
    assert tr.uniform(k).dtype == np.float64 and tr.normal(k, (2,)).dtype == np.float64
    assert tr.randint(k, (2,), 0, 5).dtype == np.int64 and tr.bits(k).dtype == np.uint64
    assert tr.poisson(k, 3.0).dtype == np.int64


def test_typed_keys_as_jax_has_them():
    import tracegrad.numpy as tnp

    k = tr.key(0)
    ks = tr.split(k, 3)
    assert str(k.dtype) == "key<fry>" and k.dtype.itemsize == 8
    assert tnp.issubdtype(k.dtype, tg.dtypes.prng_key)
    assert tg.dtypes.issubdtype(k.dtype, tg.dtypes.extended)
    assert not tnp.issubdtype(k.dtype, np.integer)
    assert not tnp.issubdtype(np.float32, tg.dtypes.prng_key)
    assert tnp.issubdtype(np.float32, np.floating)
    with pytest.raises(TypeError, match="Cannot interpret"):
        np.dtype(k.dtype)  # not a NumPy dtype, as in JAX
    assert tr.key_impl(k) == tr.key_impl(tr.PRNGKey(0)) == "threefry2x32"
    assert tr.clone(k) is k
    assert ks[..., 1].shape == () and ks[None].shape == (1, 3) and ks.T.shape == (3,)
    assert tr.split(k, (2, 3)).T.shape == (3, 2)
    assert np.array_equal(tr.key_data(ks[..., 1]), tr.key_data(ks[1]))
    assert bool(tr.key(0) == tr.key(0)) and not bool(tr.key(0) != tr.key(0))
    assert (ks == tr.split(k, 3)).tolist() == [True] * 3
    assert (ks != ks[0]).tolist() == [False, True, True]
    with pytest.raises(TypeError):
        hash(k)


def test_typed_keys_through_transformations():
    ks = tr.split(tr.key(1), 4)
    per_key = np.stack([tr.normal(k, (2,)) for k in ks])
    np.testing.assert_array_equal(tg.vmap(lambda k: tr.normal(k, (2,)))(ks), per_key)
    out = tg.jit(lambda k: tr.split(k))(ks[0])
    assert isinstance(out, tr.PRNGKeyArray) and out.shape == (2,)

    def step(carry: tr.PRNGKeyArray, _: None) -> tuple[tr.PRNGKeyArray, object]:
        carry, sub = tr.split(carry)
        return carry, tr.uniform(sub)

    final, draws = tg.lax.scan(step, ks[0], None, length=3)
    assert isinstance(final, tr.PRNGKeyArray) and draws.shape == (3,)


def test_leading_zeros_of_gumbel_highest():
    from tracegrad.random.continuous import _leading_zeros_64

    x = np.array([0, 1, 2**40 + 5, 2**63, 2**64 - 1], np.uint64)
    zeros, shifted = _leading_zeros_64(x)
    assert zeros.tolist() == [64, 63, 23, 0, 0]
    assert shifted.tolist() == [0, 2**63, (2**40 + 5) * 2**23, 2**63, 2**64 - 1]
