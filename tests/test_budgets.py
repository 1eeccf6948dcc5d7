"""Line budgets (DESIGN.md, "Budgets"): no file in src/ or tests/ over 600 lines; split by
meaning before that (a block that leaves without an import cycle, as ops/stop_gradient.py
left ops/structural.py), tests by topic with the shared machinery in a module of its own
(conformance/differential.py, conformance/error_cases.py, harness.py)."""

from __future__ import annotations

import pathlib

TESTS = pathlib.Path(__file__).resolve().parent
SRC = TESTS.parent / "src"
LIMIT = 600


def too_long(root: pathlib.Path, limit: int = LIMIT) -> list[str]:
    """The Python files under ``root`` with more than ``limit`` lines, with their lengths."""
    out = []
    for path in sorted(root.rglob("*.py")):
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > limit:
            out.append(f"{path.relative_to(root)}: {n} lines")
    return out


def test_no_test_file_over_600_lines() -> None:
    assert len(list(TESTS.rglob("*.py"))) > 100
    offenders = too_long(TESTS)
    assert not offenders, f"split by topic (at most {LIMIT} lines each):\n" + "\n".join(offenders)


def test_no_source_file_over_600_lines() -> None:
    assert len(list(SRC.rglob("*.py"))) > 200
    offenders = too_long(SRC)
    assert not offenders, f"split by meaning (at most {LIMIT} lines each):\n" + "\n".join(offenders)


def test_the_budget_check_sees_a_long_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "test_long.py").write_text("x = 1\n" * (LIMIT + 1))
    (tmp_path / "test_short.py").write_text("x = 1\n" * LIMIT)
    assert too_long(tmp_path) == [f"test_long.py: {LIMIT + 1} lines"]
