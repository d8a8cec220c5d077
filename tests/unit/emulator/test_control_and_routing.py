"""The control plane under /_emulator/ and request routing (authorization, unknown routes)."""

from __future__ import annotations

import json

from local.emulator.state import EmulatorState
from tests.support.emulator import Call


def test_health(call: Call) -> None:
    response = call("GET", "/_emulator/health", auth=False)
    body = json.loads(response.body)
    assert response.status == 200
    assert body["status"] == "ok"
    assert body["sagemaker_endpoints"] >= 4


def test_missing_authorization_gets_the_missing_token_error_and_is_not_logged(call: Call, state: EmulatorState) -> None:
    for path in ("/endpoints/tgi-mistral-7b/invocations", "/model/amazon.titan-text-express-v1/invoke"):
        response = call("POST", path, {"inputs": "x"}, auth=False)
        assert response.status == 403
        assert response.headers["x-amzn-ErrorType"].startswith("MissingAuthenticationTokenException")
        assert json.loads(response.body) == {"message": "Missing Authentication Token"}
    assert state.log.query()["total"] == 0


def test_unknown_operation(call: Call) -> None:
    assert call("POST", "/endpoints/tgi-mistral-7b/explode", {}).status == 404
    assert call("GET", "/endpoints/tgi-mistral-7b/invocations").status == 404
    assert call("GET", "/_emulator/nothing-here").status == 404


def test_registry_put_replaces_and_post_merges(call: Call) -> None:
    replaced = call("PUT", "/_emulator/registry", {"sagemaker": {"solo": "tgi"}})
    assert json.loads(replaced.body)["bedrock"] == {}
    merged = json.loads(call("POST", "/_emulator/registry", {"bedrock": {"m.a-v1": "bedrock-meta-llama"}}).body)
    assert set(merged["sagemaker"]) == {"solo"}
    assert merged["bedrock"]["m.a-v1"]["format"] == "bedrock-meta-llama"
    assert call("POST", "/endpoints/tgi-mistral-7b/invocations", {"inputs": "x"}).status == 400
    assert call("POST", "/endpoints/solo/invocations", {"inputs": "x"}).status == 200


def test_registry_rejects_an_invalid_body_with_details(call: Call) -> None:
    response = call("PUT", "/_emulator/registry", {"sagemaker": {"x": {"format": "nope"}}})
    body = json.loads(response.body)
    assert response.status == 400
    assert body["error"] == "validation_error"
    assert body["details"][0]["path"].startswith("sagemaker.x")


def test_faults_crud(call: Call) -> None:
    created = json.loads(call("POST", "/_emulator/faults", {"target": "*", "kind": "throttle", "count": 3}).body)
    assert created["kind"] == "throttle" and created["remaining"] == 3
    listed = json.loads(call("GET", "/_emulator/faults").body)["faults"]
    assert [fault["id"] for fault in listed] == [created["id"]]
    assert call("DELETE", f"/_emulator/faults/{created['id']}").status == 200
    assert call("DELETE", f"/_emulator/faults/{created['id']}").status == 404
    call("POST", "/_emulator/faults", {"target": "a", "kind": "latency"})
    assert json.loads(call("DELETE", "/_emulator/faults").body) == {"deleted": 1}
    assert call("POST", "/_emulator/faults", {"target": "a", "kind": "nope"}).status == 400


def test_request_log_records_what_was_sent_and_filters_by_target(call: Call) -> None:
    # Given two calls to two targets, one of them with SageMaker headers
    call(
        "POST",
        "/endpoints/tgi-mistral-7b/invocations",
        {"inputs": "logged", "parameters": {"max_new_tokens": 1}},
        {"X-Amzn-SageMaker-Custom-Attributes": "a=b", "Accept": "application/json"},
    )
    call("POST", "/model/amazon.titan-text-express-v1/invoke", {"inputText": "x"})

    # When the log is queried for one target
    log = json.loads(call("GET", "/_emulator/requests?target=tgi-mistral-7b").body)

    # Then only that request is listed, with its parsed body, headers of interest and outcome
    assert log["total"] == 1
    [entry] = log["requests"]
    assert entry["operation"] == "InvokeEndpoint"
    assert entry["body"] == {"inputs": "logged", "parameters": {"max_new_tokens": 1}}
    assert entry["headers"]["x-amzn-sagemaker-custom-attributes"] == "a=b"
    assert entry["headers"]["accept"] == "application/json"
    assert "authorization" not in entry["headers"]
    assert entry["access_key_id"] == "AKIDUNIT"
    assert entry["region"] == "eu-west-1"
    assert entry["status"] == 200
    assert json.loads(call("GET", "/_emulator/requests").body)["total"] == 2


def test_request_log_counts_errors_and_faults_and_clears(call: Call) -> None:
    call("POST", "/_emulator/faults", {"target": "tgi-mistral-7b", "kind": "throttle"})
    call("POST", "/endpoints/tgi-mistral-7b/invocations", {"inputs": "x"})
    [entry] = json.loads(call("GET", "/_emulator/requests?target=tgi-mistral-7b").body)["requests"]
    assert entry["fault"] == "throttle"
    assert entry["error_code"] == "ThrottlingException"
    call("DELETE", "/_emulator/requests")
    assert json.loads(call("GET", "/_emulator/requests").body) == {"total": 0, "count": 0, "requests": []}


def test_reset_clears_faults_and_log(call: Call) -> None:
    call("POST", "/_emulator/faults", {"target": "*", "kind": "throttle"})
    call("POST", "/endpoints/tgi-mistral-7b/invocations", {"inputs": "x"})
    assert call("POST", "/_emulator/reset").status == 200
    assert json.loads(call("GET", "/_emulator/faults").body) == {"faults": []}
    assert json.loads(call("GET", "/_emulator/requests").body)["total"] == 0
