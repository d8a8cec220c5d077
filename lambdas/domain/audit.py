"""Audit records: who did what to which model, with which patch and role, and how it ended."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from inference_engine.schema import ModelConfig
from lambdas.domain.context import RequestContext

Action = Literal["invoke", "validate", "save", "delete", "read", "discover", "probe"]
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
        )

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


@dataclass(frozen=True)
class AuditPage:
    """One page of audit records, newest first; ``next_token`` continues it (``None``: the end)."""

    records: list[AuditRecord]
    next_token: str | None
