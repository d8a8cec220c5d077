"""The deterministic generator: echo, determinism, budgets, stop sequences, prompt parsing."""

from __future__ import annotations

import pytest

from local.emulator.generator import FinishReason, count_tokens, generate, last_user_text, strip_markers


def _generate(prompt: str, max_tokens: int = 1000, stops: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return generate(
        prompt_key=prompt,
        last_user=last_user_text(prompt),
        input_tokens=count_tokens(prompt),
        max_tokens=max_tokens,
        stop_sequences=stops,
    )


def test_same_prompt_gives_same_answer_and_different_prompts_differ() -> None:
    first = _generate("Tell me about llamas")
    again = _generate("Tell me about llamas")
    other = _generate("Tell me about alpacas")
    assert first == again
    assert first.text != other.text


def test_answer_acknowledges_last_user_message_and_ends_naturally() -> None:
    generation = _generate("What is the capital of France?")
    assert generation.text.startswith("Echo: What is the capital of France? ")
    assert generation.finish is FinishReason.END
    assert generation.text.endswith(".")


def test_one_token_is_one_word_and_tokens_join_to_the_text() -> None:
    generation = _generate("count my words please")
    assert generation.output_tokens == len(generation.text.split())
    assert "".join(generation.tokens) == generation.text
    assert all(token.startswith(" ") for token in generation.tokens[1:])


def test_max_tokens_cuts_the_answer_and_reports_length() -> None:
    generation = _generate("a long question about many things", max_tokens=3)
    assert generation.tokens == ("Echo:", " a", " long")
    assert generation.finish is FinishReason.LENGTH


def test_zero_max_tokens_gives_an_empty_answer() -> None:
    generation = _generate("anything", max_tokens=0)
    assert generation.text == ""
    assert generation.finish is FinishReason.LENGTH


def test_stop_sequence_cuts_before_it_and_names_it() -> None:
    # Given a stop sequence that the echo of the question will produce
    generation = _generate("please stop HERE now", stops=("nothing", "HERE"))

    # Then the text ends just before it and the finish reason says so
    assert generation.text == "Echo: please stop"
    assert generation.finish is FinishReason.STOP_SEQUENCE
    assert generation.stop_sequence == "HERE"
    assert generation.output_tokens == 3


def test_stop_sequence_spanning_two_words_is_found() -> None:
    generation = _generate("alpha beta gamma", stops=("beta gam",))
    assert generation.text == "Echo: alpha"
    assert generation.stop_sequence == "beta gam"


def test_budget_runs_out_before_a_later_stop_sequence() -> None:
    generation = _generate("one two three four", max_tokens=2, stops=("four",))
    assert generation.text == "Echo: one"
    assert generation.finish is FinishReason.LENGTH


def test_length_marker_sets_the_natural_length() -> None:
    generation = _generate("write a lot [[length:300]]")
    assert generation.output_tokens == 300
    assert generation.finish is FinishReason.END
    assert "[[" not in generation.text


def test_input_tokens_are_passed_through() -> None:
    assert _generate("five words are right here").input_tokens == 5


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("plain question", "plain question"),
        ("<s>[INST] <<SYS>>\nBe brief\n<</SYS>>\n\nHow are you? [/INST]", "How are you?"),
        (
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHello llama<|eot_id|>"
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            "Hello llama",
        ),
        ("<|im_start|>user\nHi qwen<|im_end|>\n<|im_start|>assistant\n", "Hi qwen"),
        ("User: first\nBot: answer\nUser: second question\nBot:", "second question"),
        ("\n\nHuman: old style\n\nAssistant:", "old style"),
        ("", ""),
    ],
)
def test_last_user_text_finds_the_last_turn_of_common_templates(prompt: str, expected: str) -> None:
    assert last_user_text(prompt) == expected


def test_markers_are_not_echoed() -> None:
    assert strip_markers("hi [[fault:latency:20]] there [[length:5]]") == "hi  there "
    assert "fault" not in _generate("hello [[fault:latency]]").text
