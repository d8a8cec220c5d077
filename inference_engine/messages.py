"""The conversation a caller sends: chat messages or a bare prompt, normalised once.

Callers send ``content`` as a string or as ``[{"text": ...}]`` blocks (Converse/Anthropic style) and
may put the system prompt in a message or beside the messages. ``Conversation`` holds one canonical
form; the request-template variables derive both shapes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.schema import invalid

MAX_MESSAGES = 200
MAX_TEXT_CHARS = 200_000

Role = Literal["system", "user", "assistant"]


class TextBlock(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    text: str = Field(max_length=MAX_TEXT_CHARS)


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    role: Role
    content: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] | Annotated[list[TextBlock], Field(max_length=100)]

    @property
    def text(self) -> str:
        return self.content if isinstance(self.content, str) else "".join(block.text for block in self.content)


class ConversationInput(BaseModel):
    """The conversation part of an invoke/validate request: ``messages`` or ``prompt`` (exactly one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    messages: list[ChatMessage] | None = Field(default=None, min_length=1, max_length=MAX_MESSAGES)
    prompt: str | None = Field(default=None, min_length=1, max_length=MAX_TEXT_CHARS)
    system: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)

    @model_validator(mode="after")
    def _exactly_one(self) -> ConversationInput:
        if (self.messages is None) == (self.prompt is None):
            raise ValueError("send exactly one of 'messages' or 'prompt'")
        return self

    def to_conversation(self) -> Conversation:
        if self.prompt is not None:
            return Conversation(turns=(Turn("user", self.prompt),), system=self.system)
        assert self.messages is not None  # noqa: S101 - guaranteed by the validator
        system_parts = [m.text for m in self.messages if m.role == "system"]
        if self.system is not None:
            system_parts.insert(0, self.system)
        turns = tuple(Turn(m.role, m.text) for m in self.messages if m.role != "system")
        if not turns:
            raise ConfigValidationError(
                "The conversation has no user or assistant message.",
                details=[ErrorDetail("messages", "at least one user message is required", "value_error")],
            )
        return Conversation(turns=turns, system="\n\n".join(system_parts) if system_parts else None)


@dataclass(frozen=True)
class Turn:
    role: Literal["user", "assistant"] | str
    text: str


@dataclass(frozen=True)
class Conversation:
    """Canonical conversation: non-system turns plus an optional system prompt."""

    turns: tuple[Turn, ...]
    system: str | None = None

    @classmethod
    def from_prompt(cls, prompt: str, system: str | None = None) -> Conversation:
        return cls(turns=(Turn("user", prompt),), system=system)

    @property
    def last_user_text(self) -> str:
        return next((t.text for t in reversed(self.turns) if t.role == "user"), "")

    def messages(self) -> list[dict[str, Any]]:
        """``[{role, content: str}]`` without the system prompt."""
        return [{"role": t.role, "content": t.text} for t in self.turns]

    def block_messages(self) -> list[dict[str, Any]]:
        """``[{role, content: [{"text": ...}]}]`` without the system prompt (Converse / Nova / Anthropic)."""
        return [{"role": t.role, "content": [{"text": t.text}]} for t in self.turns]

    def messages_with_system(self) -> list[dict[str, Any]]:
        """``[{role, content: str}]`` with the system prompt as the first message (for chat templates)."""
        head = [{"role": "system", "content": self.system}] if self.system is not None else []
        return head + self.messages()

    def all_text(self) -> str:
        return "\n".join(([self.system] if self.system else []) + [t.text for t in self.turns])


def parse_conversation(data: Any) -> Conversation:
    try:
        return ConversationInput.model_validate(data).to_conversation()
    except ValidationError as exc:
        raise invalid(exc, data, "conversation") from None
