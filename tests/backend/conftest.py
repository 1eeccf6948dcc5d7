"""Fixtures of the backend's tests."""

from __future__ import annotations

import pytest

from tracegrad.backend import chunking, threads


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 64 elements from 128 on, kernels from two operations, on threads whatever
    their calls cost: many chunk boundaries in small arrays, and kernels in small programs.
    The thread count is restored after the test."""
    monkeypatch.setattr(chunking, "CHUNK", 64)
    monkeypatch.setattr(chunking, "MIN_SIZE", 128)
    monkeypatch.setattr(chunking, "MIN_LENGTH", 2)
    monkeypatch.setattr(chunking, "THREAD_MIN_CALL", 0.0)
    saved = threads.count()
    yield
    threads.set_count(saved)
