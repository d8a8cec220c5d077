"""Injected faults: rules set over the control plane, ``[[fault:<kind>]]`` markers in prompts, rate limits."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

FaultKind = Literal[
    "throttle",
    "model_error",
    "latency",
    "malformed",
    "truncated",
    "stream_cut",
    "service_unavailable",
    "access_denied",
    "timeout",
    "internal_failure",
]
FAULT_KINDS: Final[tuple[str, ...]] = get_args(FaultKind)
DEFAULT_LATENCY_MS: Final = 1500
_MARKER = re.compile(rb"\[\[fault:([a-z_]+)(?::(\d{1,6}))?\]\]")


class FaultSpec(BaseModel):
    """What ``POST /_emulator/faults`` accepts. ``count: 0`` keeps the fault until it is deleted."""

    model_config = ConfigDict(extra="forbid")

    target: str = Field(min_length=1, max_length=2048, description='endpoint name, model id, or "*"')
    kind: FaultKind
    count: int = Field(1, ge=0, le=1_000_000)
    latency_ms: int | None = Field(None, ge=0, le=600_000)


@dataclass
class FaultRule:
    id: int
    target: str
    kind: str
    remaining: int  # 0 = unlimited
    latency_ms: int

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "target": self.target,
            "kind": self.kind,
            "remaining": self.remaining or None,
            "latency_ms": self.latency_ms,
        }


@dataclass(frozen=True)
class Fault:
    """The fault applied to one request, and where it came from (``rule`` or ``marker``)."""

    kind: str
    latency_ms: int
    source: str


class FaultStore:
    """Fault rules, consumed first-match in insertion order."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: FaultSpec) -> FaultRule:
        rule = FaultRule(
            id=next(self._ids),
            target=spec.target,
            kind=spec.kind,
            remaining=spec.count,
            latency_ms=spec.latency_ms if spec.latency_ms is not None else DEFAULT_LATENCY_MS,
        )
        with self._lock:
            self._rules.append(rule)
        return rule

    def list(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def clear(self) -> int:
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def delete(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [rule for rule in self._rules if rule.id != rule_id]
            return len(self._rules) != before

    def take(self, targets: tuple[str, ...], body: bytes) -> Fault | None:
        """The fault for a request to any of ``targets`` (rules first, then a marker in the body)."""
        if self._rules:
            with self._lock:
                for rule in self._rules:
                    if rule.target == "*" or rule.target in targets:
                        if rule.remaining == 1:
                            self._rules.remove(rule)
                        elif rule.remaining > 1:
                            rule.remaining -= 1
                        return Fault(rule.kind, rule.latency_ms, "rule")
        return marker_fault(body)


def marker_fault(body: bytes) -> Fault | None:
    """A ``[[fault:<kind>]]`` (or ``[[fault:latency:<ms>]]``) marker anywhere in the request body."""
    if b"[[fault:" not in body:
        return None
    for match in _MARKER.finditer(body):
        kind = match.group(1).decode()
        if kind in FAULT_KINDS:
            latency = int(match.group(2)) if match.group(2) else DEFAULT_LATENCY_MS
            return Fault(kind, latency, "marker")
    return None


class RateLimiter:
    """One token bucket per target: ``rate`` tokens/second, bursts up to ``max(1, rate)``."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # target -> (tokens, last refill)

    def allow(self, target: str, rate: float) -> bool:
        now = self._clock()
        capacity = max(1.0, rate)
        with self._lock:
            tokens, last = self._buckets.get(target, (capacity, now))
            tokens = min(capacity, tokens + (now - last) * rate)
            allowed = tokens >= 1.0
            self._buckets[target] = (tokens - 1.0 if allowed else tokens, now)
            return allowed

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
