"""Admin-only routes: rule 1 for whole routes, with the denial audited before it is raised."""

from __future__ import annotations

from typing import Any

from inference_engine.policy import PolicyDeniedError, check_admin
from inference_engine.settings import StagePolicy
from lambdas.domain.audit import Action, AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.ports import AuditStore


class Access:
    def __init__(self, policy: StagePolicy, audit: AuditStore) -> None:
        self._policy = policy
        self._audit = audit

    def require_admin(
        self,
        ctx: RequestContext,
        *,
        action: Action,
        what: str,
        model_id: str | None = None,
        base_model_id: str | None = None,
        patch: Any = None,
    ) -> None:
        """``patch`` is what the caller asked to apply (override or config): the denial record keeps it."""
        decision = check_admin(ctx.caller, self._policy, what)
        if decision.allowed:
            return
        self._audit.put(
            AuditRecord.of(
                ctx,
                action=action,
                outcome="denied",
                model_id=model_id,
                base_model_id=base_model_id,
                patch=patch,
                rule=decision.rule.value if decision.rule else None,
            )
        )
        raise PolicyDeniedError(decision)
