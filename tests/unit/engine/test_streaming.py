"""Stream decoding: records split across event-stream parts are reassembled, several records in one part are
all emitted, and records become text deltas through the configured JMESPath."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.events import StreamDelta, StreamReasoning
from inference_engine.extraction import UsageCounts
from inference_engine.schema import UsagePaths
from inference_engine.streaming import (
    MAX_BUFFER_BYTES,
    JsonLinesDecoder,
    SseDecoder,
    TextStream,
    WholeChunkDecoder,
)


def decode(decoder: Any, parts: list[bytes]) -> list[Any]:
    documents = [doc for part in parts for doc in decoder.feed(part)]
    return documents + list(decoder.finish())


RECORDS = [{"token": {"text": "Hel"}}, {"token": {"text": "lo ✓"}}, {"token": {"text": "!"}, "details": {"n": 3}}]
JSONLINES = b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in RECORDS)
SSE = b"".join(b"data:" + json.dumps(r, ensure_ascii=False).encode() + b"\n\n" for r in RECORDS)


def cut(raw: bytes, *offsets: int) -> list[bytes]:
    bounds = [0, *offsets, len(raw)]
    return [raw[a:b] for a, b in itertools.pairwise(bounds)]


# --- jsonlines -----------------------------------------------------------------------------------


def test_jsonlines_all_records_in_one_part() -> None:
    assert decode(JsonLinesDecoder(), [JSONLINES]) == RECORDS


def test_jsonlines_a_record_split_across_two_parts_is_reassembled() -> None:
    assert decode(JsonLinesDecoder(), cut(JSONLINES, 10, 30)) == RECORDS


def test_jsonlines_split_inside_a_multibyte_character() -> None:
    at = JSONLINES.index("✓".encode()) + 1  # between the bytes of one UTF-8 character

    assert decode(JsonLinesDecoder(), cut(JSONLINES, at)) == RECORDS


def test_jsonlines_a_last_record_without_newline_is_emitted_at_the_end() -> None:
    assert decode(JsonLinesDecoder(), [JSONLINES.rstrip(b"\n")]) == RECORDS


def test_jsonlines_blank_lines_and_crlf_are_ignored() -> None:
    raw = JSONLINES.replace(b"\n", b"\r\n\n")

    assert decode(JsonLinesDecoder(), cut(raw, 5)) == RECORDS


def test_jsonlines_byte_by_byte() -> None:
    assert decode(JsonLinesDecoder(), [bytes([b]) for b in JSONLINES]) == RECORDS


# --- server-sent events --------------------------------------------------------------------------


def test_sse_several_events_in_one_part_and_one_event_over_three_parts() -> None:
    first_two = SSE.index(b"data:", SSE.index(b"data:", 1) + 1)

    assert decode(SseDecoder(), cut(SSE, first_two, first_two + 7, first_two + 20)) == RECORDS


def test_sse_with_a_space_after_data_crlf_comments_event_names_and_done() -> None:
    raw = (
        b": keep-alive\r\n\r\n"
        b"event: message\r\nid: 1\r\ndata: " + json.dumps(RECORDS[0]).encode() + b"\r\n\r\n"
        b"data: " + json.dumps(RECORDS[1], ensure_ascii=False).encode() + b"\n\n"
        b"retry: 100\ndata: " + json.dumps(RECORDS[2]).encode() + b"\n\n"
        b"data: [DONE]\n\n"
    )

    assert decode(SseDecoder(), cut(raw, 3, 50, 51)) == RECORDS


def test_sse_a_multi_line_data_field_is_one_record() -> None:
    raw = b'data: {"token":\ndata:  {"text": "x"}}\n\n'

    assert decode(SseDecoder(), [raw]) == [{"token": {"text": "x"}}]


def test_sse_a_final_event_without_blank_line_is_dispatched_at_the_end() -> None:
    assert decode(SseDecoder(), [SSE.rstrip(b"\n")]) == RECORDS


@settings(max_examples=80, deadline=None)
@given(data=st.data(), framing=st.sampled_from(["jsonlines", "sse"]))
def test_any_cutting_of_the_stream_gives_the_same_records(data: st.DataObject, framing: str) -> None:
    raw = JSONLINES if framing == "jsonlines" else SSE
    offsets = sorted(data.draw(st.sets(st.integers(1, len(raw) - 1), max_size=12)))
    decoder = JsonLinesDecoder() if framing == "jsonlines" else SseDecoder()

    assert decode(decoder, cut(raw, *offsets)) == RECORDS


_sse_values = st.dictionaries(st.sampled_from(["token", "text", "n"]), st.text(max_size=4) | st.integers(), max_size=3)


@st.composite
def _sse_events(draw: st.DrawFn) -> tuple[bytes, list[Any]]:
    """One SSE event as a model container may write it, and the documents it carries."""
    value = draw(_sse_values)
    body = json.dumps(value, ensure_ascii=False).encode()
    end = draw(st.sampled_from([b"\n", b"\r\n"]))
    prefix = draw(st.sampled_from([b"data:", b"data: "]))
    kind = draw(st.sampled_from(["data", "done", "comment", "named", "multiline"]))
    if kind == "done":
        return prefix + b"[DONE]" + end + end, []
    if kind == "comment":
        return b": keep-alive" + end + end, []
    if kind == "named":
        return b"event: message" + end + prefix + body + end + end, [value]
    if kind == "multiline" and len(body) > 2:
        return prefix + body[:1] + end + prefix + body[1:] + end + end, [value]
    return prefix + body + end + end, [value]


@settings(max_examples=150, deadline=None)
@given(events=st.lists(_sse_events(), max_size=8))
def test_an_sse_stream_reads_the_same_one_event_per_part_as_byte_by_byte(events: list[tuple[bytes, list[Any]]]) -> None:
    # Given SSE events of every shape (space after data:, CRLF, [DONE], comments, named and multi-line events)
    expected = [document for _, documents in events for document in documents]
    raw = b"".join(event for event, _ in events)

    # When they arrive one event per part (most take the whole-event path) and byte by byte (the line path)
    per_event = decode(SseDecoder(), [event for event, _ in events])
    per_byte = decode(SseDecoder(), [raw[i : i + 1] for i in range(len(raw))])

    # Then both give the documents the events carry, in order
    assert per_event == per_byte == expected


# --- Bedrock chunks ------------------------------------------------------------------------------


def test_bedrock_chunks_are_whole_documents() -> None:
    parts = [json.dumps(r).encode() for r in RECORDS] + [b"  "]

    assert decode(WholeChunkDecoder(), parts) == RECORDS


# --- malformed streams ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decoder", "raw"),
    [(JsonLinesDecoder(), b'{"a": 1}\nnot json\n'), (SseDecoder(), b"data: {oops}\n\n"), (WholeChunkDecoder(), b"{")],
)
def test_a_record_that_is_not_json_is_a_response_format_error(decoder: Any, raw: bytes) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        decode(decoder, [raw])

    assert f"A streamed {decoder.framing} record is not valid JSON" in caught.value.message


def test_a_record_without_delimiter_cannot_grow_without_bound() -> None:
    decoder = JsonLinesDecoder()
    list(decoder.feed(b"x" * MAX_BUFFER_BYTES))

    with pytest.raises(ResponseFormatError) as caught:
        list(decoder.feed(b"x"))

    assert "exceeds" in caught.value.message


# --- records to text deltas ----------------------------------------------------------------------


def test_text_stream_yields_deltas_and_collects_usage() -> None:
    stream = TextStream("jsonlines", "token.text", UsagePaths(output_tokens_path="details.n"))

    deltas = [d for part in cut(JSONLINES, 17) for d in stream.feed(part)] + list(stream.finish())

    assert deltas == [StreamDelta("Hel"), StreamDelta("lo ✓"), StreamDelta("!")]
    assert stream.usage == UsageCounts(output_tokens=3)


def test_text_stream_keeps_reasoning_records_apart_from_the_answer() -> None:
    # Given an OpenAI-compatible stream whose server separates reasoning (vLLM --reasoning-parser)
    records = [
        {"choices": [{"delta": {"reasoning_content": "Capital of", "content": None}}]},
        {"choices": [{"delta": {"reasoning_content": " France?", "content": None}}]},
        {"choices": [{"delta": {"content": "Paris."}}]},
    ]
    body = "".join(f"data: {json.dumps(r)}\n\n" for r in records).encode()
    stream = TextStream("sse", "choices[0].delta.content", None, "choices[0].delta.reasoning_content")

    # When it is decoded in small parts
    deltas = [d for part in cut(body, 11) for d in stream.feed(part)] + list(stream.finish())

    # Then reasoning and answer arrive as their own kinds, in order
    assert deltas == [StreamReasoning("Capital of"), StreamReasoning(" France?"), StreamDelta("Paris.")]


def test_a_stream_whose_path_never_matches_is_an_output_path_error_naming_the_keys() -> None:
    stream = TextStream("jsonlines", "choices[0].delta.content", None)
    assert list(stream.feed(JSONLINES)) == []

    with pytest.raises(OutputPathError) as caught:
        list(stream.finish())

    assert caught.value.path == "choices[0].delta.content"
    assert caught.value.received_keys == ["token"]
    assert "selected no text in any streamed record" in caught.value.message


def test_an_empty_stream_is_not_an_error() -> None:
    stream = TextStream("sse", "token.text", None)

    assert list(stream.finish()) == []


def test_a_stream_of_empty_tokens_is_an_empty_answer_not_an_output_path_error() -> None:
    # Given a model that streams only empty tokens (an empty answer, as a buffered call would return "")
    stream = TextStream("jsonlines", "token.text", None)
    empty = b'{"token": {"text": ""}}\n{"token": {"text": ""}}\n'
    # When the stream is decoded
    deltas = list(stream.feed(empty)) + list(stream.finish())
    # Then no delta carries text and the path counts as matched
    assert deltas == []
    assert stream.matched == 2
