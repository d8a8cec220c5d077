"""One body description, two real-world error dialects: serde (TGI) and everit (Bedrock)."""

from __future__ import annotations

import json

from local.emulator.formats import bedrock_anthropic, bedrock_titan, tgi
from local.emulator.schema_check import everit_messages, serde_error


def _serde(text: str) -> str | None:
    return serde_error(tgi.REQUEST, json.loads(text), text)


def test_serde_accepts_a_valid_tgi_body() -> None:
    assert _serde('{"inputs": "hi", "parameters": {"max_new_tokens": 5, "stop": ["x"], "seed": null}}') is None


def test_serde_missing_field_is_reported_at_the_closing_brace() -> None:
    assert _serde("{}") == "missing field `inputs` at line 1 column 2"
    assert _serde('{"prompt": "x"}') == "missing field `inputs` at line 1 column 15"


def test_serde_unknown_parameter_names_the_path_and_the_expected_fields() -> None:
    message = _serde('{"inputs": "x",\n "parameters": {"max_tokens": 5}}')
    assert message is not None
    assert message.startswith("parameters: unknown field `max_tokens`, expected one of `best_of`, `temperature`")
    assert message.endswith("`adapter_id` at line 2 column 28")


def test_serde_type_errors_use_rust_type_names() -> None:
    assert _serde('{"inputs": "x", "parameters": {"max_new_tokens": "5"}}') == (
        'parameters.max_new_tokens: invalid type: string "5", expected u32 at line 1 column 52'
    )
    assert _serde('{"inputs": "x", "parameters": {"max_new_tokens": -1}}') == (
        "parameters.max_new_tokens: invalid value: integer `-1`, expected u32 at line 1 column 51"
    )
    assert _serde('{"inputs": "x", "parameters": {"stop": ["a", 3]}}') == (
        "parameters.stop[1]: invalid type: integer `3`, expected a string at line 1 column 46"
    )
    assert _serde('{"inputs": 7}') == "inputs: invalid type: integer `7`, expected a string at line 1 column 12"
    assert _serde('{"inputs": "x", "parameters": []}') == (
        "parameters: invalid type: sequence, expected struct GenerateParameters at line 1 column 31"
    )


def test_serde_reports_the_first_problem_in_document_order() -> None:
    message = _serde('{"parameters": {"temperature": true}, "stream": 1}')
    assert message is not None
    assert message.startswith("parameters.temperature: invalid type: boolean `true`, expected f32")


def test_everit_reports_every_violation_with_json_pointer_paths() -> None:
    body = {"inputText": "", "textGenerationConfig": {"maxTokenCount": "10", "topP": 1.5, "foo": 1}, "bar": 2}
    assert everit_messages(bedrock_titan.request_spec(8192), body) == [
        "#: extraneous key [bar] is not permitted",
        "#/inputText: expected minLength: 1, actual: 0",
        "#/textGenerationConfig: extraneous key [foo] is not permitted",
        "#/textGenerationConfig/maxTokenCount: expected type: Integer, found: String",
        "#/textGenerationConfig/topP: 1.5 is not less or equal to 1",
    ]


def test_everit_required_keys_enums_and_alternatives() -> None:
    body = {"anthropic_version": "2023-06-01", "messages": [{"role": "bot", "content": 5}]}
    assert everit_messages(bedrock_anthropic.REQUEST, body) == [
        "#: required key [max_tokens] not found",
        "#/anthropic_version: 2023-06-01 is not a valid enum value",
        "#/messages/0/role: bot is not a valid enum value",
        "#/messages/0/content: #: no subschema matched out of the total 2 subschemas",
    ]


def test_everit_accepts_a_valid_body() -> None:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 10,
        "system": "be brief",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    assert everit_messages(bedrock_anthropic.REQUEST, body) == []
