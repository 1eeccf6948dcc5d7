"""The programs here are JAX programs run by test_jax_programs.py, not test modules."""

collect_ignore_glob = ["*.py"]
