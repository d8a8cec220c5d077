"""Request templates (DESIGN §2.1): typed whole-value substitution, in-string interpolation, nesting, variables
for every message shape, and prompts that can never change the body's structure."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.catalogue import FORMATS, load_catalogue
from inference_engine.engine import prepare, template_variables
from inference_engine.errors import TemplateError
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.request_template import referenced_variables, render_request, serialize_body
from inference_engine.schema import ModelConfig, parse_model_config
from tests.support.bodies import structure

VARIABLES: dict[str, Any] = {
    "prompt": "Hi",
    "messages": [{"role": "user", "content": "Hi"}],
    "system": None,
    "stop": ["</s>"],
    "model_kwargs": {"max_new_tokens": 64, "temperature": 0.2, "do_sample": False},
    "max_new_tokens": 64,
    "temperature": 0.2,
    "do_sample": False,
}


def render(template: Any, **overrides: Any) -> Any:
    return render_request(template, {**VARIABLES, **overrides})


# --- placeholder rules ---------------------------------------------------------------------------


def test_a_whole_value_placeholder_keeps_the_variables_json_type() -> None:
    body = render(
        {
            "inputs": "{{prompt}}",
            "parameters": "{{model_kwargs}}",
            "max": "{{max_new_tokens}}",
            "sample": "{{do_sample}}",
            "stop": "{{stop}}",
            "chat": "{{messages}}",
        }
    )

    assert body == {
        "inputs": "Hi",
        "parameters": {"max_new_tokens": 64, "temperature": 0.2, "do_sample": False},
        "max": 64,
        "sample": False,
        "stop": ["</s>"],
        "chat": [{"role": "user", "content": "Hi"}],
    }


def test_a_placeholder_inside_a_longer_string_is_interpolated_as_text() -> None:
    body = render(
        {"text": "[INST] {{prompt}} [/INST]", "info": "max={{max_new_tokens}} stop={{stop}} t={{temperature}}"}
    )

    assert body == {"text": "[INST] Hi [/INST]", "info": 'max=64 stop=["</s>"] t=0.2'}


def test_placeholders_work_nested_anywhere_in_objects_and_arrays() -> None:
    template = {
        "a": [{"b": ["{{prompt}}", {"c": "{{max_new_tokens}}"}]}, "x-{{prompt}}-y"],
        "d": {"e": {"f": "{{stop}}"}},
    }

    assert render(template) == {"a": [{"b": ["Hi", {"c": 64}]}, "x-Hi-y"], "d": {"e": {"f": ["</s>"]}}}


def test_whitespace_inside_the_braces_is_allowed() -> None:
    assert render({"a": "{{ prompt }}", "b": "<{{  max_new_tokens }}>"}) == {"a": "Hi", "b": "<64>"}


def test_dotted_names_read_keys_of_object_variables() -> None:
    assert render({"t": "{{model_kwargs.temperature}}", "s": "t={{model_kwargs.temperature}}"}) == {
        "t": 0.2,
        "s": "t=0.2",
    }


def test_object_keys_and_non_string_values_are_not_templated() -> None:
    template = {"{{prompt}}": 1, "n": 2.5, "flag": True, "nothing": None, "list": [1, None]}

    assert render(template) == template


def test_a_whole_placeholder_that_resolves_to_null_removes_its_key_or_item() -> None:
    body = render({"system": "{{system}}", "items": ["{{system}}", "{{prompt}}"], "literal": None})

    assert body == {"items": ["Hi"], "literal": None}


def test_an_optional_placeholder_may_name_a_missing_variable() -> None:
    body = render({"top_k": "{{top_k?}}", "text": "k=[{{top_k?}}]", "kept": "{{prompt?}}"})

    assert body == {"text": "k=[]", "kept": "Hi"}


def test_an_unknown_variable_is_an_error_naming_the_template_path_and_the_variables() -> None:
    with pytest.raises(TemplateError) as caught:
        render({"parameters": {"k": ["ok", "top_k={{top_k}}"]}})

    detail = caught.value.details[0]
    assert detail.path == "content_handler.request_template.parameters.k[1]"
    assert detail.type == "template_variable"
    assert "unknown variable {{top_k}}" in detail.message
    assert (
        "available: do_sample, max_new_tokens, messages, model_kwargs, prompt, stop, system, temperature"
        in detail.message
    )


def test_a_template_that_is_one_placeholder_renders_the_bare_value() -> None:
    assert render("{{prompt}}") == "Hi"
    assert render("{{system}}") is None


def test_referenced_variables_lists_first_segments_everywhere() -> None:
    template: Any = {"a": ["{{prompt}}", {"b": "x {{ model_kwargs.t }} {{system?}}"}], "c": 1}

    assert referenced_variables(template) == {"prompt", "model_kwargs", "system"}


def test_json_bodies_are_compact_utf8_and_text_bodies_are_sent_as_is() -> None:
    assert serialize_body({"inputs": "héllo"}, "application/json") == '{"inputs":"héllo"}'.encode()
    assert serialize_body("héllo", "text/plain") == "héllo".encode()
    assert serialize_body("héllo", "application/json") == '"héllo"'.encode()


# --- the variables, for every message shape ------------------------------------------------------

CHAT_TEMPLATE = {
    "system": "{{system}}",
    "messages": "{{messages}}",
    "blocks": "{{block_messages}}",
    "prompt": "{{prompt}}",
}


def chat_config(template: Any = None) -> ModelConfig:
    return parse_model_config(
        {
            "schema_version": 1,
            "id": "chat",
            "name": "Chat",
            "provider": {"type": "sagemaker", "endpoint_name": "ep", "region": "us-east-1"},
            "model_kwargs": {"max_tokens": 32, "prompt": "a kwarg named like a built-in"},
            "content_handler": {"request_template": template if template is not None else CHAT_TEMPLATE},
            "prompt": {"stop_sequences": ["<|end|>"]},
        }
    )


SHAPES = {
    "string content": {
        "messages": [
            {"role": "user", "content": "Q1"},
            {"role": "assistant", "content": "A1"},
            {"role": "user", "content": "Q2"},
        ]
    },
    "block content": {
        "messages": [
            {"role": "user", "content": [{"text": "Q"}, {"text": "1"}]},
            {"role": "assistant", "content": [{"text": "A1"}]},
            {"role": "user", "content": [{"text": "Q2"}]},
        ]
    },
}


@pytest.mark.parametrize("shape", SHAPES)
def test_string_and_block_content_give_the_same_variables(shape: str) -> None:
    config = chat_config()
    conversation = parse_conversation(SHAPES[shape])

    variables = template_variables(config, conversation, conversation.last_user_text)

    assert variables["messages"] == [
        {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "Q2"},
    ]
    assert variables["block_messages"] == [
        {"role": "user", "content": [{"text": "Q1"}]},
        {"role": "assistant", "content": [{"text": "A1"}]},
        {"role": "user", "content": [{"text": "Q2"}]},
    ]
    assert variables["system"] is None
    assert variables["prompt"] == "Q2"
    assert variables["stop"] == ["<|end|>"]
    assert variables["max_tokens"] == 32
    assert variables["model_kwargs"] == {"max_tokens": 32, "prompt": "a kwarg named like a built-in"}


@pytest.mark.parametrize(
    "conversation_input",
    [
        {"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}]},
        {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]},
        {
            "messages": [
                {"role": "system", "content": [{"text": "Be brief."}]},
                {"role": "user", "content": [{"text": "Hi"}]},
            ]
        },
        {"system": "Be brief.", "prompt": "Hi"},
    ],
    ids=["system beside", "system message", "system blocks", "bare prompt"],
)
def test_a_template_that_uses_system_gets_it_separately_and_messages_without_it(
    conversation_input: dict[str, Any],
) -> None:
    prepared = prepare(chat_config(), parse_conversation(conversation_input))

    assert prepared.body == {
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hi"}],
        "blocks": [{"role": "user", "content": [{"text": "Hi"}]}],
        "prompt": "Hi",
    }


def test_a_template_without_system_gets_the_system_prompt_as_the_first_message() -> None:
    config = chat_config({"messages": "{{messages}}", "blocks": "{{block_messages}}"})
    conversation = parse_conversation({"system": "Be brief.", "messages": [{"role": "user", "content": "Hi"}]})

    assert prepare(config, conversation).body == {
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}],
        "blocks": [
            {"role": "system", "content": [{"text": "Be brief."}]},
            {"role": "user", "content": [{"text": "Hi"}]},
        ],
    }


def test_system_text_from_the_request_and_from_messages_is_joined_request_first() -> None:
    conversation = parse_conversation(
        {"system": "Rule 1.", "messages": [{"role": "system", "content": "Rule 2."}, {"role": "user", "content": "Hi"}]}
    )

    assert conversation.system == "Rule 1.\n\nRule 2."


def test_built_in_variables_win_over_model_kwargs_of_the_same_name() -> None:
    body = prepare(chat_config({"p": "{{prompt}}", "k": "{{model_kwargs.prompt}}"}), Conversation.from_prompt("real"))

    assert body.body == {"p": "real", "k": "a kwarg named like a built-in"}


def test_stream_is_true_only_for_a_streamed_call_and_otherwise_absent() -> None:
    config = apply_override(
        chat_config({"inputs": "{{prompt}}", "stream": "{{stream}}"}),
        {"content_handler": {"stream": {"framing": "sse", "output_path": "token.text"}}},
    )
    conversation = Conversation.from_prompt("Hi")

    assert prepare(config, conversation, stream=True).body == {"inputs": "Hi", "stream": True}
    assert prepare(config, conversation).body == {"inputs": "Hi"}


# --- adversarial prompts -------------------------------------------------------------------------

ADVERSARIAL = [
    'He said "hi" and left',
    'back\\slash \\" \\n \\u0000',
    '{ } {{ }} }}{{ {"a": 1}',
    "{{prompt}}",
    "{{system}} {{messages}} {{model_kwargs}} {{max_new_tokens}}",
    "{{ model_kwargs.temperature }}",
    '", "parameters": {"max_new_tokens": 99999}, "x": "',
    "Ünïcödé 漢字 🙂 \u2028 \u2029 \ufeff",
    "nul\x00byte",
    "{% raw %}{{ 7*7 }}{% endraw %} ${jndi:ldap://x} <script>",
    "x" * 100_000,
]


def strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in strings(item)]
    return [value] if isinstance(value, str) else []


def without_limits(config: ModelConfig) -> ModelConfig:
    return apply_override(config, {"constraints": None})


def _bodies(fmt: str, text: str) -> tuple[Any, Any]:
    config = without_limits(load_catalogue()[fmt])
    baseline = prepare(config, parse_conversation({"system": "Be brief.", "prompt": "Hi"}))
    attacked = prepare(config, parse_conversation({"system": text, "prompt": text}))
    if baseline.body_bytes is None:  # Converse: the parameters are the request
        return baseline.params, attacked.params
    assert attacked.body_bytes is not None
    return json.loads(baseline.body_bytes), json.loads(attacked.body_bytes)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_no_prompt_text_changes_the_request_structure(fmt: str, text: str) -> None:
    baseline, attacked = _bodies(fmt, text)

    assert structure(attacked) == structure(baseline)
    assert any(text in leaf for leaf in strings(attacked))  # the text arrives intact, as one string


@pytest.mark.parametrize("text", ADVERSARIAL, ids=range(len(ADVERSARIAL)))
def test_an_adversarial_prompt_is_transported_byte_for_byte(text: str) -> None:
    config = without_limits(parse_model_config({**chat_config().to_json_dict(), "model_kwargs": {}}))
    prepared = prepare(config, parse_conversation({"system": text, "prompt": text}))

    assert prepared.body_bytes is not None
    assert json.loads(prepared.body_bytes) == {
        "system": text,
        "messages": [{"role": "user", "content": text}],
        "blocks": [{"role": "user", "content": [{"text": text}]}],
        "prompt": text,
    }


@settings(max_examples=60, deadline=None)
@given(text=st.text(min_size=1, max_size=200).filter(str.strip), fmt=st.sampled_from(FORMATS))  # no blank: Converse
def test_any_prompt_text_keeps_every_catalogue_body_structure(text: str, fmt: str) -> None:
    baseline, attacked = _bodies(fmt, text)

    assert structure(attacked) == structure(baseline)
