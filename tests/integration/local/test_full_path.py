"""The embedded default end to end over real HTTP: Cognito (moto) -> local API -> engine -> emulator.

Every predefined local model covers one catalogue format; each is invoked buffered and streamed.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from inference_engine.catalogue import FORMATS
from local.inventory import INVENTORY_FILE, inventory_models, runtime_settings_document
from model_studio_client.sse import parse_events
from tests.support.local_stack import RunningStack, http

pytestmark = pytest.mark.integration

INVENTORY = {m["id"]: m for m in runtime_settings_document()["models"]}
PROMPT = "Hello there, how are you today?"


def sse_frames(body: str) -> list[tuple[str, dict[str, Any]]]:
    return [(event.event, event.json()) for event in parse_events([body])]


def emulator_requests(stack: RunningStack, target: str) -> dict[str, Any]:
    status, body, _ = http("GET", f"{stack.emulator}/_emulator/requests?target={quote(target, safe='')}&limit=5")
    assert status == 200
    return dict(json.loads(body))


def streams_natively(model: dict[str, Any]) -> bool:
    provider = model["provider"]
    converse = provider["type"] == "bedrock" and provider.get("api", "converse") == "converse"
    return converse or model.get("content_handler", {}).get("stream") is not None


@pytest.fixture(scope="module")
def tokens(local_stack: RunningStack) -> dict[str, str]:
    return {"admin": local_stack.login("admin"), "user": local_stack.login("user")}


def test_the_stack_is_ready_within_two_minutes(local_stack: RunningStack) -> None:
    # Given the stack was started with the same command `make dev` runs
    # Then it reported ready well within the two-minute budget
    assert local_stack.startup_s < 120


def test_the_inventory_covers_every_catalogue_format() -> None:
    # Given the local inventory of predefined models, built from what the emulator serves
    entries = json.loads(INVENTORY_FILE.read_text())
    # Then the models start from every base adapter of the catalogue, and the default is one of them
    assert {model.base for model in inventory_models()} == set(FORMATS)
    assert entries["default_model_id"] in INVENTORY


def test_signed_in_users_see_their_identity_and_capabilities(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    # When each seeded login asks who it is
    admin = json.loads(http("GET", local_stack.api + "/me", headers={"Authorization": tokens["admin"]})[1])
    user = json.loads(http("GET", local_stack.api + "/me", headers={"Authorization": tokens["user"]})[1])
    # Then the groups come from the verified ID token and the stage's policy decides the capabilities
    assert admin["is_admin"] is True and admin["groups"] == ["Administrators"]
    assert admin["capabilities"] == {"overrides": True, "cross_account": True, "custom_bedrock_endpoints": False}
    assert user["is_admin"] is False and user["groups"] == []
    assert user["capabilities"] == {"overrides": False, "cross_account": False, "custom_bedrock_endpoints": False}


@pytest.mark.parametrize("authorization", [None, "not-a-jwt", "Bearer eyJhbGciOiJub25lIn0.e30."])
def test_the_gateway_rejects_missing_or_invalid_tokens(local_stack: RunningStack, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    status, body, _ = http("GET", local_stack.api + "/models", headers=headers)
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})


def test_openapi_is_public(local_stack: RunningStack) -> None:
    status, body, _ = http("GET", local_stack.api + "/openapi.json")
    assert status == 200
    assert "/invoke" in json.loads(body)["paths"]


@pytest.mark.parametrize("model_id", sorted(INVENTORY))
def test_every_model_answers_buffered_and_streamed(
    local_stack: RunningStack, tokens: dict[str, str], model_id: str
) -> None:
    auth = {"Authorization": tokens["user"]}
    # When a plain user invokes the model, buffered
    status, body, _ = http("POST", local_stack.api + "/invoke", {"model_id": model_id, "prompt": PROMPT}, auth)
    # Then the emulator's answer is extracted through the adapter's output path
    assert status == 200, body
    answer = json.loads(body)
    assert answer["output"].startswith("Echo: Hello there")
    assert answer["model_id"] == model_id
    assert answer["usage"]["input_tokens"] > 0 and answer["usage"]["output_tokens"] > 0
    assert "debug" not in answer or answer["debug"] is None

    # When the same model is invoked with streaming
    status, body, headers = http(
        "POST", local_stack.api + "/invoke/stream", {"model_id": model_id, "prompt": PROMPT}, auth
    )
    # Then server-sent events carry the deltas and a final done frame
    assert status == 200, body
    assert headers["Content-Type"].startswith("text/event-stream")
    frames = sse_frames(body)
    kinds = [kind for kind, _ in frames]
    assert kinds[-1] == "done" and "delta" in kinds and set(kinds[:-1]) <= {"delta", "reasoning"}
    streamed = "".join(data["text"] for kind, data in frames if kind == "delta")
    assert streamed.startswith("Echo: Hello there")
    assert frames[-1][1]["model_id"] == model_id
    if streams_natively(INVENTORY[model_id]):
        assert kinds.count("delta") > 1, "a streaming model must stream in several deltas"


def test_the_adapter_body_reaches_the_container_exactly(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    # Given the TGI model, whose adapter renders a Mistral chat template into "inputs"
    http("DELETE", local_stack.emulator + "/_emulator/requests")
    status, _, _ = http(
        "POST",
        local_stack.api + "/invoke",
        {"model_id": "mistral-7b-tgi", "system": "Be brief.", "prompt": 'Say "hi" {{prompt}}'},
        {"Authorization": tokens["user"]},
    )
    assert status == 200
    # Then the emulator received exactly the rendered body: the prompt text is data, never template syntax
    logged = emulator_requests(local_stack, "tgi-mistral-7b")["requests"][-1]
    assert logged["body"]["inputs"] == '<s>[INST] Be brief.\n\nSay "hi" {{prompt}} [/INST]'
    assert logged["body"]["parameters"]["max_new_tokens"] == 256
    assert logged["body"]["parameters"]["stop"] == ["</s>"]


def test_the_cross_account_model_is_called_with_assumed_role_credentials(
    local_stack: RunningStack, tokens: dict[str, str]
) -> None:
    # Given a predefined model that goes through a cross-account role (moto STS)
    http("DELETE", local_stack.emulator + "/_emulator/requests")
    status, body, _ = http(
        "POST",
        local_stack.api + "/invoke",
        {"model_id": "claude-3-5-haiku-xacct", "prompt": PROMPT},
        {"Authorization": tokens["user"]},
    )
    assert status == 200, body
    direct_status, _, _ = http(
        "POST",
        local_stack.api + "/invoke",
        {"model_id": "claude-3-haiku", "prompt": PROMPT},
        {"Authorization": tokens["user"]},
    )
    assert direct_status == 200
    # Then the cross-account call was signed with the role's temporary key, not the function's own
    xacct = emulator_requests(local_stack, "us.anthropic.claude-3-5-haiku-20241022-v1:0")["requests"][-1]
    direct = emulator_requests(local_stack, "anthropic.claude-3-haiku-20240307-v1:0")["requests"][-1]
    assert direct["access_key_id"] == "local"
    assert xacct["access_key_id"] not in (None, "local")


FAULTS = {
    "throttle": (429, "throttled"),
    "model_error": (502, "model_error"),
    "malformed": (502, "bad_upstream_response"),
    "truncated": (502, "bad_upstream_response"),
    "service_unavailable": (502, "model_error"),
    "access_denied": (502, "credentials_error"),
}


@pytest.mark.parametrize(("kind", "expected"), FAULTS.items())
def test_injected_faults_map_to_documented_errors_and_are_audited(
    local_stack: RunningStack, tokens: dict[str, str], kind: str, expected: tuple[int, str]
) -> None:
    # Given an admin invoking with an override (so the call is audited) and an injected fault
    auth = {"Authorization": tokens["admin"]}
    body = {
        "model_id": "mistral-7b-tgi",
        "prompt": f"hello [[fault:{kind}]]",
        "override": {"model_kwargs": {"temperature": 0.2}},
    }
    # When the call is made
    status, text, _ = http("POST", local_stack.api + "/invoke", body, auth)
    # Then the user sees the mapped error, readable, without a stack trace
    error = json.loads(text)
    assert (status, error["error"]) == expected
    assert "Traceback" not in text and error["message"]
    # And the audit trail recorded the attempt and its outcome
    records = json.loads(http("GET", local_stack.api + "/audit?limit=20", headers=auth)[1])["records"]
    mine = [r for r in records if r["patch"] == body["override"] and r["error"] == expected[1]]
    assert mine and mine[0]["outcome"] == "error" and mine[0]["actor"] == "admin"


def test_a_stream_cut_midway_ends_with_an_error_frame(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    body = {"model_id": "claude-3-haiku-messages", "prompt": "hello [[fault:stream_cut]]"}
    status, text, _ = http("POST", local_stack.api + "/invoke/stream", body, {"Authorization": tokens["user"]})
    frames = sse_frames(text)
    assert status == 200
    assert frames[-1][0] == "error"
    assert frames[-1][1]["error"] in {"upstream_error", "bad_upstream_response", "model_error"}


def test_saved_models_survive_and_are_listed_for_everyone(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    admin, user = {"Authorization": tokens["admin"]}, {"Authorization": tokens["user"]}
    config = json.loads(http("GET", local_stack.api + "/models/mistral-7b-tgi", headers=admin)[1])["config"]
    config.update(id="mistral-cold", name="Mistral, cold")
    config["model_kwargs"]["temperature"] = 0.05
    status, body, _ = http(
        "PUT",
        local_stack.api + "/models/mistral-cold",
        {"config": config, "version": 0, "base_model_id": "mistral-7b-tgi"},
        admin,
    )
    assert status == 200, body
    listed = json.loads(http("GET", local_stack.api + "/models", headers=user)[1])["models"]
    saved = next(m for m in listed if m["id"] == "mistral-cold")
    assert saved["source"] == "saved" and saved["version"] == 1 and saved.get("endpoint_name") is None
    status, body, _ = http("POST", local_stack.api + "/invoke", {"model_id": "mistral-cold", "prompt": PROMPT}, user)
    assert status == 200, body
    logged = emulator_requests(local_stack, "tgi-mistral-7b")["requests"][-1]
    assert logged["body"]["parameters"]["temperature"] == 0.05


def test_concurrent_requests_never_see_each_others_identity(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    # Given admin and plain-user requests in flight at the same time (emulated containers are separate processes)
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    def whoami(username: str) -> tuple[str, str]:
        status, body, _ = http("GET", local_stack.api + "/me", headers={"Authorization": tokens[username]})
        assert status == 200, body
        return username, json.loads(body)["username"]

    # When 64 of them race
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(whoami, ["admin", "user"] * 32))
    # Then every answer names the caller who asked
    assert all(asked == answered for asked, answered in answers)


def management_requests(stack: RunningStack) -> int:
    """How many calls the emulator's SageMaker and Bedrock APIs have answered."""
    status, body, _ = http("GET", f"{stack.emulator}/_emulator/requests?limit=1000")
    assert status == 200
    return sum(r["service"] in ("sagemaker-api", "bedrock-api") for r in json.loads(body)["requests"])


