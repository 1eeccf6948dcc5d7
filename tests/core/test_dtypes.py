"""dtype rules, and bfloat16: real bfloat16 with ml_dtypes, a clear error without it, and
never another dtype standing in for it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tracegrad
from tracegrad.core import dtypes

# Runs in a fresh interpreter in which ml_dtypes cannot be imported, installed or not.
WITHOUT_ML_DTYPES = textwrap.dedent(
    """
    import sys
    sys.modules["ml_dtypes"] = None  # any import of ml_dtypes now fails

    import numpy as np
    import tracegrad as tg
    import tracegrad.numpy as tnp
    import tracegrad.torch as torch
    from tracegrad.errors import MissingExtraError

    # float32 is float32: no dtype stands in for bfloat16.
    x = torch.tensor([[2, 4, 6], [2, 7, 9]], dtype=torch.float, requires_grad=True)
    assert x.dtype is torch.float32, x.dtype
    assert repr(x * 1) == (
        "tensor([[2., 4., 6.],\\n        [2., 7., 9.]], grad_fn=<MulBackward0>)"
    ), repr(x * 1)
    assert torch.tensor(4.0).dtype is torch.float32
    assert repr(torch.bfloat16) == "torch.bfloat16" and torch.bfloat16.itemsize == 2
    assert torch.promote_types(torch.bfloat16, torch.float16) is torch.float32

    def raises_naming_the_extra(fn, error=MissingExtraError):
        try:
            fn()
        except error as e:
            assert "ml_dtypes" in str(e) and "pip install 'tracegrad[bfloat16]'" in str(e), e
            return
        raise AssertionError(f"no {error.__name__} from {fn}")

    raises_naming_the_extra(lambda: torch.tensor([1.0], dtype=torch.bfloat16))
    raises_naming_the_extra(lambda: torch.zeros(2, dtype=torch.bfloat16))
    raises_naming_the_extra(lambda: torch.ones(2).to(torch.bfloat16))
    raises_naming_the_extra(lambda: torch.ones(2).bfloat16())
    raises_naming_the_extra(lambda: tnp.bfloat16, AttributeError)
    raises_naming_the_extra(lambda: tnp.astype(np.ones(2), "bfloat16"))
    raises_naming_the_extra(lambda: tnp.zeros(2, "bfloat16"))
    raises_naming_the_extra(lambda: tnp.asarray([1.0], dtype="bfloat16"))
    raises_naming_the_extra(lambda: tg.jit(lambda a: a.astype("bfloat16"))(np.ones(2)))
    raises_naming_the_extra(lambda: tg.grad(lambda a: tnp.sum(tnp.astype(a, "bfloat16")))(1.0))
    assert isinstance(MissingExtraError("x"), ImportError)
    assert not hasattr(tnp, "bfloat16")
    assert "ml_dtypes" not in sys.modules or sys.modules["ml_dtypes"] is None
    print("ok")
    """
)


def run_fresh(source: str) -> subprocess.CompletedProcess[str]:
    """Run ``source`` in a fresh interpreter that imports this same tracegrad."""
    src_root = str(Path(tracegrad.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src_root, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, env=env, timeout=120
    )


def test_without_ml_dtypes_bfloat16_raises_and_float32_is_float32() -> None:
    done = run_fresh(WITHOUT_ML_DTYPES)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_import_does_not_import_ml_dtypes() -> None:
    done = run_fresh(
        "import sys, tracegrad, tracegrad.numpy, tracegrad.torch\nprint('ml_dtypes' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_is_bfloat16_needs_no_import() -> None:
    assert not dtypes.is_bfloat16(np.dtype(np.float32))
    assert not dtypes.is_bfloat16(np.dtype("V2"))
    assert dtypes.is_float(np.dtype(np.float16)) and not dtypes.is_float(np.dtype(np.int32))


def test_canonical_dtype_passes_numpy_errors_through() -> None:
    assert dtypes.canonical_dtype("float32") == np.dtype(np.float32)
    with pytest.raises(TypeError, match="float128x"):
        dtypes.canonical_dtype("float128x")
    assert not dtypes.loaded_bfloat16_for(TypeError("data type 'float128x' not understood"))


# ---- with ml_dtypes: real bfloat16, as JAX computes it -----------------------------------


def _bfloat16_program(jax: object, jnp: object) -> list[object]:
    """Results as (dtype name, float64 values) for one program written against JAX's API."""
    x = jnp.asarray(np.array([1.5, 2.25, 3.0]), dtype=jnp.bfloat16)  # type: ignore[attr-defined]
    outs = [
        x * 2.0,
        x + np.float32(1),
        x + np.ones(3, np.float32),
        x + np.ones(3, np.float16),
        jnp.sin(x),  # type: ignore[attr-defined]
        jax.grad(lambda v: jnp.sum(v * v))(x),  # type: ignore[attr-defined]
        jax.jit(lambda v: v * v)(x),  # type: ignore[attr-defined]
        jax.vmap(lambda v: v * 3)(x),  # type: ignore[attr-defined]
        jnp.sum(x),  # type: ignore[attr-defined]
        jnp.astype(x, "float32"),  # type: ignore[attr-defined]
        jnp.zeros(2, "bfloat16"),  # type: ignore[attr-defined]
    ]
    return [(np.asarray(o).dtype.name, np.asarray(o, np.float64).tolist()) for o in outs]


def test_bfloat16_with_ml_dtypes_matches_jax() -> None:
    ml_dtypes = pytest.importorskip("ml_dtypes")
    jax = pytest.importorskip("jax")
    import jax.numpy as jnp

    import tracegrad.numpy as tnp

    assert tnp.bfloat16 is ml_dtypes.bfloat16
    assert dtypes.bfloat16() == np.dtype(ml_dtypes.bfloat16)
    assert dtypes.is_inexact(dtypes.bfloat16()) and dtypes.is_bfloat16(dtypes.bfloat16())
    jax.config.update("jax_enable_x64", True)  # as the whole conformance suite runs JAX
    theirs = _bfloat16_program(jax, jnp)
    ours = _bfloat16_program(tracegrad, tnp)
    assert ours == theirs
