"""DESIGN §4 as a matrix: every route x {anonymous, user, admin} x {dev, prod} x {no override, override,
override with cross_account, override with a custom endpoint_url}; discovery routes x {own account, through the
allowed cross-account role} (their scope: the stage enables discovery, dev by default).

Each cell asserts the status, the error body (``error``, ``rule``), the audit table's contents and the
upstream calls: a denied request makes none (no runtime client is even built). Routes without a body
have nothing to override, so their only kind is "none". ``POST /invoke/stream`` goes through
``lambdas.streaming.stream_response`` (as the streaming function runs it) and must decide everything before its
first byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from inference_engine.schema import parse_model_config
from tests.fakes.api import ApiHarness
from tests.fakes.inventory import ALLOWED_ROLE_ARN, DEFAULT_MODEL
from tests.unit.api.scenarios import (
    BODY_ROUTES,
    DISCOVERY_REGION,
    DISCOVERY_ROUTES,
    NEW_ID,
    PATCHES,
    PROBED_ENDPOINT,
    SAVED_ID,
    Caller,
    Kind,
    Route,
    event_for,
    probe_body,
    saved_config,
)


@dataclass(frozen=True)
class Expect:
    status: int
    error: str | None = None
    rule: str | None = None
    audit: str | None = None  # the outcome of the one audit record the request leaves; None: no record


OK = Expect(200)
OK_AUDITED = Expect(200, audit="success")
UNAUTHENTICATED = Expect(401, "unauthorized")
ADMIN_ONLY = Expect(403, "forbidden", "admin_only", audit="denied")
STAGE = Expect(403, "forbidden", "cross_account_stage", audit="denied")
ENDPOINT = Expect(403, "forbidden", "custom_endpoint", audit="denied")
SCOPE = Expect(403, "forbidden", "discovery_scope", audit="denied")

U, A = Caller.USER, Caller.ADMIN
N, P, X, E = Kind.NONE, Kind.OVERRIDE, Kind.CROSS_ACCOUNT, Kind.CUSTOM_ENDPOINT  # no override, patch, role, endpoint

# fmt: off
SIGNED_IN: list[tuple[Route, Caller, Kind, Expect, Expect]] = [
    # route               caller kind  dev          prod
    (Route.ME,            U, N,  OK,          OK),
    (Route.ME,            A, N,  OK,          OK),
    (Route.LIST_MODELS,   U, N,  OK,          OK),
    (Route.LIST_MODELS,   A, N,  OK,          OK),
    (Route.SCHEMA,        U, N,  OK,          OK),
    (Route.SCHEMA,        A, N,  OK,          OK),
    (Route.OPENAPI,       U, N,  OK,          OK),
    (Route.OPENAPI,       A, N,  OK,          OK),
    (Route.GET_MODEL,     U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.GET_MODEL,     A, N,  OK,          OK),
    (Route.AUDIT,         U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.AUDIT,         A, N,  OK,          OK),
    (Route.DELETE,        U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.DELETE,        A, N,  OK_AUDITED,  OK_AUDITED),
    (Route.VERSIONS,      U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VERSIONS,      A, N,  OK,          OK),
    (Route.VERSION,       U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VERSION,       A, N,  OK,          OK),
    (Route.INVOKE,        U, N,  OK,          OK),
    (Route.INVOKE,        U, P,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE,        U, X,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE,        U, E,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE,        A, N,  OK,          OK),
    (Route.INVOKE,        A, P,  OK_AUDITED,  OK_AUDITED),
    (Route.INVOKE,        A, X,  OK_AUDITED,  STAGE),
    (Route.INVOKE,        A, E,  ENDPOINT,    ENDPOINT),
    (Route.INVOKE_STREAM, U, N,  OK,          OK),
    (Route.INVOKE_STREAM, U, P,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE_STREAM, U, X,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE_STREAM, U, E,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.INVOKE_STREAM, A, N,  OK,          OK),
    (Route.INVOKE_STREAM, A, P,  OK_AUDITED,  OK_AUDITED),
    (Route.INVOKE_STREAM, A, X,  OK_AUDITED,  STAGE),
    (Route.INVOKE_STREAM, A, E,  ENDPOINT,    ENDPOINT),
    (Route.VALIDATE,      U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VALIDATE,      U, P,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VALIDATE,      U, X,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VALIDATE,      U, E,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.VALIDATE,      A, N,  OK,          OK),
    (Route.VALIDATE,      A, P,  OK,          OK),
    (Route.VALIDATE,      A, X,  OK,          STAGE),
    (Route.VALIDATE,      A, E,  ENDPOINT,    ENDPOINT),
    (Route.SAVE,          U, N,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.SAVE,          U, P,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.SAVE,          U, X,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.SAVE,          U, E,  ADMIN_ONLY,  ADMIN_ONLY),
    (Route.SAVE,          A, N,  OK_AUDITED,  OK_AUDITED),
    (Route.SAVE,          A, P,  OK_AUDITED,  OK_AUDITED),
    (Route.SAVE,          A, X,  OK_AUDITED,  STAGE),
    (Route.SAVE,          A, E,  ENDPOINT,    ENDPOINT),
    (Route.DISCOVER_SAGEMAKER, U, N, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_SAGEMAKER, U, X, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_SAGEMAKER, A, N, OK_AUDITED, SCOPE),
    (Route.DISCOVER_SAGEMAKER, A, X, OK_AUDITED, SCOPE),
    (Route.DISCOVER_ENDPOINT,  U, N, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_ENDPOINT,  U, X, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_ENDPOINT,  A, N, OK_AUDITED, SCOPE),
    (Route.DISCOVER_ENDPOINT,  A, X, OK_AUDITED, SCOPE),
    (Route.DISCOVER_BEDROCK,   U, N, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_BEDROCK,   U, X, ADMIN_ONLY, ADMIN_ONLY),
    (Route.DISCOVER_BEDROCK,   A, N, OK_AUDITED, SCOPE),
    (Route.DISCOVER_BEDROCK,   A, X, OK_AUDITED, SCOPE),
    (Route.PROBE,              U, N, ADMIN_ONLY, ADMIN_ONLY),
    (Route.PROBE,              U, X, ADMIN_ONLY, ADMIN_ONLY),
    (Route.PROBE,              A, N, OK_AUDITED, SCOPE),
    (Route.PROBE,              A, X, OK_AUDITED, SCOPE),
]
# fmt: on


def kinds_of(route: Route) -> tuple[Kind, ...]:
    if route in DISCOVERY_ROUTES:
        return (Kind.NONE, Kind.CROSS_ACCOUNT)
    return tuple(Kind) if route in BODY_ROUTES else (Kind.NONE,)


# Without an identity every route but the OpenAPI document answers 401, whatever the body asks for.
ANONYMOUS = [
    (route, Caller.ANONYMOUS, kind, *((OK, OK) if route is Route.OPENAPI else (UNAUTHENTICATED, UNAUTHENTICATED)))
    for route in Route
    for kind in kinds_of(route)
]

CELLS = [
    pytest.param(route, caller, kind, stage, expect, id=f"{route}|{caller}|{kind}|{stage}")
    for route, caller, kind, dev, prod in SIGNED_IN + ANONYMOUS
    for stage, expect in (("dev", dev), ("prod", prod))
]

ACTIONS = {
    Route.GET_MODEL: "read",
    Route.AUDIT: "read",
    Route.INVOKE: "invoke",
    Route.INVOKE_STREAM: "invoke",
    Route.VALIDATE: "validate",
    Route.SAVE: "save",
    Route.DELETE: "delete",
    Route.VERSIONS: "read",
    Route.VERSION: "read",
    Route.DISCOVER_SAGEMAKER: "discover",
    Route.DISCOVER_ENDPOINT: "discover",
    Route.DISCOVER_BEDROCK: "discover",
    Route.PROBE: "probe",
}
TARGETS = {
    Route.GET_MODEL: DEFAULT_MODEL,
    Route.SAVE: NEW_ID,
    Route.DELETE: SAVED_ID,
    Route.AUDIT: None,
    Route.VERSIONS: SAVED_ID,
    Route.VERSION: SAVED_ID,
    **dict.fromkeys(DISCOVERY_ROUTES),
}
MODEL_CALLS = (Route.INVOKE, Route.INVOKE_STREAM)


def test_matrix_covers_every_route_caller_stage_and_kind() -> None:
    # Given the table / When its cells are counted / Then nothing is missing or listed twice
    cells = {(route, caller, kind) for route, caller, kind, _dev, _prod in SIGNED_IN + ANONYMOUS}
    expected = {(route, caller, kind) for route in Route for caller in Caller for kind in kinds_of(route)}
    assert cells == expected
    assert len(SIGNED_IN + ANONYMOUS) == len(expected)


@dataclass
class Outcome:
    status: int
    body: Any
    before_first_byte: tuple[int, list[dict[str, Any]]] | None = None  # (upstream activity, audit) for streams


def send(api: ApiHarness, route: Route, event: dict[str, Any]) -> Outcome:
    if route is not Route.INVOKE_STREAM:
        reply = api.call(event)
        return Outcome(reply.status, reply.body)
    streamed, body = api.stream(event, consume=False)
    before = (api.clients.upstream_activity, api.audit())
    streamed.chunks.extend(body)
    return Outcome(streamed.status, streamed.frames if streamed.status == 200 else streamed.body, before)


def discovery_patch(route: Route, kind: Kind, *, refused_unread: bool) -> dict[str, Any]:
    """What the audit record keeps of a discovery request: as validated (a role with its session duration), or,
    refused to a non-admin before validation (rule 6), as sent."""
    role: dict[str, Any] = {}
    if kind is X:
        role = {
            "cross_account": {"role_arn": ALLOWED_ROLE_ARN, **({} if refused_unread else {"session_duration_s": 3600})}
        }
    if route is Route.PROBE:
        return {**probe_body(), **role}
    sources: dict[Route, dict[str, Any]] = {
        Route.DISCOVER_SAGEMAKER: {"source": "sagemaker-endpoints"},
        Route.DISCOVER_ENDPOINT: {"source": "sagemaker-endpoint", "endpoint_name": PROBED_ENDPOINT},
        Route.DISCOVER_BEDROCK: {
            "source": "bedrock-models",
            **({} if refused_unread else {"kinds": ["foundation-model"]}),
        },
    }
    source = sources[route]
    return {**source, "region": DISCOVERY_REGION, **role}


def expected_patch(route: Route, kind: Kind, *, refused_unread: bool) -> Any:
    """What the record keeps: a save refused to a non-admin keeps the config as sent (refused before the body
    was validated, rule 6), any other the config as validated."""
    if route in DISCOVERY_ROUTES:
        return discovery_patch(route, kind, refused_unread=refused_unread)
    if route is Route.SAVE:
        return saved_config(kind) if refused_unread else parse_model_config(saved_config(kind)).to_json_dict()
    if route in (Route.INVOKE, Route.INVOKE_STREAM, Route.VALIDATE):
        return PATCHES[kind]
    return None


USERNAMES = {Caller.USER: "bob", Caller.ADMIN: "ada-admin"}

# What a successful answer must say, per route: (body, caller, api) -> bool
SUCCESS_CHECKS: dict[Route, Callable[[Any, Caller, ApiHarness], bool]] = {
    Route.ME: lambda body, caller, _api: body["username"] == USERNAMES[caller],
    Route.LIST_MODELS: lambda body, _caller, _api: DEFAULT_MODEL in [m["id"] for m in body["models"]],
    Route.SCHEMA: lambda body, _caller, _api: body["title"] == "ModelConfig",
    Route.OPENAPI: lambda body, _caller, _api: "/invoke" in body["paths"],
    Route.GET_MODEL: lambda body, _caller, _api: body["config"]["id"] == DEFAULT_MODEL,
    Route.AUDIT: lambda body, _caller, _api: isinstance(body["records"], list),
    Route.VERSIONS: lambda body, _caller, _api: [v["version"] for v in body["versions"]] == [1],
    Route.VERSION: lambda body, _caller, _api: (body["version"], body["config"]["id"]) == (1, SAVED_ID),
    Route.DELETE: lambda body, _caller, _api: body == {"id": SAVED_ID, "deleted": True},
    Route.INVOKE: lambda body, _caller, api: body["output"] == api.clients.script.text,
    Route.INVOKE_STREAM: lambda frames, _caller, _api: [f.event for f in frames][-1] == "done",
    Route.VALIDATE: lambda body, _caller, _api: body["request"]["params"]["modelId"].startswith("anthropic."),
    Route.SAVE: lambda body, _caller, _api: (body["id"], body["version"]) == (NEW_ID, 1),
    Route.DISCOVER_SAGEMAKER: lambda body, _caller, _api: PROBED_ENDPOINT in [e["name"] for e in body["endpoints"]],
    Route.DISCOVER_ENDPOINT: lambda body, _caller, _api: body["config"]["provider"]["endpoint_name"] == PROBED_ENDPOINT,
    Route.DISCOVER_BEDROCK: lambda body, _caller, _api: {m["kind"] for m in body["models"]} == {"foundation-model"},
    Route.PROBE: lambda body, _caller, _api: (body["format"], body["calls"]) == ("tgi", 1),
}


@pytest.mark.parametrize(("route", "caller", "kind", "stage", "expect"), CELLS)
def test_cell(  # noqa: PLR0917 - one argument per matrix dimension
    make_api: Callable[..., ApiHarness], route: Route, caller: Caller, kind: Kind, stage: str, expect: Expect
) -> None:
    # Given the stage's API, a saved model to delete, and the caller's request
    api = make_api(stage=stage)
    api.seed_model(saved_config(model_id=SAVED_ID))
    event = event_for(route, caller, kind)

    # When the request is sent
    outcome = send(api, route, event)

    # Then the status and the body are the expected ones, never a stack trace
    assert outcome.status == expect.status, outcome.body
    if expect.error is None:
        assert SUCCESS_CHECKS[route](outcome.body, caller, api), outcome.body
    else:
        assert outcome.body["error"] == expect.error
        assert outcome.body.get("rule") == expect.rule
        assert outcome.body["message"]
        assert "Traceback" not in str(outcome.body)

    # And the audit table holds exactly the expected record
    records = api.audit()
    if expect.audit is None:
        assert records == []
    else:
        assert len(records) == 1, records
        record = records[0]
        claims = event["requestContext"]["authorizer"]["claims"]
        assert record["actor"] == claims["cognito:username"]
        assert record["actor_sub"] == claims["sub"]
        assert record["request_id"] == event["requestContext"]["requestId"]
        assert record["timestamp"] == "2026-03-01T12:00:00.123Z"
        assert record["action"] == ACTIONS[route]
        assert record["outcome"] == expect.audit
        assert record.get("rule") == expect.rule
        assert record["patch"] == expected_patch(route, kind, refused_unread=expect.rule == "admin_only")
        assert record.get("role_arn") == (ALLOWED_ROLE_ARN if kind is Kind.CROSS_ACCOUNT else None)
        assert record.get("model_id") == TARGETS.get(route, DEFAULT_MODEL)
        if route in (Route.INVOKE, Route.INVOKE_STREAM, Route.VALIDATE):
            assert record["base_model_id"] == DEFAULT_MODEL

    # And discovery read (through the role, when asked) only when it was allowed to
    if route in DISCOVERY_ROUTES and expect.status == 200:
        roles = {r.role_arn for r in api.clients.client_requests}
        assert roles == {ALLOWED_ROLE_ARN if kind is Kind.CROSS_ACCOUNT else None}
        assert {r.caller for r in api.clients.client_requests} == {USERNAMES[caller]}
        assert api.clients.upstream_activity > 0
    # And a model was called once, as configured, only when the request was allowed to call it
    elif route in MODEL_CALLS and expect.status == 200:
        (call,) = api.clients.calls
        assert call.target == "anthropic.claude-3-haiku-20240307-v1:0"
        assert call.client.region == "us-east-1"
        assert call.client.endpoint_url is None
        assert call.client.role_arn == (ALLOWED_ROLE_ARN if kind is Kind.CROSS_ACCOUNT else None)
        assert call.client.caller == USERNAMES[caller]
    else:
        assert api.clients.upstream_activity == 0

    # And a stream decided everything (status, audit intent, the call) before its first byte
    if outcome.before_first_byte is not None:
        activity, audit_before = outcome.before_first_byte
        assert activity == (2 if expect.status == 200 else 0)  # the client built and the call started
        if expect.audit == "success":
            assert [r["outcome"] for r in audit_before] == ["allowed"]
        elif expect.audit == "denied":
            assert [r["outcome"] for r in audit_before] == ["denied"]


def test_a_streamed_denial_is_decided_before_the_first_byte(api: ApiHarness) -> None:
    # Given a plain user's streamed invoke with an override
    event = event_for(Route.INVOKE_STREAM, Caller.USER, Kind.OVERRIDE)

    # When the stream is opened but not read
    reply, _unread = api.stream(event, consume=False)

    # Then the answer is already a 403 JSON error with the denial audited, and nothing went upstream
    assert reply.status == 403
    assert reply.headers["Content-Type"] == "application/json"
    assert [r["outcome"] for r in api.audit()] == ["denied"]
    assert api.clients.upstream_activity == 0
