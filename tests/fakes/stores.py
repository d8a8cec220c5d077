"""In-memory ``ModelStore`` and ``AuditStore`` with the semantics the logic relies on (``lambdas.domain.ports``):
optimistic locking by version, records replaced by id, newest-first pages. The DynamoDB adapters are tested
against the same semantics on moto (``tests/integration/dal``)."""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from inference_engine.errors import ConfigValidationError, ErrorDetail
from lambdas.domain.audit import AuditFilter, AuditPage, AuditRecord
from lambdas.domain.errors import AuditUnavailableError, VersionConflictError
from lambdas.domain.models import ModelVersion, ModelWrite, StoredModel


@dataclass
class InMemoryModelStore:
    items: dict[str, StoredModel] = field(default_factory=dict)
    history: dict[str, list[ModelVersion]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, model_id: str) -> StoredModel | None:
        return self.items.get(model_id)

    def scan(self) -> Iterator[StoredModel]:
        return iter(list(self.items.values()))

    def put(self, write: ModelWrite, *, expected_version: int) -> StoredModel:
        with self._lock:
            current = self.items.get(write.model_id)
            if (current.version if current else 0) != expected_version:
                raise VersionConflictError(write.model_id, current.version if current else None)
            kept_before = self.history.get(write.model_id, [])
            stored = StoredModel(
                id=write.model_id,
                version=(expected_version or (kept_before[-1].version if kept_before else 0)) + 1,
                config=json.loads(json.dumps(write.config)),
                base_model_id=write.base_model_id,
                created_at=current.created_at if current else write.now,
                created_by=current.created_by if current else write.actor,
                updated_at=write.now,
                updated_by=write.actor,
            )
            self.items[write.model_id] = stored
            kept = ModelVersion(
                write.model_id,
                stored.version,
                stored.config,
                write.base_model_id,
                write.now,
                write.actor,
                restored_from=write.restored_from,
            )
            self.history.setdefault(write.model_id, []).append(kept)
            return stored

    def delete(self, model_id: str, expected_version: int) -> None:
        with self._lock:
            current = self.items.get(model_id)
            if current is None or current.version != expected_version:
                raise VersionConflictError(model_id, current.version if current else None)
            del self.items[model_id]

    def versions(self, model_id: str) -> list[ModelVersion]:
        return list(reversed(self.history.get(model_id, [])))

    def version(self, model_id: str, version: int) -> ModelVersion | None:
        return next((v for v in self.history.get(model_id, []) if v.version == version), None)


@dataclass
class InMemoryAuditStore:
    """``unavailable`` makes every write fail as a DynamoDB outage would."""

    records: dict[str, AuditRecord] = field(default_factory=dict)
    unavailable: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, record: AuditRecord) -> None:
        if self.unavailable:
            raise AuditUnavailableError("The audit record could not be written (store unavailable).")
        with self._lock:
            self.records[record.id] = replace(record)

    def update_outcome(self, record: AuditRecord) -> None:
        self.put(record)

    def in_order(self) -> list[AuditRecord]:
        """Oldest first, as written."""
        return sorted(self.records.values(), key=lambda r: (r.timestamp, list(self.records).index(r.id)))

    def recent(self, *, limit: int, next_token: str | None, now: str, where: AuditFilter | None = None) -> AuditPage:
        del now
        newest_first = [r for r in reversed(self.in_order()) if where is None or where.matches(r)]
        start = _offset(next_token) if next_token else 0
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        token = base64.urlsafe_b64encode(json.dumps({"offset": start + limit}).encode()).decode() if more else None
        return AuditPage(page, token)


def _offset(token: str) -> int:
    try:
        offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    except (ValueError, KeyError, TypeError, binascii.Error):
        offset = None
    if not isinstance(offset, int) or offset < 0:
        raise ConfigValidationError(
            "The next_token is not valid.",
            details=[ErrorDetail("next_token", "not a token from this API", "value_error")],
        )
    return offset
