"""Decoding streamed model output into JSON documents, then into text deltas.

Event-stream parts (SageMaker ``PayloadPart``, Bedrock ``chunk``) do not respect line boundaries: a
JSON line or an SSE event can be split across parts, and one part can hold several. The decoders
buffer bytes and emit only complete documents.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, Literal, Protocol

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.events import Delta, StreamDelta, StreamReasoning
from inference_engine.extraction import (
    UsageCounts,
    extract_optional_text,
    extract_stop_reason,
    extract_usage,
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
    def feed(self, part: bytes) -> Iterator[Any]: ...
    def finish(self) -> Iterator[Any]: ...


class _Buffered:
    framing = "stream"

    def __init__(self) -> None:
        self._buffer = b""

    def _append(self, part: bytes) -> None:
        self._buffer += part
        if len(self._buffer) > MAX_BUFFER_BYTES:
            raise ResponseFormatError(f"A streamed record exceeds {MAX_BUFFER_BYTES} bytes without a delimiter.")


class JsonLinesDecoder(_Buffered):
    """Newline-delimited JSON (DJL/LMI ``application/jsonlines``)."""

    framing = "jsonlines"

    def feed(self, part: bytes) -> Iterator[Any]:
        self._append(part)
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            if line.strip():
                yield _loads(line, self.framing)

    def finish(self) -> Iterator[Any]:
        rest, self._buffer = self._buffer, b""
        if rest.strip():
            yield _loads(rest, self.framing)


class SseDecoder(_Buffered):
    """Server-sent events (TGI ``data:{...}``, OpenAI-compatible ``data: {...}`` ... ``data: [DONE]``)."""

    framing = "sse"

    def __init__(self) -> None:
        super().__init__()
        self._data: list[bytes] = []

    def _line(self, line: bytes) -> Iterator[Any]:
        line = line.rstrip(b"\r")
        if not line:
            yield from self._dispatch()
        elif line.startswith(b"data:"):
            self._data.append(line[5:].removeprefix(b" "))
        # "event:", "id:", "retry:" and ":" comments carry nothing the engine needs.

    def _dispatch(self) -> Iterator[Any]:
        if self._data:
            payload, self._data = b"\n".join(self._data), []
            if payload.strip() and payload.strip() != b"[DONE]":
                yield _loads(payload, self.framing)

    def feed(self, part: bytes) -> Iterator[Any]:
        self._append(part)
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            yield from self._line(line)

    def finish(self) -> Iterator[Any]:
        rest, self._buffer = self._buffer, b""
        if rest.strip():
            yield from self._line(rest)
        yield from self._dispatch()


class WholeChunkDecoder:
    """Bedrock ``invoke_model_with_response_stream``: every ``chunk.bytes`` is one complete JSON document."""

    framing = "bedrock-chunk"

    def feed(self, part: bytes) -> Iterator[Any]:
        if part.strip():
            yield _loads(part, self.framing)

    def finish(self) -> Iterator[Any]:
        return iter(())


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
        self._usage_paths = usage_paths
        self._reasoning_path = reasoning_path
        self._stop_reason_path = stop_reason_path
        self.usage = UsageCounts()
        self.stop_reason: str | None = None
        self.documents = 0
        self.matched = 0  # records whose output path (or reasoning path) selected text
        self._first_keys: list[str] = []

    def _deltas(self, documents: Iterable[Any]) -> Iterator[Delta]:
        for document in documents:
            if self.documents == 0:
                self._first_keys = top_level_keys(document)
            self.documents += 1
            self.usage = self.usage.merged(extract_usage(document, self._usage_paths))
            self.stop_reason = extract_stop_reason(document, self._stop_reason_path) or self.stop_reason
            if self._reasoning_path is not None:
                thought = extract_optional_text(document, self._reasoning_path)
                if thought is not None:
                    self.matched += 1
                    if thought:
                        yield StreamReasoning(thought)
            text = extract_optional_text(document, self._output_path)
            if text is not None:
                self.matched += 1
                if text:
                    yield StreamDelta(text)

    def feed(self, part: bytes) -> Iterator[Delta]:
        return self._deltas(self._decoder.feed(part))

    def finish(self) -> Iterator[Delta]:
        yield from self._deltas(self._decoder.finish())
        if self.documents and not self.matched:
            raise OutputPathError(
                path=self._output_path, received_keys=self._first_keys, reason="selected no text in any streamed record"
            )


def text_stream(config: ModelConfig, settings: StreamSettings) -> TextStream:
    """The decoder of one model's stream: its framing, output path, usage, reasoning and stop reason paths."""
    reasoning = config.reasoning.stream_path if config.reasoning is not None else None
    return TextStream(
        settings.framing, settings.output_path, config.content_handler.usage, reasoning, settings.stop_reason_path
    )
