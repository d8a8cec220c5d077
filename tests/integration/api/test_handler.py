"""``lambdas.handler.handler``, the deployed entry point: environment, 413 before routing, metrics, logs.

The object graph is built from real environment variables and a runtime settings file; only the
runtime clients are swapped for the recording fake; DynamoDB is moto in this process (the deployed tables' code).
"""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from lambdas import handler as entry
from lambdas.services import build_services
from lambdas.settings import EnvSettings
from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import FakeLambdaContext, reply_of
from tests.fakes.clients import RecordingClientFactory, shared_session
from tests.fakes.inventory import DEFAULT_MODEL, runtime_settings
from tests.fakes.tables import AUDIT_TABLE, MODELS_TABLE, VERSIONS_TABLE, audit_items, create_tables
from tests.unit.api.scenarios import PROMPT

# A request that invokes no model publishes no metric; Powertools warns about it, which is expected here.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")

AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ROLE_EXTERNAL_ID = "external-id-4f3c2b1a"


@pytest.fixture
def deployed(aws: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> RecordingClientFactory:
    """The Lambda's environment: a settings file, table names, Powertools switches; a fresh container."""
    settings_file = tmp_path / "runtime-settings.json"
    settings_file.write_text(runtime_settings("dev").model_dump_json(), encoding="utf-8")
    environment = {
        "RUNTIME_SETTINGS_FILE": str(settings_file),
        "MODELS_TABLE_NAME": MODELS_TABLE,
        "MODEL_VERSIONS_TABLE_NAME": VERSIONS_TABLE,
        "AUDIT_TABLE_NAME": AUDIT_TABLE,
        "AUDIT_TTL_DAYS": "30",
        "MAX_BODY_BYTES": "4096",
        "CORS_ALLOW_ORIGIN": "https://studio.example.com",
        "AWS_REGION": "us-east-1",
        "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
        "POWERTOOLS_SERVICE_NAME": "model-studio-api",
        "POWERTOOLS_METRICS_NAMESPACE": "ModelStudioTests",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(entry.metrics, "namespace", "ModelStudioTests")  # read at import; the env var is for Lambda
    monkeypatch.setattr(entry, "_application", None)
    clients = RecordingClientFactory()
    create_tables(shared_session().client("dynamodb", region_name="us-east-1"))

    def with_fake_runtime_clients(env: EnvSettings, **kwargs: Any) -> Any:
        return build_services(env, clients=clients, **kwargs)

    monkeypatch.setattr(entry, "build_services", with_fake_runtime_clients)
    return clients


def call(event: dict[str, Any]) -> Any:
    return reply_of(entry.handler(event, FakeLambdaContext()))


def test_the_entry_point_builds_the_api_from_the_environment(deployed: RecordingClientFactory) -> None:
    # When a plain user asks who they are through the Lambda handler
    reply = call(rest_event("GET", "/me", claims=user_claims()))

    # Then the stage comes from the settings file and CORS from the environment
    assert reply.status == 200
    assert reply.body["stage"] == "dev"
    assert reply.body["is_admin"] is False
    assert reply.headers["Access-Control-Allow-Origin"] == "https://studio.example.com"


def test_the_audit_ttl_comes_from_the_environment(deployed: RecordingClientFactory) -> None:
    # When an admin invokes with an override
    body = {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.1}}}
    reply = call(rest_event("POST", "/invoke", claims=admin_claims(), body=body))

    # Then the record expires AUDIT_TTL_DAYS after it was written
    assert reply.status == 200
    (record,) = audit_items(shared_session().client("dynamodb", region_name="us-east-1"))
    written = int(entry.application()[1].clock().timestamp())
    assert written - 60 <= record["expires_at"] - 30 * 86400 <= written


