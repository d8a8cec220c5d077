"""Constraints (max_input_tokens, max_total_tokens) are enforced with a documented estimate before any call."""

from __future__ import annotations

from typing import Any

import pytest

from inference_engine.catalogue import load_catalogue
from inference_engine.engine import invoke, prepare, stream
from inference_engine.errors import ConstraintError
from inference_engine.merge import apply_override
from inference_engine.messages import Conversation, parse_conversation
from inference_engine.tokens import estimate_tokens, requested_output_tokens
from tests.unit.engine.fakes import FakeClientFactory, FakeRuntime


@pytest.mark.parametrize(
    ("text", "tokens"),
    [("", 0), ("abcd", 1), ("abcde", 2), ("x" * 4000, 1000), ("漢字", 2), ("ab漢", 2), ("🙂🙂", 2), ("é", 1)],
)
def test_the_estimate_is_one_token_per_four_ascii_characters_plus_one_per_other_character(
    text: str, tokens: int
) -> None:
    assert estimate_tokens(text) == tokens


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"max_new_tokens": 10}, 10),
        ({"max_tokens": 11}, 11),
        ({"maxTokens": 12}, 12),
        ({"max_gen_len": 13}, 13),
        ({"maxTokenCount": 14}, 14),
        ({"max_output_tokens": 15}, 15),
        ({"temperature": 0.1}, None),
        ({"max_tokens": True}, None),
        ({"max_tokens": "100"}, None),
    ],
)
def test_requested_output_tokens_reads_the_names_containers_use(kwargs: dict[str, Any], expected: int | None) -> None:
    assert requested_output_tokens(kwargs) == expected


def _limited(fmt: str, constraints: dict[str, Any], kwargs: dict[str, Any] | None = None) -> Any:
    patch: dict[str, Any] = {"constraints": constraints}
    if kwargs is not None:
        patch["model_kwargs"] = kwargs
    return apply_override(load_catalogue()[fmt], patch)


def test_too_long_an_input_is_refused_before_any_client_is_requested() -> None:
    # Given a TGI model that accepts at most 10 input tokens and a 200-character prompt (~ 50 tokens + template)
    model = _limited("tgi", {"max_input_tokens": 10, "max_total_tokens": None})
    runtime = FakeRuntime("sagemaker-runtime")
    factory = FakeClientFactory(sagemaker_runtime=runtime)

    # When it is invoked, buffered and streamed
    with pytest.raises(ConstraintError) as buffered:
        invoke(model, Conversation.from_prompt("x" * 200), clients=factory)
    with pytest.raises(ConstraintError):
        stream(model, Conversation.from_prompt("x" * 200), clients=factory)

    # Then it is refused with a clear message, and no client was even asked for
    assert factory.requests == []
    assert runtime.calls == []
    detail = buffered.value.details[0]
    assert detail.path == "constraints.max_input_tokens"
    assert buffered.value.message.startswith("The input is about 5")
    assert buffered.value.message.endswith("this model accepts at most 10.")


def test_input_plus_requested_output_must_fit_the_total() -> None:
    model = _limited("bedrock-converse", {"max_total_tokens": 100}, {"max_tokens": 90})
    conversation = Conversation.from_prompt("y" * 60)  # 15 tokens

    with pytest.raises(ConstraintError) as caught:
        prepare(model, conversation)

    assert caught.value.details[0].path == "constraints.max_total_tokens"
    assert "Input (about 15 tokens) plus requested output (90) is 105 tokens" in caught.value.message


def test_a_request_that_fits_passes_and_reports_its_estimate() -> None:
    model = _limited("bedrock-converse", {"max_total_tokens": 100}, {"max_tokens": 80})

    prepared = prepare(model, parse_conversation({"system": "abcd", "prompt": "y" * 60}))

    assert prepared.estimated_input_tokens == estimate_tokens("abcd\n" + "y" * 60)
    assert prepared.requested_output_tokens == 80


def test_with_a_prompt_template_the_rendered_prompt_is_what_is_estimated() -> None:
    model = _limited("tgi", {"max_input_tokens": None, "max_total_tokens": None})

    prepared = prepare(model, Conversation.from_prompt("Hi"))

    assert prepared.rendered_prompt == "<s>[INST] Hi [/INST]"
    assert prepared.estimated_input_tokens == estimate_tokens("<s>[INST] Hi [/INST]")
