"""Who is calling, which request it is, and when: built once per request, before anything else runs."""

from __future__ import annotations

from dataclasses import dataclass

from inference_engine.policy import Caller


@dataclass(frozen=True)
class RequestContext:
    caller: Caller
    request_id: str
    now: str  # ISO 8601, UTC, milliseconds
