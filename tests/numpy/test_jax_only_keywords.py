"""A ``tracegrad.numpy`` function whose eager calls go to NumPy still takes JAX's extra
keyword arguments eagerly (``bincount(length=)``, ``delete(assume_unique_indices=)``):
a JAX program that passes one must not meet NumPy's "unexpected keyword" ``TypeError``."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tracegrad.numpy as tnp

# Keywords NumPy's function lacks that tracegrad takes only to raise NumPy's error.
REFUSED = {"interpolation"}


def _jax_only_keywords(name: str) -> set[str]:
    f = getattr(tnp, name)
    numpy_fn = getattr(f, "__wrapped_numpy__", None)
    if numpy_fn is None or numpy_fn is not getattr(np, name, None):
        return set()  # the tracegrad implementation runs, or an adapter in front of NumPy
    try:
        ours = inspect.signature(f.__wrapped_traced__).parameters
        theirs = inspect.signature(numpy_fn).parameters
    except (TypeError, ValueError):  # a ufunc: no signature, and no extra keywords
        return set()
    named = {k for k, p in ours.items() if p.kind is not p.VAR_KEYWORD}
    return named - set(theirs) - REFUSED


def test_no_function_hands_a_jax_keyword_to_numpy() -> None:
    leaks = {name: kw for name in dir(tnp) if (kw := _jax_only_keywords(name))}
    assert leaks == {}


def test_bincount_length_and_delete_eagerly() -> None:
    x = np.array([0, 2, 2, 7])
    np.testing.assert_array_equal(tnp.bincount(x, length=4), [1, 0, 2, 0])
    np.testing.assert_array_equal(
        tnp.bincount(x, np.ones(4), length=9), np.bincount(x, minlength=9)
    )
    assert tnp.bincount(x, length=4).shape == (4,)
    out = tnp.delete(np.arange(5), np.array([1, 3]), assume_unique_indices=True)
    np.testing.assert_array_equal(out, [0, 2, 4])


def test_against_jax() -> None:
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    x = np.array([0, 2, 2, 7, 3])
    w = np.array([0.5, 1.0, 2.0, 3.0, 4.0])
    for length in (1, 4, 10):
        want = jax.numpy.bincount(x, w, length=length)
        np.testing.assert_array_equal(tnp.bincount(x, w, length=length), np.asarray(want))
    want = jax.numpy.delete(np.arange(6.0), np.array([0, 4]), assume_unique_indices=True)
    np.testing.assert_array_equal(
        tnp.delete(np.arange(6.0), np.array([0, 4]), assume_unique_indices=True), want
    )
