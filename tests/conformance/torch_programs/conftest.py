"""The programs here are PyTorch programs run by test_torch_programs.py, not test modules."""

collect_ignore_glob = ["*.py"]
