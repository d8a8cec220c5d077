"""Audit records: who did what to which model, with which patch and role, and how it ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Protocol

Action = Literal["invoke", "validate", "save", "delete", "read"]
Outcome = Literal["allowed", "denied", "success", "error"]


@dataclass(frozen=True)
class AuditRecord:
    timestamp: str
    actor: str
    actor_sub: str
    action: Action
    model_id: str | None
    base_model_id: str | None
    patch: Any
    role_arn: str | None
    outcome: Outcome
    request_id: str
    rule: str | None = None
    error: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def finished(self, outcome: Outcome, error: str | None = None) -> AuditRecord:
        return replace(self, outcome=outcome, error=error)

    def failed(self, exc: BaseException) -> AuditRecord:
        """The record for an action that raised: ``denied`` (with the rule) or ``error`` (with the code)."""
        rule = getattr(exc, "rule", None)
        if rule is not None:
            return replace(self, outcome="denied", rule=str(getattr(rule, "value", rule)))
        return replace(self, outcome="error", error=str(getattr(exc, "code", type(exc).__name__)))

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": self.timestamp,
            "actor": self.actor,
            "actor_sub": self.actor_sub,
            "action": self.action,
            "model_id": self.model_id,
            "base_model_id": self.base_model_id,
            "patch": self.patch,
            "role_arn": self.role_arn,
            "outcome": self.outcome,
            "rule": self.rule,
            "error": self.error,
            "request_id": self.request_id,
        }


class AuditSink(Protocol):
    def put(self, record: AuditRecord) -> None: ...
    def update_outcome(self, record: AuditRecord) -> None: ...
