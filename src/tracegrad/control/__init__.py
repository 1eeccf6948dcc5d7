"""Primitives that carry inner IR: ``cond``/``switch``, ``while``/``fori``, ``scan``, and the
user-defined derivative rules and checkpointing."""
