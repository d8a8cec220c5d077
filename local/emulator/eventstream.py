"""Encoder for the ``application/vnd.amazon.eventstream`` framing used by AWS response streams.

One message is: total length (4 bytes), headers length (4), CRC32 of those 8 bytes (4), headers,
payload, CRC32 of everything before it (4). Headers here are always strings (type 7), which is all
the SageMaker and Bedrock runtimes send: ``:message-type``, ``:event-type`` / ``:exception-type``
and ``:content-type``.
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from collections.abc import Mapping
from typing import Any

_STRING_HEADER = 7
# Real Bedrock pads every JSON event with a "p" member of varying length; botocore ignores it.
_PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def encode_message(headers: Mapping[str, str], payload: bytes) -> bytes:
    """One eventstream message with string headers (in the given order) and a raw payload."""
    encoded_headers = b"".join(_encode_header(name, value) for name, value in headers.items())
    total_length = 16 + len(encoded_headers) + len(payload)
    prelude = struct.pack(">II", total_length, len(encoded_headers))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + encoded_headers + payload
    return message + struct.pack(">I", zlib.crc32(message))


def _encode_header(name: str, value: str) -> bytes:
    raw_name = name.encode()
    raw_value = value.encode()
    return struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", _STRING_HEADER, len(raw_value)) + raw_value


def blob_event(event_type: str, payload: bytes) -> bytes:
    """An event whose payload is the raw member (SageMaker ``PayloadPart``: ``Bytes`` is the event payload)."""
    return encode_message(
        {":event-type": event_type, ":content-type": "application/octet-stream", ":message-type": "event"},
        payload,
    )


def json_event(event_type: str, members: Mapping[str, Any], *, pad: bool = True) -> bytes:
    """An event whose payload is its members as JSON (Bedrock ``chunk``, Converse stream events)."""
    body = dict(members)
    if pad:
        body["p"] = _PADDING[: 1 + len(event_type) % len(_PADDING)]
    return encode_message(
        {":event-type": event_type, ":content-type": "application/json", ":message-type": "event"},
        json.dumps(body, separators=(",", ":")).encode(),
    )


def bedrock_chunk(chunk: Mapping[str, Any]) -> bytes:
    """A Bedrock ``InvokeModelWithResponseStream`` chunk: the model's JSON, base64-encoded in ``bytes``."""
    raw = json.dumps(chunk, separators=(",", ":")).encode()
    return json_event("chunk", {"bytes": base64.b64encode(raw).decode()})


def exception_event(exception_type: str, members: Mapping[str, Any]) -> bytes:
    """A modeled in-stream exception (``:message-type: exception``); botocore raises ``EventStreamError``."""
    return encode_message(
        {":exception-type": exception_type, ":content-type": "application/json", ":message-type": "exception"},
        json.dumps(dict(members), separators=(",", ":")).encode(),
    )