@pytest.mark.parametrize("base64_encoded", [False, True])
def test_an_oversized_body_is_a_413_before_routing(deployed: RecordingClientFactory, base64_encoded: bool) -> None:
    # Given a body above MAX_BODY_BYTES (4096 here)
    raw = json.dumps({"prompt": "x" * 6000})
    event = rest_event("POST", "/invoke", claims=admin_claims(), raw_body=raw)
    if base64_encoded:
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw.encode()).decode(), True

    # When it reaches the handler
    reply = call(event)

    # Then it is a 413 in the one error format, with CORS, and nothing was called or audited
    assert reply.status == 413
    assert reply.body["error"] == "payload_too_large"
    assert "4096" in reply.body["message"]
    assert reply.headers["Access-Control-Allow-Origin"] == "https://studio.example.com"
    assert deployed.upstream_activity == 0
    assert audit_items(shared_session().client("dynamodb", region_name="us-east-1")) == []


def test_a_body_at_the_limit_is_accepted(deployed: RecordingClientFactory) -> None:
    # Given a body of exactly MAX_BODY_BYTES
    raw = json.dumps({"prompt": ""})
    raw = json.dumps({"prompt": "y" * (4096 - len(raw))})
    assert len(raw) == 4096

    # When it reaches the handler
    reply = call(rest_event("POST", "/invoke", claims=user_claims(), raw_body=raw))

    # Then it is served
    assert reply.status == 200, reply.body


def test_metrics_are_emitted_per_model_with_latency_and_tokens(
    deployed: RecordingClientFactory, capfd: pytest.CaptureFixture[str]
) -> None:
    # When a plain user invokes the default model
    reply = call(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT}))

    # Then one EMF document carries the invocation count, latency and tokens with the model as dimension
    assert reply.status == 200
    documents = [json.loads(line) for line in capfd.readouterr().out.splitlines() if '"_aws"' in line]
    (emf,) = [d for d in documents if "Invocations" in d]
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "ModelStudioTests"
    assert directive["Dimensions"] == [["model_id"]]
    assert {m["Name"] for m in directive["Metrics"]} == {"Invocations", "LatencyMs", "InputTokens", "OutputTokens"}
    assert emf["model_id"] == DEFAULT_MODEL
    assert (emf["Invocations"], emf["InputTokens"], emf["OutputTokens"]) == ([1.0], [11.0], [7.0])


def test_nothing_sensitive_is_logged_at_info(
    deployed: RecordingClientFactory, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # Given requests carrying a prompt, a system prompt, a token, an external id, and a failing model
    caplog.set_level(logging.INFO)
    claims = admin_claims()
    override = {"cross_account": {"role_arn": "arn:aws:iam::111122223333:role/model-studio-invoke-x"}}
    override["cross_account"]["external_id"] = ROLE_EXTERNAL_ID
    events = [
        rest_event("POST", "/invoke", claims=claims, body={"prompt": PROMPT, "system": "SYSTEM-SECRET", "debug": True}),
        rest_event("POST", "/invoke", claims=claims, body={"prompt": PROMPT, "override": override}),
        rest_event("POST", "/models/validate", claims=claims, body={"prompt": PROMPT}),
        rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT, "override": {"model_kwargs": {}}}),
    ]

    # When they are handled, the last one by a model that fails
    replies = [call(event) for event in events[:3]]
    deployed.script.error = RuntimeError("unexpected failure")
    replies.append(call(events[3]))
    replies.append(call(rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT})))

    # Then the answers were produced
    assert [r.status for r in replies] == [200, 200, 200, 403, 500]
    # And no log line at INFO or above holds the prompt, the system prompt, the token, credentials or claims
    logged = capfd.readouterr().out + "\n".join(
        f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records if r.levelno >= logging.INFO
    )
    token = events[0]["headers"]["Authorization"]
    for secret in ("ACME-SECRET-PROJECT", "SYSTEM-SECRET", token, AWS_SECRET, ROLE_EXTERNAL_ID, claims["email"]):
        assert secret not in logged, secret
    # But the failure itself was logged, so an operator can find it by request id
    assert "unhandled error" in logged


def test_errors_before_routing_never_return_a_stack_trace(deployed: RecordingClientFactory) -> None:
    # When a request has a body that is not JSON
    reply = call(rest_event("POST", "/invoke", claims=user_claims(), raw_body="{not json"))

    # Then it is a 400 naming the document root
    assert reply.status == 400
    assert reply.body["details"] == [{"path": "$", "message": "JSON decode error", "type": "json_invalid"}]
