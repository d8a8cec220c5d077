"""Comparing request bodies by what a template controls, not by the text it carries."""

from __future__ import annotations

from typing import Any


def structure(value: Any) -> Any:
    """The body's shape: keys, list lengths and leaf types, without the text itself."""
    if isinstance(value, dict):
        return {key: structure(item) for key, item in value.items()}
    if isinstance(value, list):
        return [structure(item) for item in value]
    return type(value).__name__
