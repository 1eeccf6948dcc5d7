"""``python -m tracegrad``: the demo (see ``tracegrad.demo``)."""

from __future__ import annotations

if __name__ == "__main__":  # pytest's doctest collection imports this file: run nothing then
    import os
    import sys

    from tracegrad.demo import main

    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # Output piped into a reader that stopped early (`| head`): not an error. Point
        # stdout at devnull so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    raise SystemExit(code)
