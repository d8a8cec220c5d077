"""The eventstream encoder, checked against botocore's own decoder and parser."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from typing import Any, cast

import pytest
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import EventStreamError

from local.emulator import eventstream
from tests.support.emulator import ParseEvents


def test_blob_event_round_trips_through_botocore_decoder() -> None:
    # Given a SageMaker PayloadPart with raw bytes (including non-UTF-8 ones)
    payload = b'data:{"token":{"text":"hi"}}\n\n\xff\x00'

    # When it is encoded and decoded by botocore
    buffer = EventStreamBuffer()
    buffer.add_data(eventstream.blob_event("PayloadPart", payload))
    (message,) = list(buffer)

    # Then headers and payload come back unchanged
    assert cast(dict[str, Any], message.headers) == {
        ":event-type": "PayloadPart",
        ":content-type": "application/octet-stream",
        ":message-type": "event",
    }
    assert message.payload == payload


def test_prelude_and_message_crcs_are_correct() -> None:
    # Given an encoded message
    encoded = eventstream.encode_message({":message-type": "event"}, b"abc")

    # Then the lengths and both CRC32 checksums follow the framing
    total, headers_length, prelude_crc = struct.unpack(">III", encoded[:12])
    assert total == len(encoded)
    assert headers_length == 1 + len(":message-type") + 3 + len("event")
    assert prelude_crc == zlib.crc32(encoded[:8])
    assert struct.unpack(">I", encoded[-4:])[0] == zlib.crc32(encoded[:-4])


def test_many_messages_split_at_arbitrary_boundaries_are_reassembled() -> None:
    # Given three messages fed to the decoder 5 bytes at a time
    data = b"".join(eventstream.blob_event("PayloadPart", f"part-{i}".encode()) for i in range(3))
    buffer = EventStreamBuffer()
    payloads: list[bytes] = []

    # When the decoder is drained after each piece
    for start in range(0, len(data), 5):
        buffer.add_data(data[start : start + 5])
        payloads.extend(message.payload for message in buffer)

    # Then every message comes out once, in order
    assert payloads == [b"part-0", b"part-1", b"part-2"]


def test_bedrock_chunk_is_parsed_by_botocore_into_bytes(parse_event_stream: ParseEvents) -> None:
    # Given a Bedrock chunk carrying a model's JSON
    data = eventstream.bedrock_chunk({"outputText": "hello", "index": 0})

    # When botocore parses it as an InvokeModelWithResponseStream event
    (event,) = parse_event_stream(data, "bedrock-runtime", "InvokeModelWithResponseStream", "body")

    # Then the client sees the model's JSON as the decoded bytes (the padding member is ignored)
    assert json.loads(event["chunk"]["bytes"]) == {"outputText": "hello", "index": 0}


def test_bedrock_chunk_payload_is_base64_json_with_padding() -> None:
    buffer = EventStreamBuffer()
    buffer.add_data(eventstream.bedrock_chunk({"a": 1}))
    (message,) = list(buffer)
    body = json.loads(message.payload)
    assert base64.b64decode(body["bytes"]) == b'{"a":1}'
    assert body["p"]
    assert cast(dict[str, Any], message.headers)[":content-type"] == "application/json"


def test_converse_event_is_parsed_with_its_members(parse_event_stream: ParseEvents) -> None:
    data = eventstream.json_event("contentBlockDelta", {"delta": {"text": "Hi"}, "contentBlockIndex": 0})
    events = parse_event_stream(data, "bedrock-runtime", "ConverseStream", "stream")
    assert events == [{"contentBlockDelta": {"delta": {"text": "Hi"}, "contentBlockIndex": 0}}]


def test_exception_event_raises_event_stream_error_with_code_and_message(parse_event_stream: ParseEvents) -> None:
    # Given a payload part followed by a modeled SageMaker stream exception
    data = eventstream.blob_event("PayloadPart", b"x") + eventstream.exception_event(
        "ModelStreamError", {"Message": "boom", "ErrorCode": "ModelStreamError"}
    )

    # When botocore iterates the stream
    with pytest.raises(EventStreamError) as raised:
        parse_event_stream(data, "sagemaker-runtime", "InvokeEndpointWithResponseStream", "Body")

    # Then the error carries the exception type as its code
    assert raised.value.response["Error"] == {"Code": "ModelStreamError", "Message": "boom"}
