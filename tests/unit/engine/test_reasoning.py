"""Inline ``<think>`` text taken out of the answer: whole answers, answers cut anywhere, and the edge cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.events import StreamDelta, StreamReasoning
from inference_engine.reasoning import ThinkTags, split_stream, split_text


@pytest.mark.parametrize(
    ("mode", "text", "answer", "reasoning"),
    [
        ("paired", "<think>\nCheck the map.\n</think>\n\nParis.", "Paris.", "Check the map."),
        ("paired", "  <think>a</think>b", "b", "a"),
        ("paired", "Paris.", "Paris.", None),
        ("paired", "Use <b>bold</b> here.", "Use <b>bold</b> here.", None),
        ("paired", "<think>never closed", "", "never closed"),
        ("paired", "Answer <think>aside</think> more", "Answer more", "aside"),
        ("prompt_opened", "Check the map.\n</think>\n\nParis.", "Paris.", "Check the map."),
        ("prompt_opened", "<think>\nCheck.</think>Paris.", "Paris.", "Check."),
        ("prompt_opened", "still thinking when the tokens ran out", "", "still thinking when the tokens ran out"),
        ("paired", "Paris.\n", "Paris.\n", None),
    ],
)
def test_a_whole_answer_is_split_into_answer_and_reasoning(
    mode: ThinkTags, text: str, answer: str, reasoning: str | None
) -> None:
    assert split_text(text, mode) == (answer, reasoning)


def test_tags_cut_across_deltas_never_reach_the_answer() -> None:
    # Given a stream that cuts both tags in the middle
    pieces = ["<th", "ink>\nHm", "m</th", "ink", ">\n\n Pa", "ris."]

    # When it is split
    out = list(split_stream([StreamDelta(p) for p in pieces], "paired"))

    # Then reasoning and answer come out in order, tags and the whitespace around them dropped
    assert out == [StreamReasoning("Hm"), StreamReasoning("m"), StreamDelta("Pa"), StreamDelta("ris.")]


def test_reasoning_that_arrives_as_its_own_kind_passes_through() -> None:
    deltas: list[StreamDelta | StreamReasoning] = [
        StreamReasoning("from the API"),
        StreamDelta("<think>inline</think>answer"),
    ]
    assert list(split_stream(deltas, "paired")) == [
        StreamReasoning("from the API"),
        StreamReasoning("inline"),
        StreamDelta("answer"),
    ]


def test_a_lone_angle_bracket_at_the_end_is_answer_text() -> None:
    assert list(split_stream([StreamDelta("a <"), StreamDelta("b")], "paired")) == [
        StreamDelta("a"),
        StreamDelta(" <b"),
    ]
    assert split_text("x <", "paired") == ("x <", None)


_TEXT = st.lists(
    st.sampled_from(["<think>", "</think>", "<", "th", "ink", ">", "/", " ", "\n", "Paris", "a", "."]), max_size=14
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    text=_TEXT,
    cuts=st.lists(st.integers(min_value=0, max_value=200), max_size=6),
    mode=st.sampled_from(["paired", "prompt_opened"]),
)
def test_a_stream_cut_anywhere_splits_exactly_like_the_whole_answer(
    text: str, cuts: list[int], mode: ThinkTags
) -> None:
    # Given any answer made of tag fragments, words and whitespace, cut into deltas at any points
    points = sorted({min(c, len(text)) for c in cuts})
    pieces = [text[a:b] for a, b in zip([0, *points], [*points, len(text)], strict=True)]

    # When it is split as a stream and as a whole
    out = list(split_stream([StreamDelta(p) for p in pieces], mode))
    answer = "".join(d.text for d in out if isinstance(d, StreamDelta))
    reasoning = "".join(d.text for d in out if isinstance(d, StreamReasoning)) or None

    # Then both give the same answer and reasoning, and no delta is empty
    assert (answer, reasoning) == split_text(text, mode)
    assert all(d.text for d in out)
