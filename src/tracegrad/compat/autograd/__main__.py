"""``python -m tracegrad.compat.autograd script.py [args]``: run an autograd script on
tracegrad.

For that run, ``import autograd`` and every ``autograd.<module>`` resolve to
``tracegrad.compat.autograd.<module>`` (a meta-path finder); then ``script.py`` runs as
``__main__`` with ``sys.argv = [script.py, args...]``, as ``python script.py args`` would.
"""

from __future__ import annotations

import sys

from tracegrad.compat.autograd._runner import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
