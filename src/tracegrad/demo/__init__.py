"""The demo behind ``python -m tracegrad``: a short, real tour of what tracegrad does.

Each section is a function ``section(args, out) -> bool`` (True: it worked) listed in
``SECTIONS``; ``main`` runs them in order. A section that raises has failed too: its
traceback goes to stderr and the next section still runs.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from typing import TextIO

import numpy as np

import tracegrad as tg
from tracegrad.demo import iris, torch_examples

Section = Callable[[argparse.Namespace, TextIO], bool]


def iris_section(args: argparse.Namespace, out: TextIO) -> bool:
    """Train softmax regression on Iris; True when it beat chance on the test rows."""
    history = iris.run(epochs=args.epochs, seed=args.seed, show_ir=not args.no_ir, out=out)
    return history.test_acc[-1] > 1 / 3 and history.losses[-1] < history.losses[0]


def torch_section(args: argparse.Namespace, out: TextIO) -> bool:
    """SPEC section 8's ``Tensor.backward`` examples; True when they print as PyTorch does."""
    return torch_examples.torch_section(out)


# Later sections join this list.
SECTIONS: list[tuple[str, Section]] = [
    ("Training a model on data shipped with tracegrad", iris_section),
    ("Tensor.backward with PyTorch's semantics (tracegrad.torch)", torch_section),
]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The demo's command line.

    >>> parse_args(["--quick"]).epochs
    5
    """
    parser = argparse.ArgumentParser(
        prog="python -m tracegrad",
        description="tracegrad demo: trains a small model on data that ships with the "
        "package and prints the IR of one training step.",
    )
    parser.add_argument(
        "--epochs", type=int, default=None, help="training epochs (default 20; 5 with --quick)"
    )
    parser.add_argument("--quick", action="store_true", help="a short run, for tests")
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the split, the initial weights and the batch order",
    )
    parser.add_argument("--no-ir", action="store_true", help="do not print the IR")
    args = parser.parse_args(argv)
    if args.epochs is None:
        args.epochs = 5 if args.quick else 20
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    return args


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Run every demo section; 0 when all of them worked."""
    args = parse_args(argv)
    out = sys.stdout if out is None else out
    print(f"tracegrad {tg.__version__} on NumPy {np.__version__}", file=out)
    start = time.perf_counter()
    failed = []
    for number, (title, section) in enumerate(SECTIONS, start=1):
        print(f"\n== {number}. {title} ==\n", file=out)
        try:
            worked = section(args, out)
        except Exception:  # the demo reports a broken section and goes on with the next
            out.flush()
            traceback.print_exc()
            print(f"Section {number} raised (traceback on stderr).", file=out)
            worked = False
        if not worked:
            failed.append(f"{number}. {title}")
    print(f"\nDone in {time.perf_counter() - start:.1f} s.", file=out)
    if failed:
        print(f"Sections that did not work: {', '.join(failed)}.", file=out)
        return 1
    return 0
