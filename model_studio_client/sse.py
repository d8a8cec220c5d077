"""Server-sent events, as ``POST /invoke/stream`` sends them: an incremental parser (WHATWG event-stream rules for
the fields the API uses: ``event``, ``data`` (joined by newlines), comments, CR/LF/CRLF line ends). The one SSE
parser of the project's Python: the API client and the tests read streams with it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SseEvent:
    event: str
    data: str
    comment: bool = False  # a comment line (``: keep-alive``), returned only when asked for; ``data`` holds its text

    def json(self) -> Any:
        return json.loads(self.data) if self.data else {}


class SseParser:
    """Feed it text as it arrives; it returns the events each piece completes (and the comments, if asked)."""

    def __init__(self, *, comments: bool = False) -> None:
        self._comments = comments
        self._buffer = ""
        self._pending_cr = False
        self._event = ""
        self._data: list[str] = []

    def feed(self, text: str) -> list[SseEvent]:
        if self._pending_cr and text.startswith("\n"):
            text = text[1:]  # the LF of a CRLF split across two pieces
        self._pending_cr = text.endswith("\r")
        self._buffer += text.replace("\r\n", "\n").replace("\r", "\n")
        events = []
        *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            event = self._line(line)
            if event is not None:
                events.append(event)
        return events

    def _line(self, line: str) -> SseEvent | None:
        if not line:  # a blank line dispatches the event being built
            event = SseEvent(self._event or "message", "\n".join(self._data)) if self._data or self._event else None
            self._event, self._data = "", []
            return event
        if line.startswith(":"):  # a comment: the server's keep-alive
            return SseEvent("", line[1:].strip(), comment=True) if self._comments else None
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return None


def parse_events(pieces: Iterable[str], *, comments: bool = False) -> Iterator[SseEvent]:
    parser = SseParser(comments=comments)
    for piece in pieces:
        yield from parser.feed(piece)
