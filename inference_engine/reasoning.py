"""Reasoning text kept apart from the answer when a model writes it inline between ``<think>`` tags.

DeepSeek-R1 and the models distilled from it write their chain of thought as ``<think>...</think>`` before the
answer; when the prompt template already opened the block (it ends with the assistant marker and ``<think>``),
the output starts inside it and only ``</think>`` appears. ``ThinkSplitter`` separates the two as text streams in:
a tag may be cut across deltas, so a possible tag prefix is held back until the next piece decides it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal

from inference_engine.events import Delta, StreamDelta, StreamReasoning

OPEN_TAG = "<think>"
CLOSE_TAG = "</think>"
ThinkTags = Literal["paired", "prompt_opened"]


def _held_back(text: str, tag: str) -> int:
    """How many characters at the end of ``text`` could be the start of ``tag``."""
    for size in range(min(len(tag) - 1, len(text)), 0, -1):
        if tag.startswith(text[-size:]):
            return size
    return 0


class ThinkSplitter:
    """Feeds answer text in, gets answer and reasoning pieces out.

    Whitespace next to a tag is dropped: it is held back until text of the same kind follows, so a stream
    and a buffered answer split the same way.
    """

    def __init__(self, mode: ThinkTags) -> None:
        self._reasoning = mode == "prompt_opened"
        self._at_start = True  # a leading <think> (after whitespace) opens the block in either mode
        self._strip = True  # drop whitespace at the start of the segment after a tag
        self._pending = ""  # text that may be the start of a tag
        # per kind (answer, reasoning): whitespace held back, sent only if more text of that kind follows
        self._spaces = {False: "", True: ""}
        self._started = {False: False, True: False}

    def _piece(self, text: str) -> list[Delta]:
        kind = self._reasoning
        if self._strip:
            text = text.lstrip()
            self._strip = not text
        body = text.rstrip()
        if not body:
            self._spaces[kind] += text
            return []
        held = self._spaces[kind] if self._started[kind] else ""
        self._spaces[kind], self._started[kind] = text[len(body) :], True
        text = held + body
        return [StreamReasoning(text) if kind else StreamDelta(text)]

    def _switch(self) -> None:
        self._reasoning, self._strip = not self._reasoning, True

    def feed(self, text: str) -> list[Delta]:
        buffer, self._pending = self._pending + text, ""
        out: list[Delta] = []
        if self._at_start:
            head = buffer.lstrip()
            if OPEN_TAG.startswith(head):  # only whitespace or part of "<think>" so far: wait for more
                self._pending = buffer
                return out
            self._at_start = False
            if head.startswith(OPEN_TAG):
                self._reasoning, self._strip = True, True
                buffer = head[len(OPEN_TAG) :]
        while buffer:
            tag = CLOSE_TAG if self._reasoning else OPEN_TAG
            index = buffer.find(tag)
            if index < 0:
                keep = _held_back(buffer, tag)
                out += self._piece(buffer[: len(buffer) - keep])
                self._pending = buffer[len(buffer) - keep :]
                break
            out += self._piece(buffer[:index])
            self._switch()
            buffer = buffer[index + len(tag) :]
        return out

    def finish(self) -> list[Delta]:
        rest, self._pending = self._pending, ""
        self._at_start = False
        out = self._piece(rest) if rest else []
        if self._spaces[False] and self._started[False]:  # an answer keeps its own trailing whitespace
            out.append(StreamDelta(self._spaces[False]))
        self._spaces = {False: "", True: ""}
        return out


def split_stream(deltas: Iterable[Delta], mode: ThinkTags) -> Iterator[Delta]:
    """Answer deltas split into answer and reasoning pieces; reasoning pieces that arrive as such pass through."""
    splitter = ThinkSplitter(mode)
    for delta in deltas:
        if isinstance(delta, StreamDelta):
            yield from splitter.feed(delta.text)
        else:
            yield delta
    yield from splitter.finish()


def split_text(text: str, mode: ThinkTags) -> tuple[str, str | None]:
    """``(answer, reasoning)`` of a whole answer; reasoning is ``None`` when the text has none."""
    pieces = list(split_stream([StreamDelta(text)], mode))
    answer = "".join(p.text for p in pieces if isinstance(p, StreamDelta))
    reasoning = "".join(p.text for p in pieces if isinstance(p, StreamReasoning))
    return answer, reasoning or None
