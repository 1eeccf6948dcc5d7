"""Placeholder: filled in by the work on this family of tracegrad.numpy functions."""

from __future__ import annotations

from typing import Any

__all__: list[str] = []

TRACER_METHODS: dict[str, Any] = {}
