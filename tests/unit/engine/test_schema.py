"""ModelConfig (DESIGN §2): required fields, discriminated provider, extra="forbid", bounds, JSON paths, JSON Schema."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pydantic
import pytest

from inference_engine.catalogue import FORMATS, catalogue_json
from inference_engine.errors import ConfigValidationError
from inference_engine.schema import (
    BedrockProvider,
    ModelConfig,
    SageMakerProvider,
    model_config_json_schema,
    parse_model_config,
)


def sagemaker_config(**extra: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "id": "my-model",
        "name": "My model",
        "provider": {"type": "sagemaker", "endpoint_name": "my-endpoint", "region": "us-east-1"},
        **extra,
    }


def bedrock_config(**extra: Any) -> dict[str, Any]:
    return {
        "schema_version": 1,
        "id": "claude",
        "name": "Claude",
        "provider": {"type": "bedrock", "model_id": "anthropic.claude-3-haiku-20240307-v1:0", "region": "us-east-1"},
        **extra,
    }


def error_of(data: Any) -> ConfigValidationError:
    with pytest.raises(ConfigValidationError) as caught:
        parse_model_config(data)
    return caught.value


def paths(error: ConfigValidationError) -> list[str]:
    return [detail.path for detail in error.details]


# --- required fields and defaults ------------------------------------------------------------------


def test_only_the_four_required_fields_make_a_valid_config_with_documented_defaults() -> None:
    # Given a SageMaker config with only schema_version, id, name and provider
    # When it is parsed
    config = parse_model_config(sagemaker_config())

    # Then every other field has its DESIGN §2 default
    assert isinstance(config.provider, SageMakerProvider)
    assert config.provider.content_type == "application/json"
    assert config.provider.accept == "application/json"
    assert config.provider.endpoint_kwargs.as_boto_kwargs() == {}
    assert config.cross_account is None
    assert config.model_kwargs == {}
    assert config.constraints.max_input_tokens is None
    assert config.constraints.max_total_tokens is None
    assert config.content_handler.request_template == {"inputs": "{{prompt}}", "parameters": "{{model_kwargs}}"}
    assert config.content_handler.output_path == "[0].generated_text"
    assert config.content_handler.stream is None
    assert config.content_handler.usage is None
    assert config.prompt.template is None
    assert config.prompt.stop_sequences == []
    assert config.supports_streaming is False


def test_bedrock_defaults_to_converse_which_always_streams() -> None:
    config = parse_model_config(bedrock_config())

    assert isinstance(config.provider, BedrockProvider)
    assert config.provider.api == "converse"
    assert config.provider.endpoint_url is None
    assert config.provider.guardrail is None
    assert config.supports_streaming is True


def test_invoke_model_streams_only_with_stream_settings() -> None:
    plain = bedrock_config()
    plain["provider"]["api"] = "invoke_model"
    streaming = copy.deepcopy(plain)
    streaming["content_handler"] = {"stream": {"framing": "bedrock-chunk", "output_path": "delta.text"}}

    assert parse_model_config(plain).supports_streaming is False
    assert parse_model_config(streaming).supports_streaming is True


@pytest.mark.parametrize("field", ["schema_version", "id", "name", "provider"])
def test_each_required_field_is_named_when_missing(field: str) -> None:
    data = sagemaker_config()
    del data[field]

    error = error_of(data)

    assert paths(error) == [field]
    assert error.details[0].type == "missing"
    assert error.message.startswith(f"Invalid model config at {field}:")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_schema_version_must_be_exactly_one(version: Any) -> None:
    error = error_of(sagemaker_config(schema_version=version))

    assert paths(error) == ["schema_version"]


def test_a_non_object_is_refused_at_the_root_path() -> None:
    error = error_of(["not", "an", "object"])

    assert paths(error) == ["$"]
    assert "expected an object, got list" in error.details[0].message


def test_parsed_config_is_immutable() -> None:
    config = parse_model_config(sagemaker_config())

    with pytest.raises(pydantic.ValidationError):
        config.name = "changed"  # type: ignore[misc]


def test_canonical_json_round_trips_to_an_equal_config() -> None:
    config = parse_model_config(catalogue_json("tgi"))

    again = parse_model_config(json.loads(json.dumps(config.to_json_dict())))

    assert again == config
    assert again.to_json_dict() == config.to_json_dict()


# --- discriminated union on provider.type ----------------------------------------------------------


def test_provider_fields_are_checked_against_the_union_member_named_by_type() -> None:
    # Given a bedrock provider that carries sagemaker fields and lacks model_id
    data = bedrock_config()
    data["provider"] = {"type": "bedrock", "endpoint_name": "x", "region": "us-east-1"}

    error = error_of(data)

    # Then the errors name the JSON paths as written (no pydantic "bedrock" tag segment in between)
    assert sorted(paths(error)) == ["provider.endpoint_name", "provider.model_id"]
    kinds = {d.path: d.type for d in error.details}
    assert kinds == {"provider.endpoint_name": "extra_forbidden", "provider.model_id": "missing"}


def test_an_unknown_provider_type_names_the_allowed_types() -> None:
    data = sagemaker_config()
    data["provider"] = {"type": "vertex", "endpoint_name": "x", "region": "us-east-1"}

    error = error_of(data)

    assert paths(error) == ["provider"]
    assert error.details[0].message == "provider.type must be 'sagemaker' or 'bedrock'"


# --- unknown keys at every level -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "path"),
    [
        ({"extra": 1}, "extra"),
        ({"provider": {"type": "sagemaker", "endpoint_name": "e", "region": "us-east-1", "url": "x"}}, "provider.url"),
        ({"cross_account": {"role_arn": "arn:aws:iam::123456789012:role/r", "mfa": "1"}}, "cross_account.mfa"),
        ({"constraints": {"max_tokens": 5}}, "constraints.max_tokens"),
        ({"content_handler": {"output": "x"}}, "content_handler.output"),
        (
            {"content_handler": {"stream": {"framing": "sse", "output_path": "a", "sep": "\n"}}},
            "content_handler.stream.sep",
        ),
        ({"content_handler": {"usage": {"total_tokens_path": "a"}}}, "content_handler.usage.total_tokens_path"),
        ({"prompt": {"chat_template": "x"}}, "prompt.chat_template"),
    ],
)
def test_unknown_keys_are_rejected_with_their_path(patch: dict[str, Any], path: str) -> None:
    error = error_of(sagemaker_config(**patch))

    assert paths(error) == [path]
    assert error.details[0].type == "extra_forbidden"
    assert error.details[0].message == "unknown field (the schema rejects keys it does not define)"


def test_unknown_keys_in_a_bedrock_guardrail_are_rejected() -> None:
    data = bedrock_config()
    data["provider"]["guardrail"] = {"identifier": "gr-1", "version": "1", "trace": "enabled"}

    assert paths(error_of(data)) == ["provider.guardrail.trace"]


@pytest.mark.parametrize("key", ["EndpointName", "Body", "ContentType", "Accept"])
def test_endpoint_kwargs_cannot_set_the_core_call_parameters(key: str) -> None:
    data = sagemaker_config()
    data["provider"]["endpoint_kwargs"] = {key: "x"}

    error = error_of(data)

    assert paths(error) == [f"provider.endpoint_kwargs.{key}"]
    assert error.details[0].message.startswith(f"'{key}' cannot be set through endpoint_kwargs; allowed keys: ")
    assert "InferenceComponentName" in error.details[0].message


def test_every_allow_listed_endpoint_kwarg_is_accepted_and_passed_to_boto() -> None:
    kwargs = {
        "CustomAttributes": "accept_eula=true",
        "TargetModel": "model-a.tar.gz",
        "TargetVariant": "blue",
        "TargetContainerHostname": "container-1",
        "InferenceId": "inf-1",
        "EnableExplanations": "`true`",
        "InferenceComponentName": "llama-ic",
        "SessionId": "NEW_SESSION",
    }
    data = sagemaker_config()
    data["provider"]["endpoint_kwargs"] = kwargs

    config = parse_model_config(data)

    assert isinstance(config.provider, SageMakerProvider)
    assert config.provider.endpoint_kwargs.as_boto_kwargs() == kwargs


# --- formats, patterns and the messages that explain them -----------------------------------------


@pytest.mark.parametrize(
    ("patch_provider", "path", "hint"),
    [
        ({"region": "US-EAST-1"}, "provider.region", "must be an AWS region name such as us-east-1"),
        ({"endpoint_name": "has_underscore"}, "provider.endpoint_name", "must be a SageMaker endpoint name"),
        ({"content_type": "json"}, "provider.content_type", "must be a MIME type such as application/json"),
    ],
)
def test_pattern_errors_explain_the_expected_format(patch_provider: dict[str, Any], path: str, hint: str) -> None:
    data = sagemaker_config()
    data["provider"].update(patch_provider)

    error = error_of(data)

    assert paths(error) == [path]
    assert error.details[0].message.startswith(hint)


@pytest.mark.parametrize(
    ("role", "external_id", "path"),
    [
        ("arn:aws:iam::12345:role/short-account", None, "cross_account.role_arn"),
        ("arn:aws:iam::123456789012:user/not-a-role", None, "cross_account.role_arn"),
        ("arn:aws:iam::123456789012:role/ok", "x", "cross_account.external_id"),
        ("arn:aws:iam::123456789012:role/ok", "has space", "cross_account.external_id"),
    ],
)
def test_cross_account_role_and_external_id_follow_iam_rules(role: str, external_id: str | None, path: str) -> None:
    error = error_of(sagemaker_config(cross_account={"role_arn": role, "external_id": external_id}))

    assert paths(error) == [path]


@pytest.mark.parametrize("duration", [899, 43201])
def test_session_duration_is_within_sts_limits(duration: int) -> None:
    data = sagemaker_config(
        cross_account={"role_arn": "arn:aws:iam::123456789012:role/r", "session_duration_s": duration}
    )

    assert paths(error_of(data)) == ["cross_account.session_duration_s"]


@pytest.mark.parametrize(
    "url", ["http://bedrock-runtime.us-east-1.amazonaws.com", "ftp://x", "https://", "https://host/path?q=1"]
)
def test_bedrock_endpoint_url_must_be_an_https_url(url: str) -> None:
    data = bedrock_config()
    data["provider"]["endpoint_url"] = url

    error = error_of(data)

    assert paths(error) == ["provider.endpoint_url"]
    assert "must be an https URL" in error.details[0].message


@pytest.mark.parametrize("version", ["0", "draft", "1.0", ""])
def test_guardrail_version_is_draft_or_a_number(version: str) -> None:
    data = bedrock_config()
    data["provider"]["guardrail"] = {"identifier": "gr-1", "version": version}

    assert paths(error_of(data)) == ["provider.guardrail.version"]


@pytest.mark.parametrize(
    ("handler", "path"),
    [
        ({"output_path": "choices[0"}, "content_handler.output_path"),
        ({"stream": {"framing": "sse", "output_path": "a.."}}, "content_handler.stream.output_path"),
        ({"usage": {"input_tokens_path": "[?"}}, "content_handler.usage.input_tokens_path"),
    ],
)
def test_jmespath_expressions_are_compiled_at_validation(handler: dict[str, Any], path: str) -> None:
    error = error_of(sagemaker_config(content_handler=handler))

    assert paths(error) == [path]
    assert "is not a valid JMESPath expression" in error.details[0].message


def test_stream_framing_is_one_of_the_three_known_framings() -> None:
    error = error_of(sagemaker_config(content_handler={"stream": {"framing": "ndjson", "output_path": "a"}}))

    assert paths(error) == ["content_handler.stream.framing"]


def test_a_prompt_template_that_does_not_compile_is_refused_with_its_line() -> None:
    template = "{{ bos_token }}\n{% for m in messages %}\n{{ m.content }\n{% endfor %}"

    with pytest.raises(ConfigValidationError) as caught:
        parse_model_config(sagemaker_config(prompt={"template": template}))

    assert [d.path for d in caught.value.details] == ["prompt.template"]
    assert caught.value.details[0].message.startswith("line 3: ")


def test_model_kwargs_keys_must_be_identifiers() -> None:
    error = error_of(sagemaker_config(model_kwargs={"max tokens": 5}))

    assert paths(error) == ["model_kwargs"]
    assert "'max tokens'" in error.details[0].message


def test_list_items_are_named_with_their_index() -> None:
    error = error_of(sagemaker_config(prompt={"stop_sequences": ["</s>", ""]}))

    assert paths(error) == ["prompt.stop_sequences[1]"]


def test_every_bad_field_is_reported_and_the_message_counts_the_rest() -> None:
    data = sagemaker_config(id="Not A Slug", name="")
    data["provider"]["region"] = "mars"

    error = error_of(data)

    assert sorted(paths(error)) == ["id", "name", "provider.region"]
    assert error.message.endswith("(and 2 more)")


# --- bounded sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (sagemaker_config(name="n" * 129), "name"),
        (sagemaker_config(id="a" * 65), "id"),
        (sagemaker_config(prompt={"stop_sequences": ["s"] * 17}), "prompt.stop_sequences"),
        (sagemaker_config(prompt={"stop_sequences": ["s" * 257]}), "prompt.stop_sequences[0]"),
        (sagemaker_config(prompt={"template": "x" * (64 * 1024 + 1)}), "prompt.template"),
        (sagemaker_config(prompt={"bos_token": "b" * 65}), "prompt.bos_token"),
        (sagemaker_config(model_kwargs={f"k{i}": i for i in range(65)}), "model_kwargs"),
        (sagemaker_config(model_kwargs={"blob": "x" * (32 * 1024)}), "model_kwargs"),
        (
            sagemaker_config(content_handler={"request_template": {"x": "y" * (32 * 1024)}}),
            "content_handler.request_template",
        ),
        (sagemaker_config(content_handler={"output_path": "a" * 1025}), "content_handler.output_path"),
        (sagemaker_config(constraints={"max_input_tokens": 0}), "constraints.max_input_tokens"),
    ],
)
def test_every_string_list_and_object_has_a_bound(data: dict[str, Any], path: str) -> None:
    assert paths(error_of(data)) == [path]


def _unbounded(node: Any, where: str) -> list[str]:
    """JSON Schema nodes for strings without maxLength/pattern, arrays without maxItems, maps without maxProperties."""
    found: list[str] = []
    if isinstance(node, dict):
        kind = node.get("type")
        if (
            kind == "string"
            and "maxLength" not in node
            and "pattern" not in node
            and "const" not in node
            and "enum" not in node
        ):
            found.append(where)
        if kind == "array" and "maxItems" not in node:
            found.append(where)
        if kind == "object" and isinstance(node.get("additionalProperties"), dict) and "maxProperties" not in node:
            found.append(where)
        for key, value in node.items():
            found += _unbounded(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _unbounded(value, f"{where}/{index}")
    return found


def test_the_exported_schema_bounds_every_string_list_and_map() -> None:
    # Free-form JSON values (request_template, model_kwargs values) are bounded by their serialized size instead.
    assert _unbounded(model_config_json_schema(), "#") == []


# --- JSON Schema export ----------------------------------------------------------------------------


def test_the_json_schema_is_a_valid_draft_2020_12_schema_with_a_provider_discriminator() -> None:
    schema = model_config_json_schema()

    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://model-studio.local/schema/model-config/v1"
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["id", "name", "provider", "schema_version"]
    assert schema["properties"]["provider"]["discriminator"]["propertyName"] == "type"
    assert set(schema["properties"]["provider"]["discriminator"]["mapping"]) == {"sagemaker", "bedrock"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_catalogue_adapter_is_valid_for_the_exported_schema(fmt: str) -> None:
    jsonschema.Draft202012Validator(model_config_json_schema()).validate(catalogue_json(fmt))


@pytest.mark.parametrize(
    "data",
    [
        sagemaker_config(extra=True),
        sagemaker_config(provider={"type": "vertex", "region": "us-east-1"}),
        sagemaker_config(provider={"type": "sagemaker", "endpoint_name": "e", "region": "Europe"}),
        sagemaker_config(prompt={"stop_sequences": ["s"] * 17}),
        sagemaker_config(schema_version=2),
    ],
)
def test_the_json_schema_and_the_server_reject_the_same_documents(data: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(model_config_json_schema())

    assert not validator.is_valid(data)
    with pytest.raises(ConfigValidationError):
        parse_model_config(data)


def test_model_config_validates_through_pydantic_directly_too() -> None:
    config = ModelConfig.model_validate(bedrock_config())

    assert config.id == "claude"
