"""``torch.nn``: for now only ``torch.nn.functional``."""

import tracegrad.torch.nn.functional as functional

__all__ = ["functional"]
