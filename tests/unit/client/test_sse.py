"""The API client's server-sent events parser, fed the way a network delivers bytes: in arbitrary pieces."""

from __future__ import annotations

import pytest

from model_studio_client.sse import SseEvent, SseParser, parse_events

STREAM = (
    ": keep-alive\n\n"
    'event: delta\ndata: {"text":"Hel"}\n\n'
    ": keep-alive\n\n"
    'event: delta\ndata: {"text":"lo"}\n\n'
    'event: done\ndata: {"usage":{}}\n\n'
)
EXPECTED = [
    SseEvent("delta", '{"text":"Hel"}'),
    SseEvent("delta", '{"text":"lo"}'),
    SseEvent("done", '{"usage":{}}'),
]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_events_are_the_same_however_the_stream_is_split(size: int) -> None:
    # Given the stream cut into pieces of `size` characters
    pieces = [STREAM[i : i + size] for i in range(0, len(STREAM), size)]
    # When they are parsed in order / Then the same three events come out, comments skipped
    assert list(parse_events(pieces)) == EXPECTED


def test_crlf_and_cr_line_ends_and_a_crlf_split_across_pieces() -> None:
    parser = SseParser()
    events = parser.feed("event: delta\r\ndata: a\r") + parser.feed("\n\r\n") + parser.feed("data: b\r\r")
    assert events == [SseEvent("delta", "a"), SseEvent("message", "b")]


def test_multi_line_data_is_joined_and_an_event_completes_only_at_its_blank_line() -> None:
    parser = SseParser()
    assert parser.feed("event: error\ndata: line one\ndata:line two\n") == []
    assert parser.feed("\n") == [SseEvent("error", "line one\nline two")]


def test_comments_are_returned_in_place_when_asked_for() -> None:
    events = list(parse_events([STREAM], comments=True))
    assert [(e.comment, e.event, e.data) for e in events[:2]] == [
        (True, "", "keep-alive"),
        (False, "delta", '{"text":"Hel"}'),
    ]
    assert [e for e in events if not e.comment] == EXPECTED
    assert events[1].json() == {"text": "Hel"}
