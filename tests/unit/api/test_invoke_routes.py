"""POST /invoke (buffered) and POST /models/validate: bodies, base model resolution, checks before any call."""

from __future__ import annotations

from typing import Any

import pytest

from tests.events import admin_claims, rest_event, user_claims
from tests.fakes.api import ApiHarness
from tests.fakes.clients import INPUT_TOKENS, OUTPUT_TOKENS
from tests.fakes.inventory import DEFAULT_MODEL, ENDPOINT_MODEL, model_config
from tests.unit.api.scenarios import PROMPT

REPORTED = {"input_estimated": False, "output_estimated": False}  # both counts came from the model


def invoke(api: ApiHarness, body: dict[str, Any], *, admin: bool = False) -> Any:
    return api.call(rest_event("POST", "/invoke", claims=admin_claims() if admin else user_claims(), body=body))


def validate(api: ApiHarness, body: dict[str, Any]) -> Any:
    return api.call(rest_event("POST", "/models/validate", claims=admin_claims(), body=body))


def test_a_plain_invoke_answers_the_documented_body(api: ApiHarness) -> None:
    # When a plain user invokes the default model without naming it
    event = rest_event("POST", "/invoke", claims=user_claims(), body={"prompt": PROMPT})
    reply = api.call(event)

    # Then the answer is the model's text with usage, latency and ids, and no debug section
    assert reply.status == 200
    body = reply.body
    assert body["output"] == api.clients.script.text
    assert body["usage"] == {
        "input_tokens": INPUT_TOKENS,
        "output_tokens": OUTPUT_TOKENS,
        "estimated": False,
        **REPORTED,
    }
    assert body["model_id"] == DEFAULT_MODEL
    assert body["request_id"] == event["requestContext"]["requestId"]
    assert body["stop_reason"] == "end_turn"
    assert body["latency_ms"] >= 0
    assert body.get("debug") is None
    # And the call sent the conversation and the model's kwargs
    (call,) = api.clients.calls
    assert call.params["messages"] == [{"role": "user", "content": [{"text": PROMPT}]}]
    assert call.params["inferenceConfig"] == {"maxTokens": 256, "temperature": 0.5}
    assert call.client.caller == "bob"


def test_messages_and_a_system_prompt_reach_the_model(api: ApiHarness) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"text": "Hello."}]},
        {"role": "user", "content": "Bye"},
    ]

    reply = invoke(api, {"messages": messages})

    assert reply.status == 200
    (call,) = api.clients.calls
    assert call.params["system"] == [{"text": "Be brief."}]
    assert [m["role"] for m in call.params["messages"]] == ["user", "assistant", "user"]


def test_admins_who_ask_get_the_debug_section(api: ApiHarness) -> None:
    reply = invoke(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "debug": True}, admin=True)

    assert reply.status == 200
    debug = reply.body["debug"]
    assert debug["rendered_prompt"] == PROMPT
    assert debug["request_body"] == {"inputs": PROMPT, "parameters": {"max_new_tokens": 128, "temperature": 0.2}}
    assert debug["raw_response"] == [{"generated_text": api.clients.script.text}]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({}, "$"),
        ({"prompt": PROMPT, "messages": [{"role": "user", "content": "x"}]}, "$"),
        ({"messages": [{"role": "system", "content": "only a system prompt"}]}, "messages"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "messages[0].role"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": PROMPT, "model_id": "Not A Slug"}, "model_id"),
        ({"prompt": PROMPT, "stream": "maybe"}, "stream"),
    ],
    ids=["nothing", "both", "system-only", "bad-role", "empty-prompt", "bad-model-id", "bad-stream"],
)
def test_an_invalid_conversation_is_a_400_before_any_call(api: ApiHarness, body: dict[str, Any], path: str) -> None:
    reply = invoke(api, body)

    assert reply.status == 400
    assert reply.error == "validation_error"
    assert path in [d["path"] for d in reply.body["details"]]
    assert api.clients.upstream_activity == 0


def test_an_unknown_model_is_a_404_before_any_call(api: ApiHarness) -> None:
    reply = invoke(api, {"model_id": "nope", "prompt": PROMPT})

    assert reply.status == 404
    assert reply.body == {"error": "not_found", "message": "Model 'nope' does not exist."}
    assert api.clients.upstream_activity == 0


def test_an_override_without_model_id_patches_the_default_model(api: ApiHarness) -> None:
    # When an admin sends a merge patch without naming a model
    reply = invoke(api, {"prompt": PROMPT, "override": {"model_kwargs": {"temperature": 0.9}}}, admin=True)

    # Then it applies to the stage's default model (DESIGN §8.3)
    assert reply.status == 200, reply.body
    assert reply.body["model_id"] == DEFAULT_MODEL
    (call,) = api.clients.calls
    assert call.params["inferenceConfig"] == {"maxTokens": 256, "temperature": 0.9}
    (record,) = api.audit()
    assert (record["base_model_id"], record["outcome"]) == (DEFAULT_MODEL, "success")


