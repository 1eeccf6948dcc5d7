"""First-order primitives, grouped by family, each with all of its rules in one block."""
