"""``tracegrad.numpy`` against ``dir(jax.numpy)``: every public name of JAX's is there, or is
one of the documented omissions (docs/porting_jax.md says why for each)."""

from __future__ import annotations

import pathlib

import tracegrad.numpy as tnp
from conformance.peers import jnp

# The names left out on purpose; docs/porting_jax.md, "Names of `jax.numpy`", says why.
OMITTED = {"frompyfunc"}
DOCS = pathlib.Path(__file__).resolve().parents[2] / "docs" / "porting_jax.md"


def missing_names() -> list[str]:
    return [n for n in dir(jnp) if not n.startswith("_") and not hasattr(tnp, n)]


def test_every_jax_numpy_name_is_there_or_documented() -> None:
    missing = missing_names()
    print(f"names of jax.numpy missing from tracegrad.numpy ({len(missing)}): {missing}")
    assert set(missing) <= OMITTED, sorted(set(missing) - OMITTED)


def test_the_omissions_are_documented() -> None:
    text = DOCS.read_text()
    assert all(f"`{name}`" in text for name in OMITTED)