def test_a_full_config_without_model_id_is_from_scratch(api: ApiHarness) -> None:
    # When an admin sends a whole config and no model id
    config = model_config(ENDPOINT_MODEL, id="scratch", name="From scratch", model_kwargs={})
    reply = invoke(api, {"prompt": PROMPT, "override": config}, admin=True)

    # Then that config alone is invoked (nothing inherited from the default model)
    assert reply.status == 200, reply.body
    assert reply.body["model_id"] == "scratch"
    (call,) = api.clients.calls
    assert call.params["EndpointName"] == "llm-endpoint-prod"
    assert call.body == {"inputs": PROMPT, "parameters": {}}
    (record,) = api.audit()
    assert (record["model_id"], record.get("base_model_id")) == ("scratch", None)


def test_an_incomplete_config_from_scratch_names_the_missing_fields(api: ApiHarness) -> None:
    # When an admin's from-scratch config lacks its provider
    config = {"schema_version": 1, "id": "scratch", "name": "From scratch", "provider": None}
    reply = invoke(api, {"prompt": PROMPT, "override": config}, admin=True)

    # Then it is still from scratch (it names every required field), and the 400 says the provider is missing
    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == ["provider"]
    assert api.clients.upstream_activity == 0


def test_an_invalid_override_names_the_bad_field_and_is_audited(api: ApiHarness) -> None:
    reply = invoke(
        api, {"model_id": DEFAULT_MODEL, "prompt": PROMPT, "override": {"provider": {"region": "mars"}}}, admin=True
    )

    assert reply.status == 400
    assert reply.body["details"][0]["path"] == "provider.region"
    assert reply.body["details"][0]["message"] == "must be an AWS region name such as us-east-1"
    assert [(r["outcome"], r["error"]) for r in api.audit()] == [("error", "validation_error")]
    assert api.clients.upstream_activity == 0


def test_constraints_are_enforced_before_any_call(api: ApiHarness) -> None:
    override = {"constraints": {"max_input_tokens": 3}}

    reply = invoke(api, {"model_id": DEFAULT_MODEL, "prompt": PROMPT, "override": override}, admin=True)

    assert reply.status == 400
    assert reply.error == "constraint_violation"
    assert api.clients.upstream_activity == 0


def test_a_template_error_is_a_400_before_any_call(api: ApiHarness) -> None:
    override = {"prompt": {"template": "{{ messages[0].content | nosuchfilter }}"}}

    reply = invoke(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": override}, admin=True)

    assert reply.status == 400
    assert reply.error in ("template_error", "validation_error")
    assert api.clients.upstream_activity == 0


# --- validate --------------------------------------------------------------------------------------------


def test_validate_shows_the_merged_config_prompt_and_exact_request_without_calling(api: ApiHarness) -> None:
    # When an admin validates an override of the SageMaker model
    override = {"model_kwargs": {"temperature": 0.7}, "provider": {"endpoint_kwargs": {"TargetVariant": "b"}}}
    reply = validate(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": override})

    # Then the answer shows the merged config, the rendered prompt and the call it would make
    assert reply.status == 200, reply.body
    body = reply.body
    assert body["config"]["model_kwargs"] == {"max_new_tokens": 128, "temperature": 0.7}
    assert body["rendered_prompt"] == PROMPT
    assert body["request"] == {
        "operation": "sagemaker-runtime:InvokeEndpoint",
        "params": {
            "TargetVariant": "b",
            "EndpointName": "llm-endpoint-prod",
            "ContentType": "application/json",
            "Accept": "application/json",
        },
        "body": {"inputs": PROMPT, "parameters": {"max_new_tokens": 128, "temperature": 0.7}},
    }
    assert body["estimated_input_tokens"] > 0
    assert body["streaming"] is True
    # And no model was called, and a dry run with an override is not an audited action
    assert api.clients.upstream_activity == 0
    assert api.audit() == []


def test_validate_reports_an_invalid_override_at_its_path(api: ApiHarness) -> None:
    override = {"content_handler": {"output_path": "[0.generated_text"}}

    reply = validate(api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "override": override})

    assert reply.status == 400
    assert [d["path"] for d in reply.body["details"]] == ["content_handler.output_path"]
    assert api.clients.upstream_activity == 0


def test_a_buffered_invoke_that_asks_to_stream_sends_a_buffered_request(api: ApiHarness) -> None:
    # Given an adapter whose body tells the container to stream when the call streams (TGI, LMI, vLLM do)
    override = {"content_handler": {"request_template": {"inputs": "{{prompt}}", "stream": "{{stream}}"}}}
    # When `stream: true` reaches the buffered route (API Gateway answers buffered JSON)
    reply = invoke(
        api, {"model_id": ENDPOINT_MODEL, "prompt": PROMPT, "stream": True, "override": override}, admin=True
    )
    # Then the model got a buffered call whose body does not ask for a stream, and the answer is JSON
    assert reply.status == 200, reply.body
    (call,) = api.clients.calls
    assert call.operation == "InvokeEndpoint"
    assert call.body == {"inputs": PROMPT, "parameters": {"max_new_tokens": 128, "temperature": 0.2}}
    assert reply.body["output"] == api.clients.script.text
