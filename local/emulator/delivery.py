"""How an answer reaches the client, with the output faults: malformed, truncated, stream_cut, mid-stream errors."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence

from local.emulator.wire import ABORT, HttpResponse, StreamItem

OUTPUT_FAULTS = frozenset({"malformed", "truncated", "stream_cut"})


def buffered_fault(response: HttpResponse, kind: str | None, malformed_body: bytes) -> HttpResponse:
    """Apply an output fault to a buffered answer."""
    body = response.body
    if kind == "malformed":
        response.body = malformed_body
    elif kind == "truncated":
        response.body = body[: max(1, len(body) // 2)]
    elif kind == "stream_cut":
        response.declared_length = len(body)
        response.body = body[: len(body) // 2]
        response.abort = True
    return response


def shape_events(events: Sequence[bytes], kind: str | None, *, closing: int, malformed_event: bytes) -> list[bytes]:
    """Model-level stream faults: ``truncated`` drops the closing events, ``malformed`` slips in a broken one."""
    shaped = list(events)
    if kind == "truncated":
        if len(shaped) > closing:
            return shaped[:-closing]
        return [shaped[0][: len(shaped[0]) // 2]] if shaped else []
    if kind == "malformed":
        shaped.insert(min(1, len(shaped)), malformed_event)
    return shaped


def interrupt(frames: Sequence[bytes], kind: str | None, error_frames: Mapping[str, bytes]) -> list[StreamItem]:
    """Transport-level stream faults: half-way through, drop the connection or send an error event."""
    items: list[StreamItem] = list(frames)
    tail: StreamItem
    if kind == "stream_cut":
        tail = ABORT
    elif kind is not None and kind in error_frames:
        tail = error_frames[kind]
    else:
        return items
    return [*items[: max(1, len(items) // 2)], tail]


def paced(items: Iterable[StreamItem], delay_s: float, first_delay_s: float = 0.0) -> Iterator[StreamItem]:
    """The items, ``first_delay_s`` before the first one and ``delay_s`` between them (none when 0)."""
    for index, item in enumerate(items):
        pause = delay_s if index else first_delay_s
        if pause > 0:
            time.sleep(pause)
        yield item
