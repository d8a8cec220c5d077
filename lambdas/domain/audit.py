"""Audit records: who did what to which model, with which patch and role, and how it ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from inference_engine.schema import ModelConfig
from lambdas.domain.context import RequestContext

Action = Literal["invoke", "validate", "save", "restore", "delete", "read", "discover", "probe"]
Outcome = Literal["allowed", "denied", "success", "error"]


def role_arn_of(config: ModelConfig | None, patch: Any) -> str | None:
    """The role an audited action used: the effective config's, else the one the caller's patch asked for."""
    if config is not None and config.cross_account is not None:
        return config.cross_account.role_arn
    if isinstance(patch, dict) and isinstance(patch.get("cross_account"), dict):
        value = patch["cross_account"].get("role_arn")
        return value if isinstance(value, str) else None
    return None


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
    version: int | None = None  # the model version a save or restore made, or a delete removed
    restored_from: int | None = None  # a restore: the earlier version it saved again
    id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(
        cls,
        ctx: RequestContext,
        *,
        action: Action,
        outcome: Outcome,
        model_id: str | None,
        base_model_id: str | None = None,
        patch: Any = None,
        config: ModelConfig | None = None,
        rule: str | None = None,
        error: str | None = None,
        version: int | None = None,
        restored_from: int | None = None,
    ) -> AuditRecord:
        """A record of ``ctx``'s caller and request; the role ARN comes from ``config`` or ``patch``."""
        return cls(
            timestamp=ctx.now,
            actor=ctx.caller.username,
            actor_sub=ctx.caller.sub,
            action=action,
            model_id=model_id,
            base_model_id=base_model_id,
            patch=patch,
            role_arn=role_arn_of(config, patch),
            outcome=outcome,
            rule=rule,
            error=error,
            request_id=ctx.request_id,
            version=version,
            restored_from=restored_from,
        )

    def finished(self, outcome: Outcome, error: str | None = None, *, version: int | None = None) -> AuditRecord:
        return replace(self, outcome=outcome, error=error, version=version if version is not None else self.version)

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
            "version": self.version,
            "restored_from": self.restored_from,
        }


@dataclass(frozen=True)
class AuditFilter:
    """Which audit records to list: every field that is set must match (``since``/``until``: ISO timestamps,
    inclusive)."""

    model_id: str | None = None
    actor: str | None = None
    action: Action | None = None
    outcome: Outcome | None = None
    since: str | None = None
    until: str | None = None

    def matches(self, record: AuditRecord) -> bool:
        return (
            (self.model_id is None or record.model_id == self.model_id)
            and (self.actor is None or record.actor == self.actor)
            and (self.action is None or record.action == self.action)
            and (self.outcome is None or record.outcome == self.outcome)
            and (self.since is None or record.timestamp >= self.since)
            and (self.until is None or record.timestamp <= self.until)
        )


@dataclass(frozen=True)
class AuditPage:
    """One page of audit records, newest first; ``next_token`` continues it (``None``: the end)."""

    records: list[AuditRecord]
    next_token: str | None
