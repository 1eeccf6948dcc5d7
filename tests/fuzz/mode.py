"""How many random programs the fuzz tests run: a few fixed seeds in CI, thousands in the
long mode, asked for with the environment variable ``TRACEGRAD_FUZZ=long``::

    TRACEGRAD_FUZZ=long TRACEGRAD_FUZZ_COUNT=2000 TRACEGRAD_FUZZ_START=1000 \\
        python -m pytest -q tests/fuzz

``TRACEGRAD_FUZZ_COUNT`` (default 1000) programs from seed ``TRACEGRAD_FUZZ_START``
(default 1000, past the CI seeds). A run reports every failing seed with its program, so
that a case can be replayed with ``TRACEGRAD_FUZZ_START=<seed> TRACEGRAD_FUZZ_COUNT=1``;
with ``pytest -s`` each failure is printed as soon as it is found.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable

from fuzz.programs import Program

CI_SEEDS = 25


def long_mode() -> bool:
    return os.environ.get("TRACEGRAD_FUZZ") == "long"


def max_steps() -> int:
    """Steps per program: longer programs in the long mode."""
    return 10 if long_mode() else 6


def seeds() -> range:
    """The seeds of this run: ``range(CI_SEEDS)``, or the long mode's range."""
    if not long_mode():
        return range(CI_SEEDS)
    start = int(os.environ.get("TRACEGRAD_FUZZ_START", "1000"))
    return range(start, start + int(os.environ.get("TRACEGRAD_FUZZ_COUNT", "1000")))


def run_all(make: Callable[[int], Program], check: Callable[[Program], None]) -> None:
    """``check`` every program of this run's seeds; fail once, listing every failing seed
    with its program and the first line of what went wrong."""
    failures = []
    for seed in seeds():
        program = make(seed)
        try:
            check(program)
        except Exception as e:  # every failing seed is reported, not only the first
            where = traceback.extract_tb(e.__traceback__)[-1]
            failures.append(
                f"--- seed {seed}: {type(e).__name__}: {str(e)[:800]}\n"
                f"    (at {where.filename}:{where.lineno})\n{program}"
            )
            if long_mode():  # seen at once with ``pytest -s``, should the run be cut short
                print(failures[-1], file=sys.stderr, flush=True)
    assert not failures, f"{len(failures)} of {len(seeds())} programs fail:\n" + "\n".join(failures)
