"""Rule 6 (DESIGN §4): identity and the admin check come before the request body is validated. A plain user gets
the same 403 on an admin-only route whatever the body (even one that is not JSON), and the attempt is audited."""

from __future__ import annotations

from typing import Any

import pytest

from tests.events import admin_claims, model_event, rest_event, user_claims
from tests.fakes.api import ApiHarness

# (route, event builder with a malformed request, the audited action, the model id the record names)
MALFORMED: dict[str, tuple[Any, str, str | None]] = {
    "PUT /models/{id} not JSON": (
        lambda claims: model_event("PUT", "team-model", claims=claims, raw_body="{not json"),
        "save",
        "team-model",
    ),
    "PUT /models/{id} wrong types": (
        lambda claims: model_event("PUT", "team-model", claims=claims, body={"config": 5, "version": "one"}),
        "save",
        "team-model",
    ),
    "POST /models/validate unknown keys": (
        lambda claims: rest_event("POST", "/models/validate", claims=claims, body={"model_id": "x", "evil": True}),
        "validate",
        "x",
    ),
    "DELETE /models/{id} without version": (
        lambda claims: model_event("DELETE", "team-model", claims=claims),
        "delete",
        "team-model",
    ),
    "GET /audit bad limit": (
        lambda claims: rest_event("GET", "/audit", claims=claims, query={"limit": "100000"}),
        "read",
        None,
    ),
    "GET /models/{id} bad id": (
        lambda claims: model_event("GET", "NOT A SLUG", claims=claims),
        "read",
        "NOT A SLUG",
    ),
    "GET /discovery/sagemaker/endpoints without region, bad limit": (
        lambda claims: rest_event("GET", "/discovery/sagemaker/endpoints", claims=claims, query={"limit": "0"}),
        "discover",
        None,
    ),
    "POST /discovery/probe not JSON": (
        lambda claims: rest_event("POST", "/discovery/probe", claims=claims, raw_body="{not json"),
        "probe",
        None,
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_plain_user_is_refused_before_the_body_is_read(api: ApiHarness, case: str) -> None:
    build, action, model_id = MALFORMED[case]

    # When a plain user sends a malformed request to an admin-only route
    reply = api.call(build(user_claims()))

    # Then it is the admin-only 403, not a validation error that describes the route's body
    assert reply.status == 403, reply.body
    assert (reply.body["error"], reply.body["rule"]) == ("forbidden", "admin_only")
    assert "details" not in reply.body
    # And the attempt is audited as denied, naming the action and the model it aimed at
    (record,) = api.audit()
    assert (record["action"], record["outcome"], record["rule"]) == (action, "denied", "admin_only")
    assert record["actor"] == "bob"
    assert record["model_id"] == model_id
    assert api.clients.upstream_activity == 0


@pytest.mark.parametrize("case", list(MALFORMED))
def test_an_admin_still_gets_the_validation_error(api: ApiHarness, case: str) -> None:
    build, _, _ = MALFORMED[case]
    reply = api.call(build(admin_claims()))
    assert reply.status in (400, 404), reply.body
    assert reply.body["error"] in ("validation_error", "not_found")
    assert api.audit() == []


def test_a_denied_save_records_the_config_it_was_sent(api: ApiHarness) -> None:
    # Given a plain user's save of a (valid) config with a role
    role_arn = "arn:aws:iam::111122223333:role/model-studio-invoke-x"
    config: dict[str, Any] = {
        "schema_version": 1,
        "id": "team-model",
        "name": "x",
        "provider": {"type": "bedrock", "model_id": "m"},
        "cross_account": {"role_arn": role_arn},
    }
    body = {"config": config, "version": 0, "base_model_id": "chat-default"}

    # When it is refused
    assert api.call(model_event("PUT", "team-model", claims=user_claims(), body=body)).status == 403

    # Then the record keeps what was asked: the config as sent, its base model and the role it named
    (record,) = api.audit()
    assert record["patch"] == config
    assert record["base_model_id"] == "chat-default"
    assert record["role_arn"] == role_arn


def test_no_identity_is_a_401_before_anything_else(api: ApiHarness) -> None:
    reply = api.call(model_event("PUT", "team-model", claims=None, raw_body="{not json"))
    assert reply.status == 401
    assert reply.body["error"] == "unauthorized"
    assert api.audit() == []
