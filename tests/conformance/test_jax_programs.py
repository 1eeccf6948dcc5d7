"""Whole JAX programs, unchanged but for their imports, print on tracegrad what they print
on JAX (tests/conformance/programs/*.py, written against JAX's API; docs/porting_jax.md)."""

from __future__ import annotations

import os
import pathlib
import re
import subprocess
import sys

import pytest

import tracegrad

PROGRAMS = sorted(
    p for p in (pathlib.Path(__file__).parent / "programs").glob("*.py") if p.name != "conftest.py"
)

# The only change a user makes: import tracegrad under JAX's names.
IMPORTS = [
    (r"^import jax\.numpy as jnp$", "import tracegrad.numpy as jnp"),
    (r"^import jax$", "import tracegrad as jax"),
    (r"^from jax\.(\S+) import", r"from tracegrad.\1 import"),
    (r"^from jax import", "from tracegrad import"),
]


def ported(source: str) -> str:
    for pattern, replacement in IMPORTS:
        source = re.sub(pattern, replacement, source, flags=re.MULTILINE)
    return source


def run(source: str) -> str:
    src_root = str(pathlib.Path(tracegrad.__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([src_root, os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-c", source], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_port_changes_only_imports() -> None:
    for path in PROGRAMS:
        original, port = path.read_text().splitlines(), ported(path.read_text()).splitlines()
        changed = [a for a, b in zip(original, port, strict=True) if a != b]
        assert changed and all(line.startswith(("import jax", "from jax")) for line in changed)


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_prints_what_jax_prints(path: pathlib.Path) -> None:
    pytest.importorskip("jax")
    source = path.read_text()
    assert run(ported(source)) == run(source)
