"""Invoke and validate: authorize, merge, render, audit, then (for invoke) call the model once.

``plan()`` does everything that can fail before an upstream call, in this order: rule 1 (override /
debug are admin-only), resolve the base model, apply the merge patch and validate the result, rules
2-4 on the effective config, parse the conversation, render the request and check constraints, and,
for an invoke with an override, write the audit record. Buffered (``run``) and streamed
(``open_stream``) invocations share it, so they cannot drift apart. A denial or an invalid override
is audited and raised before any upstream call.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from inference_engine.credentials import ClientFactory
from inference_engine.engine import InvokeResult, StreamDelta, StreamEnd, StreamEvent, invoke, prepare, stream
from inference_engine.errors import ConfigValidationError, EngineError, ErrorDetail
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.policy import Caller, PolicyDeniedError, check_invocation, check_model, enforce
from inference_engine.providers.base import PreparedRequest
from inference_engine.schema import ModelConfig
from inference_engine.settings import StagePolicy
from lambdas.api_models import InvokeRequest
from lambdas.logic.audit import AuditRecord, AuditSink
from lambdas.logic.registry import ModelRegistry, ResolvedModel

# An override carrying every required field is a whole config ("from scratch"), not a patch of the default model.
FULL_CONFIG_KEYS = frozenset(name for name, field in ModelConfig.model_fields.items() if field.is_required())


CLIENT_DISCONNECTED = "client_disconnected"  # audit error of a stream the caller stopped reading


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


@dataclass(frozen=True)
class RequestContext:
    caller: Caller
    request_id: str
    now: str


@dataclass
class Plan:
    config: ModelConfig
    conversation: Conversation
    prepared: PreparedRequest
    base_model_id: str | None
    debug: bool
    audit: AuditRecord | None
    streamed: bool = False  # ``prepared`` was rendered for a streaming call


class Invocations:
    def __init__(
        self,
        *,
        policy: StagePolicy,
        registry: ModelRegistry,
        audit: AuditSink,
        clients: ClientFactory,
        metrics: MetricsSink | None = None,
    ) -> None:
        self._policy = policy
        self._registry = registry
        self._audit = audit
        self._clients = clients
        self._metrics = metrics or NoMetrics()

    # --- before any upstream call ------------------------------------------------------------------

    def _base(self, request: InvokeRequest) -> ResolvedModel | None:
        if request.model_id is not None:
            return self._registry.resolve(request.model_id)
        default = self._registry.default_model_id
        if request.override is not None and (default is None or request.override.keys() >= FULL_CONFIG_KEYS):
            return None  # from scratch: the override is a full config (otherwise it patches the default model)
        if default is None:
            raise ConfigValidationError(
                "No model_id given and this stage has no default model.",
                details=[ErrorDetail("model_id", "required: this stage has no default model", "missing")],
            )
        return self._registry.resolve(default)

    def plan(self, request: InvokeRequest, ctx: RequestContext, *, action: Literal["invoke", "validate"]) -> Plan:
        patch = request.override
        audited = patch is not None and action == "invoke"
        base: ResolvedModel | None = None
        config: ModelConfig | None = None

        def record(
            outcome: Literal["allowed", "denied", "error"], rule: str | None = None, error: str | None = None
        ) -> AuditRecord:
            return AuditRecord.of(
                ctx,
                action=action,
                outcome=outcome,
                model_id=config.id if config else request.model_id,
                base_model_id=base.config.id if base else request.model_id,
                patch=patch,
                config=config,
                rule=rule,
                error=error,
            )

        try:
            enforce(check_invocation(ctx.caller, self._policy, has_override=patch is not None, debug=request.debug))
            base = self._base(request)
            config = apply_override(base.config if base else None, patch) if patch is not None else _config_of(base)
            enforce(check_model(config, self._policy))
            conversation = parse_conversation(request.conversation_input())
            prepared = prepare(config, conversation, stream=request.stream)
        except PolicyDeniedError as exc:
            self._audit.put(record("denied", rule=exc.rule.value if exc.rule else None))
            raise
        except EngineError as exc:
            if audited:
                self._audit.put(record("error", error=exc.code))
            raise
        audit = record("allowed") if audited else None
        if audit is not None:
            self._audit.put(audit)  # before the upstream call: if it cannot be written, no call is made
        base_id = base.config.id if base else None
        return Plan(config, conversation, prepared, base_id, request.debug, audit, streamed=request.stream)

    # --- the call ----------------------------------------------------------------------------------

    def _finished(self, plan: Plan, error: EngineError | None) -> None:
        if plan.audit is not None:
            self._audit.update_outcome(
                plan.audit.finished("error" if error else "success", error.code if error else None)
            )

    def run(self, plan: Plan, ctx: RequestContext) -> dict[str, Any]:
        try:
            result = invoke(
                plan.config,
                plan.conversation,
                clients=self._clients,
                caller=ctx.caller.username,
                # a plan rendered for streaming (`stream: true` through API Gateway) is rendered again, buffered
                prepared=None if plan.streamed else plan.prepared,
            )
        except EngineError as exc:
            self._metrics.record(InvocationMetric(plan.config.id, exc.code))
            self._finished(plan, exc)
            raise
        self._finished(plan, None)
        self._record_success(plan, result.latency_ms, result.usage.input_tokens, result.usage.output_tokens)
        return self.response(plan, result, ctx)

    def _record_success(self, plan: Plan, latency_ms: float, input_tokens: int, output_tokens: int) -> None:
        self._metrics.record(InvocationMetric(plan.config.id, "success", latency_ms, input_tokens, output_tokens))

    @staticmethod
    def response(plan: Plan, result: InvokeResult, ctx: RequestContext) -> dict[str, Any]:
        body: dict[str, Any] = {
            "output": result.output,
            "usage": result.usage.as_dict(),
            "latency_ms": result.latency_ms,
            "model_id": plan.config.id,
            "request_id": ctx.request_id,
            "stop_reason": result.stop_reason,
        }
        if result.reasoning is not None:
            body["reasoning"] = result.reasoning
        if plan.debug:
            body["debug"] = {
                "rendered_prompt": plan.prepared.rendered_prompt,
                "request_body": plan.prepared.body if plan.prepared.body is not None else plan.prepared.params,
                "raw_response": result.raw_response,
            }
        return body

    def open_stream(self, plan: Plan, ctx: RequestContext) -> Iterator[StreamEvent]:
        """Start the upstream stream (errors raise here, before the first byte), then yield its events."""
        try:
            events = stream(
                plan.config,
                plan.conversation,
                clients=self._clients,
                caller=ctx.caller.username,
                prepared=plan.prepared if plan.streamed else None,
            )
        except EngineError as exc:
            self._metrics.record(InvocationMetric(plan.config.id, exc.code))
            self._finished(plan, exc)
            raise
        return self._audited(plan, events)

    def _audited(self, plan: Plan, events: Iterator[StreamEvent]) -> Iterator[StreamEvent]:
        ended = False
        try:
            for event in events:
                if isinstance(event, StreamEnd):
                    ended = True
                    self._finished(plan, None)
                    self._record_success(plan, event.latency_ms, event.usage.input_tokens, event.usage.output_tokens)
                yield event
        except EngineError as exc:
            self._metrics.record(InvocationMetric(plan.config.id, exc.code))
            self._finished(plan, exc)
            raise
        except GeneratorExit:  # the client went away mid-stream: the record must not stay "allowed"
            if not ended and plan.audit is not None:
                with contextlib.suppress(EngineError):
                    self._audit.update_outcome(plan.audit.finished("error", CLIENT_DISCONNECTED))
            raise

    @staticmethod
    def validation(plan: Plan) -> dict[str, Any]:
        return {
            "config": plan.config.to_json_dict(),
            "rendered_prompt": plan.prepared.rendered_prompt,
            "request": plan.prepared.preview(),
            "estimated_input_tokens": plan.prepared.estimated_input_tokens,
            "streaming": plan.config.supports_streaming,
        }


def _config_of(base: ResolvedModel | None) -> ModelConfig:
    assert base is not None  # noqa: S101 - _base returns None only when there is an override
    return base.config


__all__ = ["InvocationMetric", "Invocations", "MetricsSink", "Plan", "RequestContext", "StreamDelta", "StreamEnd"]
