"""The streaming function's own runtime loop (``lambdas.stream_bootstrap``, ``lambdas.stream_handler``), driven
through a fake Runtime API client: no socket, the same resolver and services as the other API unit tests."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pytest

from lambdas import handler as buffered_handler
from lambdas import stream_bootstrap, stream_handler
from lambdas.runtime_api import PRELUDE_DELIMITER, Invocation, ResponseAborted
from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness, StreamReply
from tests.unit.api.scenarios import PROMPT

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

TRACE = "Root=1-67890abc-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"


@dataclass
class Posted:
    request_id: str
    status: int
    headers: dict[str, str]
    chunks: list[bytes]

    @property
    def reply(self) -> StreamReply:
        return StreamReply(self.status, self.headers, self.chunks)


@dataclass
class FakeRuntime:
    """Records what the function posts; ``leave_after`` chunks, it behaves like a caller that went away."""

    invocations: list[Invocation] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    errors: list[tuple[str, BaseException]] = field(default_factory=list)
    init_errors: list[tuple[BaseException, str]] = field(default_factory=list)
    leave_after: int | None = None
    trace_seen: list[str | None] = field(default_factory=list)

    def next_invocation(self) -> Invocation:
        if not self.invocations:
            raise ConnectionRefusedError("no more invocations")
        return self.invocations.pop(0)

    def stream_response(self, request_id: str, head: bytes, body: Iterable[bytes]) -> int:
        self.trace_seen.append(os.environ.get("_X_AMZN_TRACE_ID"))
        metadata, delimiter, rest = head.partition(PRELUDE_DELIMITER)
        assert delimiter == PRELUDE_DELIMITER and rest == b""
        prelude = json.loads(metadata)
        posted = Posted(request_id, prelude["statusCode"], prelude["headers"], [])
        self.posted.append(posted)
        for chunk in body:
            if self.leave_after is not None and len(posted.chunks) >= self.leave_after:
                raise ResponseAborted("the caller hung up")
            posted.chunks.append(chunk)
        return 202

    def invocation_error(self, request_id: str, exc: BaseException) -> int:
        self.errors.append((request_id, exc))
        return 202

    def init_error(self, exc: BaseException, error_type: str) -> int:
        self.init_errors.append((exc, error_type))
        return 202


def invocation(event: Any, request_id: str = "req-1") -> Invocation:
    return Invocation(request_id, event, deadline_ms=4_102_444_800_000, function_arn="arn:fn", trace_id=TRACE)


@pytest.fixture
def container(api: ApiHarness, monkeypatch: pytest.MonkeyPatch) -> ApiHarness:
    """The function's container, initialised with the test's object graph instead of the environment's."""
    monkeypatch.setattr(buffered_handler, "_application", (api.app, api.services))
    monkeypatch.setenv("_X_AMZN_TRACE_ID", "")  # restored (unset) after the test: the function sets it per invocation
    monkeypatch.delenv("_X_AMZN_TRACE_ID")
    return api


def stream_event(body: dict[str, Any], *, admin: bool = False) -> dict[str, Any]:
    return rest_event("POST", "/invoke/stream", claims=admin_claims() if admin else user_claims(), body=body)


def test_an_invocation_is_answered_with_the_gateway_prelude_then_its_frames(container: ApiHarness) -> None:
    # Given a streamed invoke delivered by the Runtime API
    runtime = FakeRuntime()

    # When the function responds to it
    stream_handler.respond(invocation(stream_event({"prompt": PROMPT})), runtime)  # type: ignore[arg-type]

    # Then it posted API Gateway's prelude (status, SSE headers) and then every frame, as separate chunks
    (posted,) = runtime.posted
    assert posted.request_id == "req-1"
    assert posted.status == 200
    assert posted.headers["Content-Type"] == "text/event-stream; charset=utf-8"
    assert [f.event for f in posted.reply.frames] == ["delta", "delta", "delta", "done"]
    assert len(posted.chunks) == 4
    # And the invocation's trace id was where the X-Ray SDK reads it while it ran
    assert runtime.trace_seen == [TRACE]


