"""The recent requests to the runtimes and the read-only APIs, for tests to assert what a client really sent (and
how often). ``service`` is ``sagemaker`` / ``bedrock`` for the runtimes, ``sagemaker-api`` / ``bedrock-api`` for the
APIs discovery reads."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

MAX_ENTRIES = 1000
MAX_BODY_CHARS = 64 * 1024
_HEADERS_OF_INTEREST = ("content-type", "accept")
_HEADER_PREFIXES = ("x-amzn-sagemaker-", "x-amzn-bedrock-")


@dataclass
class LoggedRequest:
    seq: int
    timestamp: float
    service: str
    operation: str
    target: str  # the endpoint name / model id as the client sent it (URL-decoded)
    resolved_target: str | None  # the registry key it resolved to (None: unknown)
    headers: dict[str, str]
    raw_body: bytes
    region: str
    access_key_id: str | None
    status: int = 0
    error_code: str | None = None
    fault: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        text = self.raw_body[:MAX_BODY_CHARS].decode("utf-8", "replace")
        try:
            body: Any = json.loads(text)
        except ValueError:
            body = text
        return {
            "seq": self.seq,
            "timestamp": self.timestamp,
            "service": self.service,
            "operation": self.operation,
            "target": self.target,
            "resolved_target": self.resolved_target,
            "headers": self.headers,
            "body": body,
            "region": self.region,
            "access_key_id": self.access_key_id,
            "status": self.status,
            "error_code": self.error_code,
            "fault": self.fault,
        }


def interesting_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name in _HEADERS_OF_INTEREST or name.startswith(_HEADER_PREFIXES)
    }


class RequestLog:
    """A bounded ring of requests plus per-target counters that survive the ring's eviction."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=max_entries)
        self._counts: Counter[str] = Counter()
        self._total = 0
        self._seq = itertools.count(1)

    def record(
        self,
        *,
        service: str,
        operation: str,
        target: str,
        headers: Mapping[str, str],
        body: bytes,
        region: str,
        access_key_id: str | None,
    ) -> LoggedRequest:
        entry = LoggedRequest(
            seq=next(self._seq),
            timestamp=time.time(),
            service=service,
            operation=operation,
            target=target,
            resolved_target=None,
            headers=interesting_headers(headers),
            raw_body=body,
            region=region,
            access_key_id=access_key_id,
        )
        with self._lock:
            self._entries.append(entry)
            self._total += 1
            self._counts[target] += 1
        return entry

    def resolved(self, entry: LoggedRequest, resolved_target: str) -> None:
        entry.resolved_target = resolved_target
        if resolved_target != entry.target:
            with self._lock:
                self._counts[resolved_target] += 1

    def query(
        self,
        *,
        target: str | None = None,
        operation: str | None = None,
        service: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        with self._lock:
            entries = list(self._entries)
            total = self._total if target is None else self._counts.get(target, 0)
        matching = [
            entry
            for entry in entries
            if (target is None or target in (entry.target, entry.resolved_target))
            and (operation is None or entry.operation == operation)
            and (service is None or entry.service == service)
        ]
        return {"total": total, "count": len(matching), "requests": [entry.as_dict() for entry in matching[-limit:]]}

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()
            self._total = 0
