"""Which catalogue format an endpoint or model answers: one-token requests, bounded, in the order the image
suggests.

Each candidate is the catalogue adapter pointed at the target with its output budget set to one token. The probe
stops at the first format whose output path selects text, then checks that format's stream once. A container that
refuses a body, or answers without text at the path, moves the probe to the next format; a failure that would repeat
for every format (throttled, access denied, timed out, not found, no connection) stops it. It never makes more than
``max_calls`` upstream calls (retries are off, so one call is one request) and stops before a call that could not
finish within ``deadline_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from inference_engine.catalogue import FORMATS
from inference_engine.credentials import ClientSettings, TunableClientProvider
from inference_engine.discovery.models import (
    ProbeAttempt,
    ProbeOutcome,
    ProbeRequest,
    ProbeResult,
    SageMakerTarget,
)
from inference_engine.discovery.sagemaker import SageMakerDiscovery
from inference_engine.discovery.starting_config import starting_config
from inference_engine.engine import StreamEnd, invoke, stream
from inference_engine.errors import (
    ConfigValidationError,
    EngineError,
    ModelError,
    OutputPathError,
    ResponseFormatError,
)
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation
from inference_engine.schema import ModelConfig
from inference_engine.tokens import MAX_OUTPUT_KEYS

PROBE_PROMPT = Conversation.from_prompt("Reply with the single word OK.")
SAGEMAKER_FORMATS = tuple(f for f in FORMATS if not f.startswith("bedrock-"))
BEDROCK_FORMATS = tuple(f for f in FORMATS if f.startswith("bedrock-"))
_TEXT_PREVIEW = 200


@dataclass(frozen=True)
class ProbeLimits:
    max_calls: int
    deadline_s: float = 20.0
    call_timeout_s: float = 8.0

    def client_settings(self) -> ClientSettings:
        """No retries (one call is one request) and a read timeout that fits the deadline."""
        return ClientSettings(
            connect_timeout_s=3.0, read_timeout_s=self.call_timeout_s, max_attempts=0, retry_mode="standard"
        )


def candidate_formats(request: ProbeRequest) -> list[str]:
    """The formats to try, in order: the caller's (those that fit the target's provider), else every one that does."""
    fitting = SAGEMAKER_FORMATS if isinstance(request.target, SageMakerTarget) else BEDROCK_FORMATS
    asked = request.formats if request.formats is not None else list(fitting)
    return list(dict.fromkeys(fmt for fmt in asked if fmt in fitting))


def in_image_order(request: ProbeRequest, discovery: SageMakerDiscovery) -> ProbeRequest:
    """The request with the formats the target's container suggests (read-only calls, not model calls)."""
    target = request.target
    assert isinstance(target, SageMakerTarget)  # noqa: S101 - Bedrock targets have no image
    endpoint = discovery.endpoint(target.endpoint_name)
    detections = [c.detection for c in endpoint.inference_components if c.name == target.inference_component_name]
    detections += [v.detection for v in endpoint.variants if target.target_variant in (None, v.name)]
    detection = next((d for d in detections if d is not None), None)
    if detection is None or not detection.candidates:
        return request
    return request.model_copy(update={"formats": detection.candidates})


def probe_config(request: ProbeRequest, fmt: str) -> ModelConfig:
    """The catalogue adapter ``fmt`` pointed at the probe's target (the editor gets this one)."""
    target = request.target
    provider: dict[str, Any]
    if isinstance(target, SageMakerTarget):
        routing = {"InferenceComponentName": target.inference_component_name, "TargetVariant": target.target_variant}
        provider = {"type": "sagemaker", "endpoint_name": target.endpoint_name, "region": target.region}
        if any(routing.values()):
            provider["endpoint_kwargs"] = {k: v for k, v in routing.items() if v}
        name = target.inference_component_name or target.endpoint_name
    else:
        provider = {"type": "bedrock", "model_id": target.model_id, "region": target.region}
        name = target.model_id.rsplit("/", 1)[-1]
    return starting_config(fmt, provider=provider, name=f"{name} ({fmt})", cross_account=request.cross_account)


def one_token(config: ModelConfig) -> ModelConfig:
    """The same adapter asking for one output token (every output-budget kwarg it has, or ``max_tokens``)."""
    keys = [key for key in MAX_OUTPUT_KEYS if key in config.model_kwargs] or ["max_tokens"]
    return apply_override(config, {"model_kwargs": dict.fromkeys(keys, 1), "constraints": None})


_CONTINUE: tuple[tuple[type[EngineError], ProbeOutcome], ...] = (
    (OutputPathError, "no_text"),
    (ResponseFormatError, "bad_response"),
    (ConfigValidationError, "invalid"),
    (ModelError, "rejected"),
)


