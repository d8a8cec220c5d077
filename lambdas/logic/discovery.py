"""Discovery and format probes for admins: scope, audit, then read (control planes) or probe (one-token calls).

Rule 1 (admins only) has already been checked, and a denial audited, before the request reached a route
(``lambdas.guard``, ``@admin_only("discover" | "probe", ...)``). Every call then goes in this order: the stage's
discovery scope (enabled, region, cross-account role; a denial is audited and makes no call), an ``allowed`` audit
record written before any upstream call (if it cannot be written, nothing is called), the reads, then the record's
outcome.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from inference_engine.credentials import TunableClientProvider
from inference_engine.discovery.bedrock import BedrockDiscovery
from inference_engine.discovery.models import (
    BEDROCK_KINDS,
    BedrockKind,
    BedrockModelList,
    EndpointPage,
    ProbeRequest,
    ProbeResult,
    SageMakerEndpoint,
    SageMakerTarget,
)
from inference_engine.discovery.probe import ProbeLimits, in_image_order, probe
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.policy import PolicyDeniedError, check_discovery
from inference_engine.schema import CrossAccount
from inference_engine.settings import StagePolicy
from lambdas.domain.audit import Action, AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.ports import AuditStore

T = TypeVar("T")
PROBE_DEADLINE_S = 20.0  # API Gateway gives the integration 29 s
PROBE_CALL_TIMEOUT_S = 8.0


@dataclass(frozen=True)
class Scope:
    """Where a discovery call reads: a region, through the caller's cross-account role when one is given."""

    region: str
    cross_account: CrossAccount | None = None

    def audited(self, **what: Any) -> dict[str, Any]:
        """What the audit record keeps of the request (the role ARN is read from ``cross_account``)."""
        record: dict[str, Any] = {**{k: v for k, v in what.items() if v is not None}, "region": self.region}
        if self.cross_account is not None:
            record["cross_account"] = self.cross_account.model_dump(mode="json", exclude_none=True)
        return record


class Discovery:
    def __init__(
        self,
        *,
        policy: StagePolicy,
        audit: AuditStore,
        clients: TunableClientProvider,
        read_timeout_s: float = PROBE_CALL_TIMEOUT_S,
    ) -> None:
        self._policy = policy
        self._audit = audit
        self._clients = clients
        self._probe_call_timeout_s = min(PROBE_CALL_TIMEOUT_S, read_timeout_s)

    # --- reads ---------------------------------------------------------------------------------------------

    def sagemaker_endpoints(
        self, ctx: RequestContext, scope: Scope, *, limit: int, next_token: str | None, name_contains: str | None
    ) -> EndpointPage:
        return self._run(
            ctx,
            lambda: self._sagemaker(ctx, scope).endpoints(
                limit=limit, next_token=next_token, name_contains=name_contains
            ),
            action="discover",
            scope=scope,
            patch=scope.audited(source="sagemaker-endpoints", name_contains=name_contains),
        )

    def sagemaker_endpoint(self, ctx: RequestContext, scope: Scope, name: str) -> SageMakerEndpoint:
        return self._run(
            ctx,
            lambda: self._sagemaker(ctx, scope).endpoint(name),
            action="discover",
            scope=scope,
            patch=scope.audited(source="sagemaker-endpoint", endpoint_name=name),
        )

    def bedrock_models(
        self, ctx: RequestContext, scope: Scope, kinds: Sequence[BedrockKind] | None
    ) -> BedrockModelList:
        wanted = list(dict.fromkeys(kinds)) if kinds else list(BEDROCK_KINDS)
        return self._run(
            ctx,
            lambda: self._bedrock(ctx, scope).models(wanted),
            action="discover",
            scope=scope,
            patch=scope.audited(source="bedrock-models", kinds=wanted),
        )

    # --- probes --------------------------------------------------------------------------------------------

    def probe(self, ctx: RequestContext, request: ProbeRequest) -> ProbeResult:
        stage_limit = self._policy.discovery.probe_max_calls
        limits = ProbeLimits(
            max_calls=min(request.max_calls or stage_limit, stage_limit),
            deadline_s=PROBE_DEADLINE_S,
            call_timeout_s=self._probe_call_timeout_s,
        )
        scope = Scope(request.target.region, request.cross_account)

        def run() -> ProbeResult:
            ordered = request
            if request.formats is None and isinstance(request.target, SageMakerTarget):
                ordered = in_image_order(request, self._sagemaker(ctx, scope))  # read-only: not model calls
            return probe(ordered, clients=self._clients, limits=limits, caller=ctx.caller.username)

        return self._run(
            ctx, run, action="probe", scope=scope, patch=request.model_dump(mode="json", exclude_none=True)
        )

    # --- the one scope-audit-call path ---------------------------------------------------------------------

    def _run(
        self,
        ctx: RequestContext,
        call: Callable[[], T],
        *,
        action: Action,
        scope: Scope,
        patch: dict[str, Any],
    ) -> T:
        record = AuditRecord.of(ctx, action=action, outcome="allowed", model_id=None, patch=patch)
        decision = check_discovery(self._policy, scope.region, scope.cross_account)
        if not decision.allowed:
            self._audit.put(record.failed(PolicyDeniedError(decision)))
            raise PolicyDeniedError(decision)
        self._audit.put(record)  # before any upstream call: if it cannot be written, nothing is called
        try:
            result = call()
        except Exception as exc:
            self._audit.update_outcome(record.failed(exc))
            raise
        self._audit.update_outcome(record.finished("success"))
        return result

    def _client(self, service: Any, ctx: RequestContext, scope: Scope) -> Any:
        return self._clients.client(
            service, scope.region, cross_account=scope.cross_account, caller=ctx.caller.username
        )

    def _sagemaker(self, ctx: RequestContext, scope: Scope) -> SageMakerDiscovery:
        return SageMakerDiscovery(self._client("sagemaker", ctx, scope), scope.region, scope.cross_account)

    def _bedrock(self, ctx: RequestContext, scope: Scope) -> BedrockDiscovery:
        return BedrockDiscovery(self._client("bedrock", ctx, scope), scope.region, scope.cross_account)
