"""Whole PyTorch programs, unchanged but for their imports, print on tracegrad.torch what
they print on PyTorch (tests/conformance/torch_programs/*.py, written against PyTorch's API
in the style of its autograd tutorial and "Learning PyTorch with Examples";
docs/torch_shim.md, "Porting a PyTorch script")."""

from __future__ import annotations

import pathlib
import re

import pytest

from conformance.test_jax_programs import run

PROGRAMS = sorted(
    p
    for p in (pathlib.Path(__file__).parent / "torch_programs").glob("*.py")
    if p.name != "conftest.py"
)

# The only change a user makes: import tracegrad.torch under PyTorch's names.
IMPORTS = [
    (r"^import torch(\.[\w.]+)? as (\w+)$", r"import tracegrad.torch\1 as \2"),
    (r"^import torch$", "import tracegrad.torch as torch"),
    (r"^from torch(\.[\w.]+)? import", r"from tracegrad.torch\1 import"),
]


def ported(source: str) -> str:
    for pattern, replacement in IMPORTS:
        source = re.sub(pattern, replacement, source, flags=re.MULTILINE)
    return source


def test_the_port_changes_only_imports() -> None:
    for path in PROGRAMS:
        original, port = path.read_text().splitlines(), ported(path.read_text()).splitlines()
        changed = [a for a, b in zip(original, port, strict=True) if a != b]
        assert changed and all(line.startswith(("import torch", "from torch")) for line in changed)
        assert "import torch" not in "\n".join(port)


@pytest.mark.parametrize("path", PROGRAMS, ids=[p.stem for p in PROGRAMS])
def test_prints_what_pytorch_prints(path: pathlib.Path) -> None:
    pytest.importorskip("torch")
    source = path.read_text()
    assert run(ported(source)) == run(source)