def test_a_refused_invocation_is_a_json_error_in_the_prelude_and_body(container: ApiHarness) -> None:
    runtime = FakeRuntime()
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.1}}})
    stream_handler.respond(invocation(event), runtime)  # type: ignore[arg-type]
    (posted,) = runtime.posted
    assert posted.status == 403
    assert posted.headers["Content-Type"] == "application/json"
    assert posted.reply.body["rule"] == "admin_only"
    assert container.clients.upstream_activity == 0


def test_a_caller_who_hangs_up_ends_the_invocation_and_its_audit_record(container: ApiHarness) -> None:
    # Given an admin's audited stream whose caller leaves after the first frame
    runtime = FakeRuntime(leave_after=1)
    event = stream_event({"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.1}}}, admin=True)

    # When the function responds
    stream_handler.respond(invocation(event), runtime)  # type: ignore[arg-type]

    # Then the invocation ends normally (no error reported) and the audit record says why it stopped
    assert runtime.errors == []
    assert [(r["outcome"], r["error"]) for r in container.audit()] == [("error", "client_disconnected")]
    assert container.clients.closed_streams == 1


def test_an_event_that_is_not_a_proxy_event_is_refused_without_a_call(container: ApiHarness) -> None:
    runtime = FakeRuntime()
    stream_handler.respond(invocation({"something": "else"}), runtime)  # type: ignore[arg-type]
    (posted,) = runtime.posted
    assert posted.status == 400
    assert posted.reply.body["error"] == "validation_error"
    assert container.clients.upstream_activity == 0


def test_the_loop_serves_invocations_in_turn_and_reports_one_that_fails(container: ApiHarness) -> None:
    # Given three invocations, the second of which breaks the responder itself
    runtime = FakeRuntime(invocations=[invocation(stream_event({"prompt": PROMPT}), f"req-{n}") for n in range(1, 4)])

    def respond(current: Invocation, rt: Any) -> None:
        if current.request_id == "req-2":
            raise RuntimeError("responder broke")
        stream_handler.respond(current, rt)

    # When the loop runs
    stream_bootstrap.serve(runtime, respond, max_invocations=3)  # type: ignore[arg-type]

    # Then the others were answered, and the failure was reported to the Runtime API for its invocation
    assert [p.request_id for p in runtime.posted] == ["req-1", "req-3"]
    assert [(request_id, str(exc)) for request_id, exc in runtime.errors] == [("req-2", "responder broke")]


@pytest.mark.parametrize(
    ("failure", "error_type"),
    [
        (ImportError("No module named 'jmespath'"), "Runtime.ImportModuleError"),
        (ValueError("bad"), "Runtime.InitError"),
    ],
)
def test_an_init_failure_is_reported_and_the_process_exits(
    monkeypatch: pytest.MonkeyPatch, failure: Exception, error_type: str
) -> None:
    # Given a container whose init fails (a module missing from the layer, a bad setting)
    runtime = FakeRuntime()
    monkeypatch.setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
    monkeypatch.setattr(stream_bootstrap, "RuntimeApiClient", lambda _address: runtime)

    def failing_init() -> Any:
        raise failure

    monkeypatch.setattr(stream_bootstrap, "init", failing_init)

    # When the process starts
    code = stream_bootstrap.main()

    # Then the Runtime API's init-error route got the error and its type, and the process exits non-zero
    assert code == 1
    assert runtime.init_errors == [(failure, error_type)]
    assert runtime.posted == []


def test_the_configured_handler_explains_the_missing_wrapper() -> None:
    with pytest.raises(RuntimeError, match="AWS_LAMBDA_EXEC_WRAPPER=/var/task/lambdas/stream-bootstrap"):
        stream_handler.handler({}, None)
