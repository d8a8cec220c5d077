"""The pieces of a streamed answer: answer text and reasoning text, each as it arrives."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StreamDelta:
    """A piece of the answer."""

    text: str


@dataclass(frozen=True, slots=True)
class StreamReasoning:
    """A piece of the model's reasoning ("thinking"), kept apart from the answer."""

    text: str


Delta = StreamDelta | StreamReasoning
