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
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from inference_engine.credentials import ClientProvider
from inference_engine.engine import InvokeResult, StreamEnd, StreamEvent, Usage, invoke, prepare, stream
from inference_engine.errors import ConfigValidationError, EngineError, ErrorDetail
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.policy import PolicyDeniedError, check_invocation, check_model, enforce
from inference_engine.providers.base import PreparedRequest
from inference_engine.schema import ModelConfig
from inference_engine.settings import StagePolicy
from lambdas.domain.audit import AuditRecord
from lambdas.domain.context import RequestContext
from lambdas.domain.models import ResolvedModel
from lambdas.domain.ports import AuditStore, InvocationMetric, MetricsSink, NoMetrics
from lambdas.logic.registry import ModelRegistry

# An override carrying every required field is a whole config ("from scratch"), not a patch of the default model.
FULL_CONFIG_KEYS = frozenset(name for name, field in ModelConfig.model_fields.items() if field.is_required())


Result = TypeVar("Result")
CLIENT_DISCONNECTED = "client_disconnected"  # audit error of a stream the caller stopped reading


@dataclass(frozen=True)
class InvocationSpec:
    """What the caller asks for: a model (or the default), an optional override, a conversation
    (``{"messages" | "prompt", "system"}``, as ``parse_conversation`` reads it), debug output, streaming."""

    model_id: str | None
    override: dict[str, Any] | None
    conversation: Mapping[str, Any]
    debug: bool = False
    stream: bool = False


@dataclass(frozen=True)
class DebugInfo:
    rendered_prompt: str | None
    request_body: Any
    raw_response: Any


@dataclass(frozen=True)
class Answer:
    """A buffered invocation's result, with ``debug`` only for an admin who asked for it."""

    output: str
    usage: Usage
    latency_ms: float
    model_id: str
    request_id: str
    stop_reason: str | None
    reasoning: str | None = None  # the model's reasoning, kept apart from the answer
    debug: DebugInfo | None = None


@dataclass(frozen=True)
class Validation:
    """A dry run: the effective config, the rendered prompt and the request that would be sent."""

    config: ModelConfig
    rendered_prompt: str | None
    request: dict[str, Any]
    estimated_input_tokens: int
    streaming: bool


@dataclass
class Plan:
    config: ModelConfig
    conversation: Conversation
    prepared: PreparedRequest
    base_model_id: str | None
    debug: bool
    audit: AuditRecord | None


