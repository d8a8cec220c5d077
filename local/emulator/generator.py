"""The deterministic text generator behind every emulated model.

One emulated token is one whitespace-separated word. The answer acknowledges the last user message
("Echo: <its first words>.") and continues with filler words drawn from a PRNG seeded by a hash of
the whole prompt, so the same request always gets the same answer and different prompts get
different ones. Generation stops at the natural length, at the max-token budget, or just before a
stop sequence, whichever comes first, and says which.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

ACK_WORDS = 8
MAX_NATURAL_LENGTH = 8192
_MARKER = re.compile(r"\[\[[a-z_]+(?::[^\]]*)?\]\]")
_LENGTH_MARKER = re.compile(r"\[\[length:(\d{1,5})\]\]")
# Special tokens of common chat templates (Llama 2/3, Mistral, ChatML, Phi, Gemma, DeepSeek's fullwidth-bar tokens)
# split a rendered prompt.
_SPECIAL_TOKEN = re.compile(
    r"<\|[^|>]{1,40}\|>|<\uff5c[^\uff5c>]{1,40}\uff5c>|</?s>|\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>|<think>"
)
_ROLE_PREFIX = re.compile(r"^\s*(user|human|assistant|bot|ai|system)\s*:\s*", re.IGNORECASE)
_ROLE_ONLY = {"user", "human", "assistant", "bot", "ai", "system", "model"}
_FILLER_TEXT = (
    "the model answers with steady deterministic words so tests can check every token and stop sequence "
    "while streams carry the same text split over several events for clients to join back together "
    "each request hashes its prompt into a seed that picks these words in a repeatable order"
)
_FILLER = tuple(_FILLER_TEXT.split())


class FinishReason(Enum):
    """Why generation ended; each format reports it in its own words."""

    END = "end"  # natural end of the answer (eos / end_turn / FINISH / stop)
    LENGTH = "length"  # the max-token budget ran out
    STOP_SEQUENCE = "stop_sequence"  # a stop sequence was generated (and cut off)


@dataclass(frozen=True)
class Generation:
    """The answer: ``tokens`` joined give ``text`` (each token after the first carries its leading space)."""

    tokens: tuple[str, ...]
    finish: FinishReason
    stop_sequence: str | None
    input_tokens: int

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    @property
    def output_tokens(self) -> int:
        return len(self.tokens)


def count_tokens(text: str) -> int:
    """Emulated token count of a text: its whitespace-separated words."""
    return len(text.split())


def strip_markers(text: str) -> str:
    """The text without emulator markers such as ``[[fault:throttle]]`` or ``[[length:40]]``."""
    return _MARKER.sub("", text) if "[[" in text else text


def last_user_text(prompt: str) -> str:
    """Best guess at the last user turn inside a prompt rendered by a chat template (or a plain prompt)."""
    segments = [part.strip() for part in _SPECIAL_TOKEN.split(prompt)]
    candidates = [part for part in segments if part and part.lower() not in _ROLE_ONLY]
    if not candidates:
        return ""
    lines = [line for line in candidates[-1].splitlines() if line.strip()]
    while lines:
        line = _ROLE_PREFIX.sub("", lines[-1]).strip()
        if line:
            return line
        lines.pop()  # a trailing "Assistant:" generation cue
    return ""


def generate(
    *,
    prompt_key: str,
    last_user: str,
    input_tokens: int,
    max_tokens: int,
    stop_sequences: Sequence[str] = (),
) -> Generation:
    """Generate the answer to ``prompt_key`` (the whole prompt or conversation, used as the seed)."""
    words = _natural_words(prompt_key, last_user)
    stops = [stop for stop in stop_sequences if stop]
    tokens: list[str] = []
    text = ""
    for index, word in enumerate(words):
        if len(tokens) >= max_tokens:
            return Generation(tuple(tokens), FinishReason.LENGTH, None, input_tokens)
        token = word if index == 0 else " " + word
        window_start = len(text)
        text += token
        hit = _first_stop(text, window_start, stops)
        if hit is not None:
            position, stop = hit
            kept = text[:position].rstrip()
            return Generation(_tokenize(kept), FinishReason.STOP_SEQUENCE, stop, input_tokens)
        tokens.append(token)
    return Generation(tuple(tokens), FinishReason.END, None, input_tokens)


def reasoning_words(question: str) -> tuple[str, ...]:
    """The emulated chain of thought about ``question``: a fixed short sentence that quotes it."""
    words = [
        "The",
        "user",
        "wrote:",
        *(strip_markers(question).split()[:6] or ["nothing"]),
        "I",
        "should",
        "echo",
        "it.",
    ]
    return tuple(word if index == 0 else " " + word for index, word in enumerate(words))


def _natural_words(prompt_key: str, last_user: str) -> list[str]:
    digest = hashlib.sha256(prompt_key.encode("utf-8", "surrogatepass")).digest()
    rng = random.Random(int.from_bytes(digest[:8], "big"))
    ack = strip_markers(last_user).split()[:ACK_WORDS]
    head = ["Echo:", *ack]
    if ack and head[-1][-1] not in ".?!":
        head[-1] += "."
    length_marker = _LENGTH_MARKER.search(prompt_key)
    natural = len(head) + 8 + digest[8] % 17
    length = min(int(length_marker.group(1)), MAX_NATURAL_LENGTH) if length_marker else natural
    filler = [rng.choice(_FILLER) for _ in range(max(0, length - len(head)))]
    if filler:
        filler[-1] += "."
    return (head + filler)[:length]


def _first_stop(text: str, window_start: int, stops: Sequence[str]) -> tuple[int, str] | None:
    best: tuple[int, str] | None = None
    for stop in stops:
        position = text.find(stop, max(0, window_start - len(stop) + 1))
        if position >= 0 and (best is None or position < best[0]):
            best = (position, stop)
    return best


def _tokenize(text: str) -> tuple[str, ...]:
    words = text.split()
    return tuple(word if index == 0 else " " + word for index, word in enumerate(words))