def _missing(exc: EngineError) -> bool:
    """The endpoint or model does not exist (the runtimes say so with a validation error)."""
    message = exc.message.lower()
    return isinstance(exc, ModelError) and ("not found" in message or "model identifier is invalid" in message)


def _outcome(exc: EngineError) -> ProbeOutcome | None:
    """How a format failed, or ``None`` when the failure would repeat for every format (the probe stops)."""
    if _missing(exc):
        return None
    return next((outcome for kind, outcome in _CONTINUE if isinstance(exc, kind)), None)


Mode = Literal["buffered", "stream"]


@dataclass(frozen=True)
class _Tried:
    attempt: ProbeAttempt
    calls: int  # upstream calls made: 0 when the request could not even be rendered
    stop: str | None  # why the probe must stop (a failure every format would hit), if it must


class Probe:
    def __init__(
        self,
        clients: TunableClientProvider,
        limits: ProbeLimits,
        *,
        caller: str | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clients = clients.derived(limits.client_settings())
        self._limits = limits
        self._caller = caller
        self._clock = clock

    def run(self, request: ProbeRequest) -> ProbeResult:
        started = self._clock()
        limits = self._limits
        attempts: list[ProbeAttempt] = []
        calls = 0
        stopped: str | None = None

        def affordable() -> bool:
            nonlocal stopped
            if calls >= limits.max_calls or self._clock() - started + limits.call_timeout_s > limits.deadline_s:
                stopped = "budget"
            return stopped is None

        def attempt(fmt: str, config: ModelConfig, mode: Mode) -> bool:
            """Try once; False when the failure would repeat for every format (the probe stops)."""
            nonlocal calls, stopped
            tried = self._try(fmt, config, mode)
            attempts.append(tried.attempt)
            calls += tried.calls
            stopped = tried.stop
            return stopped is None

        found: tuple[str, ModelConfig] | None = None
        remaining = candidate_formats(request)
        while remaining and found is None and affordable():
            fmt = remaining.pop(0)
            config = probe_config(request, fmt)
            if not attempt(fmt, config, "buffered"):
                break
            if attempts[-1].outcome == "text":
                found = (fmt, config)
        streaming: bool | None = None
        if found is not None and request.stream:
            fmt, config = found
            if not config.supports_streaming:
                streaming = False  # the format has no streaming settings (JumpStart's dialog format)
            elif affordable() and attempt(fmt, config, "stream"):
                streaming = attempts[-1].outcome == "text"
            if streaming is False and config.supports_streaming:
                found = (fmt, apply_override(config, {"content_handler": {"stream": None}}))
        return ProbeResult(
            target=request.target,
            max_calls=limits.max_calls,
            calls=calls,
            attempts=attempts,
            format=found[0] if found else None,
            streaming=streaming,
            stopped=stopped,
            not_tried=remaining if found is None else [],
            config=found[1] if found else None,
        )

    def _try(self, fmt: str, config: ModelConfig, mode: Mode) -> _Tried:
        small = one_token(config)
        started = time.perf_counter()
        try:
            if mode == "buffered":
                result = invoke(small, PROBE_PROMPT, clients=self._clients, caller=self._caller)
                text, reasoning = result.output, result.reasoning
            else:
                end = list(stream(small, PROBE_PROMPT, clients=self._clients, caller=self._caller))[-1]
                assert isinstance(end, StreamEnd)  # noqa: S101 - a stream always ends with its StreamEnd
                text, reasoning = end.output, end.reasoning
        except EngineError as exc:
            outcome = _outcome(exc)
            code = "not_found" if _missing(exc) else exc.code
            attempt = ProbeAttempt(
                format=fmt,
                mode=mode,
                outcome=outcome or "failed",
                error=code,
                message=exc.message[:500],
                latency_ms=_since(started),
            )
            rendered = not isinstance(exc, ConfigValidationError)  # a config error is raised before any call
            return _Tried(attempt, 1 if rendered else 0, None if outcome is not None else code)
        attempt = ProbeAttempt(
            format=fmt,
            mode=mode,
            outcome="text",
            text=text[:_TEXT_PREVIEW],
            reasoning=reasoning[:_TEXT_PREVIEW] if reasoning else None,
            latency_ms=_since(started),
        )
        return _Tried(attempt, 1, None)


def _since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def probe(
    request: ProbeRequest, *, clients: TunableClientProvider, limits: ProbeLimits, caller: str | None = None
) -> ProbeResult:
    """Probe ``request.target`` (see the module docstring); never more than ``limits.max_calls`` upstream calls."""
    return Probe(clients, limits, caller=caller).run(request)
