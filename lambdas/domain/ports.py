"""What the logic needs from the outside world, as Protocols: the stores (DynamoDB in ``lambdas.dal``, in memory in
the tests) and the metrics sink (Powertools EMF). The runtime clients are the engine's ``ClientProvider``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from lambdas.domain.audit import AuditFilter, AuditPage, AuditRecord
from lambdas.domain.models import ModelVersion, ModelWrite, StoredModel


class ModelStore(Protocol):
    """Saved models with optimistic locking: every write names the version it expects (0: create)."""

    def get(self, model_id: str) -> StoredModel | None: ...

    def scan(self) -> Iterator[StoredModel]: ...

    def put(self, write: ModelWrite, *, expected_version: int) -> StoredModel:
        """Create or replace the version the caller read, else raise ``VersionConflictError``; the new version is
        also kept in the model's history, in the same atomic write."""
        ...

    def delete(self, model_id: str, expected_version: int) -> None:
        """Delete the version the caller read, else raise ``VersionConflictError`` (its history stays)."""
        ...

    def versions(self, model_id: str) -> list[ModelVersion]:
        """Every saved version, newest first."""
        ...

    def version(self, model_id: str, version: int) -> ModelVersion | None: ...


class AuditStore(Protocol):
    """Audit records: written before an audited action (``put``), ended after it (``update_outcome``, same id)."""

    def put(self, record: AuditRecord) -> None:
        """Raise ``AuditUnavailableError`` when it cannot be written: the action is then not performed."""
        ...

    def update_outcome(self, record: AuditRecord) -> None: ...

    def recent(self, *, limit: int, next_token: str | None, now: str, where: AuditFilter | None = None) -> AuditPage:
        """Newest first; ``where`` keeps the records that match every field it sets."""
        ...


@dataclass(frozen=True)
class InvocationMetric:
    model_id: str
    outcome: str
    latency_ms: float | None = None
    input_tokens: int = 0
    output_tokens: int = 0


class MetricsSink(Protocol):
    def record(self, metric: InvocationMetric) -> None: ...


class NoMetrics:
    def record(self, metric: InvocationMetric) -> None:
        del metric
