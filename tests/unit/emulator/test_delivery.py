"""Output faults applied to answers before they reach the socket."""

from __future__ import annotations

import pytest

from local.emulator import delivery
from local.emulator.wire import ABORT, HttpResponse

EVENTS = [b"one\n", b"two\n", b"three\n", b"final\n"]


def test_truncated_stream_drops_its_closing_events() -> None:
    assert delivery.shape_events(EVENTS, "truncated", closing=1, malformed_event=b"x") == EVENTS[:-1]
    assert delivery.shape_events([b"only-event"], "truncated", closing=1, malformed_event=b"x") == [b"only-"]


def test_malformed_stream_gets_a_broken_event_after_the_first() -> None:
    shaped = delivery.shape_events(EVENTS, "malformed", closing=1, malformed_event=b"{broken\n")
    assert shaped == [b"one\n", b"{broken\n", *EVENTS[1:]]


def test_interrupt_cuts_or_errors_half_way() -> None:
    assert delivery.interrupt(EVENTS, "stream_cut", {}) == [*EVENTS[:2], ABORT]
    assert delivery.interrupt(EVENTS, "model_error", {"model_error": b"ERR"}) == [*EVENTS[:2], b"ERR"]
    assert delivery.interrupt(EVENTS, None, {"model_error": b"ERR"}) == EVENTS


def test_buffered_faults() -> None:
    def answer() -> HttpResponse:
        return HttpResponse(200, {}, b"0123456789")

    assert delivery.buffered_fault(answer(), "truncated", b"").body == b"01234"
    assert delivery.buffered_fault(answer(), "malformed", b"<html>").body == b"<html>"
    cut = delivery.buffered_fault(answer(), "stream_cut", b"")
    assert (cut.body, cut.declared_length, cut.abort) == (b"01234", 10, True)
    assert delivery.buffered_fault(answer(), None, b"").body == b"0123456789"


def test_paced_keeps_items_in_order() -> None:
    assert list(delivery.paced(EVENTS, 0.0)) == EVENTS
    assert list(delivery.paced(EVENTS[:2], 0.001)) == EVENTS[:2]


def test_paced_waits_for_the_first_token_then_between_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a stream paced 0.2 s before its first event and 0.01 s between events
    pauses: list[float] = []
    monkeypatch.setattr("local.emulator.delivery.time.sleep", pauses.append)

    # When it is read
    items = list(delivery.paced(EVENTS, 0.01, first_delay_s=0.2))

    # Then every event arrives, the first after the long pause and the rest after the short one
    assert items == EVENTS
    assert pauses == [0.2, 0.01, 0.01, 0.01]
