"""What each import loads (docs/imports.md): the lazy parts stay out of ``sys.modules`` until
first use, and every public name still resolves. No timings here: see
benchmarks/bench_import.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tracegrad as tg


def modules_after(statement: str) -> set[str]:
    """The modules in ``sys.modules`` after ``statement`` runs in a fresh interpreter."""
    code = f"import sys\n{statement}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return set(out.split())


def loaded_under(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        m for m in modules if m in prefixes or m.startswith(tuple(p + "." for p in prefixes))
    )


LAZY_FOR_NUMPY = (
    "tracegrad.backend",
    "tracegrad.control",
    "tracegrad.transforms",
    "tracegrad.lax",
    "tracegrad.nn",
    "tracegrad.random",
    "tracegrad.scipy",
    "tracegrad.ops.special",
    "tracegrad.errors",
    "tracegrad.tree_util",
    "tracegrad.torch",
    "tracegrad.numpy.fft",
    "tracegrad.numpy.linalg",
    "tracegrad.ops.fft",
    "tracegrad.ops.linalg_decomp",
    "numpy.fft",
    "numpy.polynomial",
    "numpy.random",
    "fractions",
)

# Optional packages: none is imported by importing tracegrad, its numpy or its torch shim
# (ml_dtypes on the first request for bfloat16, SciPy when installed on the first float32
# factorisation in tg.random, which uses its single-precision LAPACK as JAX does; the
# others never by tracegrad itself).
OPTIONAL = ("ml_dtypes", "scipy", "jax", "torch", "autograd", "mpmath")


def test_import_tracegrad_numpy_leaves_lazy_parts_unloaded() -> None:
    modules = modules_after("import tracegrad, tracegrad.numpy")
    assert loaded_under(modules, LAZY_FOR_NUMPY) == []


def test_no_optional_package_is_imported() -> None:
    modules = modules_after("import tracegrad, tracegrad.numpy, tracegrad.torch")
    assert loaded_under(modules, OPTIONAL) == []


def test_first_use_loads_the_lazy_part() -> None:
    modules = modules_after("import tracegrad as tg\nassert callable(tg.grad)")
    assert "tracegrad.transforms.vjp" in modules
    assert loaded_under(modules, ("tracegrad.lax", "tracegrad.scipy")) == []


def test_plain_numpy_on_tracers_loads_the_lazy_submodules() -> None:
    # In a fresh interpreter, so that no other test has imported them already.
    modules_after(
        "import numpy as np, tracegrad as tg\n"
        "import tracegrad.numpy as tnp\n"
        "g = tg.grad(lambda x: np.fft.fft(x).real.sum() + np.linalg.inv(x).sum())\n"
        "assert np.allclose(g(np.eye(2)), [[1.0, -1.0], [1.0, -1.0]]), g(np.eye(2))\n"
        "assert 'fft' in dir(tnp) and tnp.fft.rfft is not None"
    )


@pytest.mark.parametrize("name", tg.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(tg, name) is not None
    assert name in dir(tg)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        tg.not_a_name  # type: ignore[attr-defined]
