"""Decoding streamed model output into JSON documents, then into text deltas.

Event-stream parts (SageMaker ``PayloadPart``, Bedrock ``chunk``) do not respect line boundaries: a
JSON line or an SSE event can be split across parts, and one part can hold several. The decoders
buffer bytes and emit only complete documents.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Literal, Protocol

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.events import Delta, StreamDelta, StreamReasoning
from inference_engine.extraction import (
    UsageCounts,
    optional_text,
    searcher,
    stop_reason_text,
    token_count,
    top_level_keys,
)
from inference_engine.schema import ModelConfig, StreamSettings, UsagePaths

Framing = Literal["jsonlines", "sse", "bedrock-chunk"]
MAX_BUFFER_BYTES = 4 * 1024 * 1024


def _loads(raw: bytes, framing: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        preview = raw[:200].decode("utf-8", errors="replace")
        raise ResponseFormatError(f"A streamed {framing} record is not valid JSON: {preview!r}") from None


class Decoder(Protocol):
    def feed(self, part: bytes) -> list[Any]: ...
    def finish(self) -> list[Any]: ...


class _Buffered:
    framing = "stream"

    def __init__(self) -> None:
        self._buffer = b""

    def _lines(self, part: bytes) -> list[bytes]:
        """The complete lines the buffer holds once ``part`` is added; the rest stays buffered."""
        buffer = self._buffer + part if self._buffer else part
        if len(buffer) > MAX_BUFFER_BYTES:
            self._buffer = buffer
            raise ResponseFormatError(f"A streamed record exceeds {MAX_BUFFER_BYTES} bytes without a delimiter.")
        *lines, self._buffer = buffer.split(b"\n")
        return lines


class JsonLinesDecoder(_Buffered):
    """Newline-delimited JSON (DJL/LMI ``application/jsonlines``)."""

    framing = "jsonlines"

    def feed(self, part: bytes) -> list[Any]:
        return [_loads(line, self.framing) for line in self._lines(part) if line.strip()]

    def finish(self) -> list[Any]:
        rest, self._buffer = self._buffer, b""
        return [_loads(rest, self.framing)] if rest.strip() else []


def _data_value(line: bytes) -> bytes:
    """The value of an SSE ``data:`` line (a space after the colon belongs to the syntax, not the value)."""
    return line[6:] if line.startswith(b"data: ") else line[5:]


class SseDecoder(_Buffered):
    """Server-sent events (TGI ``data:{...}``, OpenAI-compatible ``data: {...}`` ... ``data: [DONE]``)."""

    framing = "sse"

    def __init__(self) -> None:
        super().__init__()
        self._data: list[bytes] = []

    def _read(self, lines: list[bytes]) -> list[Any]:
        documents: list[Any] = []
        data = self._data  # the data lines of the event being read
        for line in lines:
            if line.endswith(b"\r"):
                line = line.rstrip(b"\r")  # noqa: PLW2901
            if not line:  # an empty line dispatches the event
                if data:
                    payload = data[0] if len(data) == 1 else b"\n".join(data)
                    data.clear()
                    documents += self._dispatch(payload)
            elif line.startswith(b"data:"):
                data.append(_data_value(line))
            # "event:", "id:", "retry:" and ":" comments carry nothing the engine needs.
        return documents

    def _dispatch(self, payload: bytes) -> list[Any]:
        """The document one event's data holds: none for an empty event or the ``[DONE]`` sentinel."""
        stripped = payload.strip()
        return [_loads(payload, self.framing)] if stripped and stripped != b"[DONE]" else []

    def feed(self, part: bytes) -> list[Any]:
        # The common part, one whole event (``data:{...}`` then an empty line) and nothing buffered, is read at once:
        # the same result as the line-by-line reading below, which every other part takes.
        if (
            not self._buffer
            and not self._data
            and part.startswith(b"data:")
            and part.endswith(b"\n\n")
            and part.count(b"\n") == 2
            and len(part) <= MAX_BUFFER_BYTES
        ):
            return self._dispatch(_data_value(part[:-2]))
        return self._read(self._lines(part))

    def finish(self) -> list[Any]:
        rest, self._buffer = self._buffer, b""
        return self._read([rest, b""] if rest.strip() else [b""])  # the end of the stream ends the last event


class WholeChunkDecoder:
    """Bedrock ``invoke_model_with_response_stream``: every ``chunk.bytes`` is one complete JSON document."""

    framing = "bedrock-chunk"

    def feed(self, part: bytes) -> list[Any]:
        return [_loads(part, self.framing)] if part.strip() else []

    def finish(self) -> list[Any]:
        return []


def decoder_for(framing: Framing) -> Decoder:
    if framing == "jsonlines":
        return JsonLinesDecoder()
    if framing == "sse":
        return SseDecoder()
    return WholeChunkDecoder()


class TextStream:
    """Turns raw stream parts into answer (and reasoning) deltas with JMESPaths, collecting usage on the way."""

    def __init__(
        self,
        framing: Framing,
        output_path: str,
        usage_paths: UsagePaths | None,
        reasoning_path: str | None = None,
        stop_reason_path: str | None = None,
    ) -> None:
        self._decoder = decoder_for(framing)
        self._output_path = output_path
        self._output = searcher(output_path)  # every path compiled once, not looked up per record
        self._reasoning = searcher(reasoning_path) if reasoning_path is not None else None
        self._usage = [
            (name, searcher(path))
            for name, path in (
                ("input_tokens", usage_paths.input_tokens_path if usage_paths else None),
                ("output_tokens", usage_paths.output_tokens_path if usage_paths else None),
            )
            if path
        ]
        self._stop_reason = searcher(stop_reason_path) if stop_reason_path is not None else None
        self.usage = UsageCounts()
        self.stop_reason: str | None = None
        self.documents = 0
        self.matched = 0  # records whose output path (or reasoning path) selected text
        self._first_keys: list[str] = []

    def _deltas(self, documents: list[Any]) -> list[Delta]:
        deltas: list[Delta] = []
        for document in documents:
            if not self.documents:
                self._first_keys = top_level_keys(document)
            self.documents += 1
            for name, search in self._usage:  # a count a record reports replaces the one before
                count = search(document)
                if count is not None and (count := token_count(count)) is not None:
                    self.usage = dataclasses.replace(self.usage, **{name: count})
            if self._stop_reason is not None and (reason := self._stop_reason(document)) is not None:
                self.stop_reason = stop_reason_text(reason) or self.stop_reason
            if self._reasoning is not None:
                thought = optional_text(self._reasoning(document))
                if thought is not None:
                    self.matched += 1
                    if thought:
                        deltas.append(StreamReasoning(thought))
            text = self._output(document)
            if type(text) is not str:  # the common case first: a string is its own text
                text = optional_text(text)
                if text is None:
                    continue
            self.matched += 1
            if text:
                deltas.append(StreamDelta(text))
        return deltas

    def feed(self, part: bytes) -> list[Delta]:
        return self._deltas(self._decoder.feed(part))

    def finish(self) -> list[Delta]:
        deltas = self._deltas(self._decoder.finish())
        if self.documents and not self.matched:
            raise OutputPathError(
                path=self._output_path, received_keys=self._first_keys, reason="selected no text in any streamed record"
            )
        return deltas


def text_stream(config: ModelConfig, settings: StreamSettings) -> TextStream:
    """The decoder of one model's stream: its framing, output path, usage, reasoning and stop reason paths."""
    reasoning = config.reasoning.stream_path if config.reasoning is not None else None
    return TextStream(
        settings.framing, settings.output_path, config.content_handler.usage, reasoning, settings.stop_reason_path
    )