class Invocations:
    def __init__(
        self,
        *,
        policy: StagePolicy,
        registry: ModelRegistry,
        audit: AuditStore,
        clients: ClientProvider,
        metrics: MetricsSink | None = None,
    ) -> None:
        self._policy = policy
        self._registry = registry
        self._audit = audit
        self._clients = clients
        self._metrics = metrics or NoMetrics()

    # --- before any upstream call ------------------------------------------------------------------

    def _base(self, request: InvocationSpec) -> ResolvedModel | None:
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

    def plan(self, request: InvocationSpec, ctx: RequestContext, *, action: Literal["invoke", "validate"]) -> Plan:
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
            conversation = parse_conversation(request.conversation)
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
        return Plan(config, conversation, prepared, base_id, request.debug, audit)

    # --- the call ----------------------------------------------------------------------------------

    def failed(self, plan: Plan, error: EngineError) -> None:
        """The call failed: count it and end its audit record with the error's code."""
        self._metrics.record(InvocationMetric(plan.config.id, error.code))
        if plan.audit is not None:
            self._audit.update_outcome(plan.audit.finished("error", error.code))

    def succeeded(self, plan: Plan, latency_ms: float, usage: Usage) -> None:
        if plan.audit is not None:
            self._audit.update_outcome(plan.audit.finished("success", None))
        metric = InvocationMetric(plan.config.id, "success", latency_ms, usage.input_tokens, usage.output_tokens)
        self._metrics.record(metric)

    def abandoned(self, plan: Plan) -> None:
        """The caller stopped reading a stream before its end (best effort: the caller is gone anyway)."""
        if plan.audit is not None:
            with contextlib.suppress(EngineError):
                self._audit.update_outcome(plan.audit.finished("error", CLIENT_DISCONNECTED))

    def _upstream(self, plan: Plan, ctx: RequestContext, call: Callable[..., Result]) -> Result:
        """The engine's ``invoke`` or ``stream`` with the plan's rendering; a failure is counted and audited."""
        try:
            return call(
                plan.config,
                plan.conversation,
                clients=self._clients,
                caller=ctx.caller.username,
                prepared=plan.prepared,
            )
        except EngineError as exc:
            self.failed(plan, exc)
            raise

    def run(self, plan: Plan, ctx: RequestContext) -> Answer:
        """The buffered call of a plan made with ``stream=False``."""
        result: InvokeResult = self._upstream(plan, ctx, invoke)
        self.succeeded(plan, result.latency_ms, result.usage)
        return self.response(plan, result, ctx)

    @staticmethod
    def response(plan: Plan, result: InvokeResult, ctx: RequestContext) -> Answer:
        debug = None
        if plan.debug:
            prepared = plan.prepared
            body = prepared.body if prepared.body is not None else prepared.params
            debug = DebugInfo(prepared.rendered_prompt, body, result.raw_response)
        return Answer(
            output=result.output,
            usage=result.usage,
            latency_ms=result.latency_ms,
            model_id=plan.config.id,
            request_id=ctx.request_id,
            stop_reason=result.stop_reason,
            reasoning=result.reasoning,
            debug=debug,
        )

    def open_stream(self, plan: Plan, ctx: RequestContext) -> AuditedStream:
        """Start the upstream stream of a plan made with ``stream=True`` (errors raise here, before the first byte);
        its events follow."""
        events: Iterator[StreamEvent] = self._upstream(plan, ctx, stream)
        return AuditedStream(self, plan, events)

    @staticmethod
    def validation(plan: Plan) -> Validation:
        return Validation(
            config=plan.config,
            rendered_prompt=plan.prepared.rendered_prompt,
            request=plan.prepared.preview(),
            estimated_input_tokens=plan.prepared.estimated_input_tokens,
            streaming=plan.config.supports_streaming,
        )


class AuditedStream:
    """The events of an open upstream stream; its audit record and metrics end with it, however it ends.

    An iterator with an explicit ``close`` rather than a generator: a caller who leaves before reading anything
    must still end the record (``client_disconnected``) and close the upstream call, and closing a generator that
    never started runs none of its code.
    """

    def __init__(self, invocations: Invocations, plan: Plan, events: Iterator[StreamEvent]) -> None:
        self._invocations = invocations
        self._plan = plan
        self._events = events
        self._ended = False  # the upstream stream finished, well or badly: the record says how

    def __iter__(self) -> AuditedStream:
        return self

    def __next__(self) -> StreamEvent:
        if self._ended:
            raise StopIteration
        try:
            event = next(self._events)
        except StopIteration:
            self._ended = True
            raise
        except EngineError as exc:
            self._ended = True
            self._invocations.failed(self._plan, exc)
            raise
        if isinstance(event, StreamEnd):
            self._ended = True
            self._invocations.succeeded(self._plan, event.latency_ms, event.usage)
        return event

    def close(self) -> None:
        """Stop reading: an unfinished stream is recorded as ``client_disconnected`` and its upstream closed."""
        if not self._ended:
            self._ended = True
            self._invocations.abandoned(self._plan)
        close = getattr(self._events, "close", None)
        if close is not None:
            with contextlib.suppress(ValueError):  # still being read on another thread: it closes itself there
                close()


def _config_of(base: ResolvedModel | None) -> ModelConfig:
    assert base is not None  # noqa: S101 - _base returns None only when there is an override
    return base.config
