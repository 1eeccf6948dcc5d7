"""Test configuration: hypothesis profiles (small and derandomized in CI), and optional
packages that skip cleanly where they are not installed."""

from __future__ import annotations

import importlib.util
import os
import sys

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=8,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "dev",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


# tests/ is on sys.path (see pyproject) and tests/torch mirrors src/tracegrad/torch: where
# PyTorch is not installed, `import torch` would find that folder as a namespace package.
# None in sys.modules makes the import fail, so pytest.importorskip("torch") skips.
_torch_spec = importlib.util.find_spec("torch")
if _torch_spec is None or _torch_spec.origin is None:
    sys.modules["torch"] = None  # type: ignore[assignment]

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _doctest_namespace(doctest_namespace: dict[str, object]) -> None:
    """Doctests may use ``np`` without importing it."""
    doctest_namespace["np"] = np


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A module's doctests that need an optional package name it in the module's
    ``__doctest_requires__``; they skip where it is not installed."""
    dtest = getattr(item, "dtest", None)
    for name in getattr(dtest, "globs", {}).get("__doctest_requires__", ()):
        pytest.importorskip(name)
