"""The public surface (docs/architecture.md, "The public surface"): every name a public
module lists in ``__all__`` resolves, no public module star-imports a private one, and
``tracegrad.numpy`` keeps every name it had."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import tracegrad
import tracegrad.numpy as tnp

SRC = Path(tracegrad.__file__).parent


def _is_private(dotted: str) -> bool:
    return any(part.startswith("_") for part in dotted.split("."))


def _public_modules() -> list[str]:
    names = ["tracegrad"]
    for info in pkgutil.walk_packages([str(SRC)], prefix="tracegrad."):
        if not _is_private(info.name):
            names.append(info.name)
    return sorted(names)


PUBLIC = _public_modules()


def _source(module: str) -> Path:
    path = SRC.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_public_modules_are_found() -> None:
    for name in ("tracegrad.numpy", "tracegrad.numpy.frontend", "tracegrad.torch", "tracegrad.lax"):
        assert name in PUBLIC
    assert not [m for m in PUBLIC if "._" in m]


@pytest.mark.parametrize("module", PUBLIC)
def test_every_name_in_all_resolves(module: str) -> None:
    mod = importlib.import_module(module)
    names = getattr(mod, "__all__", [])
    assert len(names) == len(set(names)), f"{module}.__all__ lists a name twice"
    missing = [name for name in names if not hasattr(mod, name)]
    assert not missing, f"{module}.__all__ names what it does not have: {missing}"


@pytest.mark.parametrize("module", PUBLIC)
def test_no_star_import_of_a_private_module(module: str) -> None:
    tree = ast.parse(_source(module).read_text())
    stars = [
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and node.module is not None
        and any(alias.name == "*" for alias in node.names)
        and _is_private(node.module)
    ]
    assert not stars, f"{module} star-imports private modules {stars}: re-export names explicitly"


# Names that `import *` and dir() used to show only because tracegrad.numpy imported them for
# its own use without an underscore; never part of NumPy's namespace.
_IMPORT_LEAKS = {"Any", "MissingExtraError", "TYPE_CHECKING", "bfloat16_dtype", "lazy_names"}


def test_numpy_lost_no_name() -> None:
    recorded = Path(__file__).parent / "numpy" / "public_names.txt"
    before = {
        line for line in recorded.read_text().splitlines() if line and not line.startswith("#")
    }
    assert len(before) > 400
    now = set(dir(tnp))
    assert sorted(before - now - _IMPORT_LEAKS) == []
    assert not _IMPORT_LEAKS & now


def test_numpy_all_is_its_public_namespace() -> None:
    public = {n for n in dir(tnp) if not n.startswith("_")} - {"frontend"}
    assert set(tnp.__all__) == public
    assert {"sum", "rot90", "r_", "pi", "ndarray", "fft", "linalg"} <= set(tnp.__all__)


def test_top_level_stop_gradient_is_the_pytree_one() -> None:
    assert tracegrad.stop_gradient is tracegrad.lax.stop_gradient
    grad = tracegrad.grad(lambda x: tracegrad.stop_gradient({"a": x})["a"] * x)(3.0)
    assert float(grad) == 3.0


def test_torch_all_is_what_it_imports() -> None:
    import tracegrad.torch as torch

    public = {n for n in vars(torch) if not n.startswith("_")}
    modules = {"autograd", "nn", "optim", "random"}
    assert modules <= set(torch.__all__) <= public
    assert {"clip", "concat", "swapaxes", "float", "Tensor", "no_grad"} <= set(torch.__all__)


def _recorded_all() -> dict[str, set[str]]:
    recorded: dict[str, set[str]] = {}
    path = Path(__file__).parent / "public_all_recorded.txt"
    for line in path.read_text().splitlines():
        if line and not line.startswith("#"):
            module, name = line.split()
            recorded.setdefault(module, set()).add(name)
    return recorded


RECORDED_ALL = _recorded_all()


@pytest.mark.parametrize("module", sorted(RECORDED_ALL))
def test_converted_module_keeps_its_all_and_builds_it(module: str) -> None:
    """random, core, scipy (special, linalg, stats, integrate, optimize, signal) and
    torch.nn.functional kept every name of the hand-written ``__all__`` they had (recorded
    before the change), list no new one (their helpers are bound under an underscore), and
    compute ``__all__`` from their imports."""
    mod = importlib.import_module(module)
    assert set(mod.__all__) == RECORDED_ALL[module]
    assert RECORDED_ALL[module] <= set(dir(mod))
    tree = ast.parse(_source(module).read_text())
    (built,) = [
        node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
    ]
    assert isinstance(built, ast.Call), f"{module}.__all__ is a hand-written list"


def test_the_recording_covers_the_converted_modules() -> None:
    assert {"tracegrad.random", "tracegrad.core", "tracegrad.scipy.special"} <= set(RECORDED_ALL)
    assert {"tracegrad.scipy.linalg", "tracegrad.scipy.stats", "tracegrad.scipy.stats.norm"} <= (
        set(RECORDED_ALL)
    )
    assert "tracegrad.torch.nn.functional" in RECORDED_ALL
    assert len(RECORDED_ALL) == 28
