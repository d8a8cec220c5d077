"""Output extraction with JMESPath: text, usage and stream chunks; a missing path is an error, never a silent None."""

from __future__ import annotations

from typing import Any

import pytest

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.extraction import (
    UsageCounts,
    extract_optional_text,
    extract_text,
    extract_usage,
    parse_json_body,
)
from inference_engine.schema import UsagePaths

TGI_BODY = [{"generated_text": "Paris.", "details": {"generated_tokens": 3}}]
OPENAI_BODY = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
}
ANTHROPIC_BODY = {
    "type": "message",
    "content": [{"type": "text", "text": "Par"}, {"type": "tool_use", "id": "t"}, {"type": "text", "text": "is."}],
    "usage": {"input_tokens": 12, "output_tokens": 3},
}


@pytest.mark.parametrize(
    ("document", "path", "text"),
    [
        (TGI_BODY, "[0].generated_text", "Paris."),
        (OPENAI_BODY, "choices[0].message.content", "Paris."),
        (ANTHROPIC_BODY, "content[?type=='text'].text", "Paris."),
        ({"results": [{"outputText": "Paris."}]}, "results[0].outputText", "Paris."),
        ({"generation": ""}, "generation", ""),
    ],
)
def test_the_path_selects_the_text_and_a_list_of_strings_is_joined(document: Any, path: str, text: str) -> None:
    assert extract_text(document, path) == text


def test_a_path_that_selects_nothing_names_the_path_and_the_keys_received() -> None:
    with pytest.raises(OutputPathError) as caught:
        extract_text(OPENAI_BODY, "choices[0].text")

    error = caught.value
    assert error.path == "choices[0].text"
    assert error.received_keys == ["id", "object", "choices", "usage"]
    assert (
        error.message
        == "Output path 'choices[0].text' selected nothing. Top-level keys received: id, object, choices, usage."
    )
    assert [d.path for d in error.details] == ["content_handler.output_path"]


def test_for_a_list_body_the_keys_shown_are_those_of_its_first_item() -> None:
    with pytest.raises(OutputPathError) as caught:
        extract_text(TGI_BODY, "generated_text")

    assert caught.value.received_keys == ["[1 items]", "[0].generated_text", "[0].details"]


def test_a_path_that_selects_something_other_than_text_says_what_it_selected() -> None:
    with pytest.raises(OutputPathError) as caught:
        extract_text(OPENAI_BODY, "usage")

    assert caught.value.reason == "selected a dict, not text"
    assert "Output path 'usage' selected a dict, not text." in caught.value.message


def test_a_body_that_is_not_an_object_says_so() -> None:
    with pytest.raises(OutputPathError) as caught:
        extract_text("plain text", "[0].generated_text")

    assert "(none: the body is not a JSON object)" in caught.value.message


def test_a_jmespath_runtime_type_error_is_an_output_path_error() -> None:
    with pytest.raises(OutputPathError) as caught:
        extract_text({"a": 1}, "length(a)")

    assert caught.value.reason.startswith("failed: ")


@pytest.mark.parametrize(
    ("chunk", "text"),
    [
        ({"token": {"text": " Paris", "special": False}}, " Paris"),
        ({"token": {"text": "</s>", "special": True}}, None),
        ({"token": {"text": ""}}, None),
        ({"details": {"generated_tokens": 3}}, None),
    ],
)
def test_stream_chunks_without_text_are_skipped_not_errors(chunk: dict[str, Any], text: str | None) -> None:
    path = "token.special == `false` && token.text || null"

    assert extract_optional_text(chunk, path) == text


def test_usage_counts_come_from_their_paths_and_missing_counts_stay_unknown() -> None:
    paths = UsagePaths(input_tokens_path="usage.prompt_tokens", output_tokens_path="usage.completion_tokens")

    assert extract_usage(OPENAI_BODY, paths) == UsageCounts(input_tokens=12, output_tokens=3)
    assert extract_usage({"usage": {}}, paths) == UsageCounts()
    assert extract_usage(OPENAI_BODY, None) == UsageCounts()


@pytest.mark.parametrize("value", [-1, "12", True, 1.5, [1]])
def test_usage_values_that_are_not_counts_are_ignored(value: Any) -> None:
    paths = UsagePaths(output_tokens_path="n")

    assert extract_usage({"n": value}, paths).output_tokens is None


def test_a_whole_float_count_is_accepted() -> None:
    assert extract_usage({"n": 7.0}, UsagePaths(output_tokens_path="n")).output_tokens == 7


def test_newer_usage_overrides_older_only_where_known() -> None:
    first = UsageCounts(input_tokens=22, output_tokens=1)

    assert first.merged(UsageCounts(output_tokens=10)) == UsageCounts(input_tokens=22, output_tokens=10)


@pytest.mark.parametrize(("raw", "reason"), [(b"<html>502</html>", "Expecting value"), (b'{"a": "\x80"}', "not UTF-8")])
def test_a_body_that_is_not_json_is_a_response_format_error_with_a_preview(raw: bytes, reason: str) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        parse_json_body(raw)

    assert reason in caught.value.message
    assert caught.value.code == "bad_upstream_response"