def test_an_admin_discovers_the_predefined_endpoints_with_their_formats(
    local_stack: RunningStack, tokens: dict[str, str]
) -> None:
    # When an admin lists the region's SageMaker endpoints through the local API
    status, body, _ = http(
        "GET",
        local_stack.api + "/discovery/sagemaker/endpoints?region=us-east-1&limit=50",
        headers={"Authorization": tokens["admin"]},
    )
    assert status == 200, body
    page = json.loads(body)
    detected = {e["name"]: e["detection"]["format"] for e in page["endpoints"] if e["detection"]}
    # Then every predefined SageMaker model's endpoint is there, detected as the adapter it was built from
    for model in inventory_models():
        provider = model.config["provider"]
        if provider["type"] == "sagemaker" and not provider.get("endpoint_kwargs"):
            assert detected[provider["endpoint_name"]] == model.base


def test_a_probe_over_http_finds_the_format_and_is_audited(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    auth = {"Authorization": tokens["admin"]}
    target = {"type": "sagemaker", "endpoint_name": "djl-lmi-llama3-8b", "region": "us-east-1"}
    status, body, _ = http("POST", local_stack.api + "/discovery/probe", {"target": target}, auth)
    assert status == 200, body
    result = json.loads(body)
    assert (result["format"], result["streaming"], result["calls"]) == ("djl-lmi", True, 2)
    records = json.loads(http("GET", local_stack.api + "/audit?limit=20", headers=auth)[1])["records"]
    probe_record = next(r for r in records if r["action"] == "probe")
    assert (probe_record["outcome"], probe_record["patch"]["target"]) == ("success", target)


def test_a_plain_user_cannot_discover_and_nothing_is_read(local_stack: RunningStack, tokens: dict[str, str]) -> None:
    before = management_requests(local_stack)
    status, body, _ = http(
        "GET", local_stack.api + "/discovery/bedrock/models?region=nowhere", headers={"Authorization": tokens["user"]}
    )
    assert (status, json.loads(body)["rule"]) == (403, "admin_only")
    assert management_requests(local_stack) == before
