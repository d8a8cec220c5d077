"""Output extraction with JMESPath: text, token usage and streamed chunks.

A path that selects nothing is an ``OutputPathError`` naming the path and the keys received, never a
silent ``None``. A path that selects a list of strings (``content[*].text``) joins them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import jmespath
from jmespath.exceptions import JMESPathError

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.schema import ReasoningSettings, UsagePaths


class CompiledPath(Protocol):
    def search(self, value: Any) -> Any: ...


# Simple paths, evaluated without the JMESPath interpreter: chains of fields and indices (``[0].details.tokens``),
# and ``a || b`` of such chains. Anything else (quoted names, projections, filters, functions, ...) goes to jmespath.
_WS = "[ \t\n\r]*"  # what the JMESPath lexer skips between tokens
_IDENTIFIER = "[A-Za-z_][A-Za-z0-9_]*"
_INDEX = r"\[-?[0-9]+\]"
_CHAIN = f"(?:{_IDENTIFIER}|{_INDEX})(?:\\.{_IDENTIFIER}|{_INDEX})*"
_SIMPLE_PATH = re.compile(f"{_WS}{_CHAIN}(?:{_WS}\\|\\|{_WS}{_CHAIN})*{_WS}")
_OR = re.compile(f"{_WS}\\|\\|{_WS}")
_STEP = re.compile(f"({_IDENTIFIER})|\\[(-?[0-9]+)\\]")

Step = tuple[bool, Any]  # (is an index, field name or index)


def _walk(steps: tuple[Step, ...], value: Any) -> Any:
    """JMESPath's field and index semantics: a field of a non-object and an index of a non-array or out of
    range are null, and null stays null."""
    for is_index, key in steps:
        if is_index:
            if not isinstance(value, list):
                return None
            try:
                value = value[key]
            except IndexError:
                return None
        else:
            try:
                value = value.get(key)
            except AttributeError:
                return None
    return value


def _is_false(value: Any) -> bool:
    """JMESPath falsiness (``||``): empty string, array or object, false and null; 0 is true."""
    return value == "" or value == [] or value == {} or value is None or value is False  # noqa: PLR1714 - as jmespath


class SimplePath:
    """A compiled simple path: the same results as ``jmespath.compile(expression).search``."""

    __slots__ = ("expression", "first", "last")

    def __init__(self, expression: str) -> None:
        self.expression = expression
        *first, last = (
            tuple(
                (True, int(match.group(2))) if match.group(2) is not None else (False, match.group(1))
                for match in _STEP.finditer(chain)
            )
            for chain in _OR.split(expression.strip(" \t\n\r"))
        )
        self.first: tuple[tuple[Step, ...], ...] = tuple(first)  # alternatives tried in turn ...
        self.last: tuple[Step, ...] = last  # ... and the one whose result stands when all of them are false

    def search(self, value: Any) -> Any:
        for steps in self.first:
            found = _walk(steps, value)
            if not _is_false(found):
                return found
        return _walk(self.last, value)


def is_simple_path(expression: str) -> bool:
    return _SIMPLE_PATH.fullmatch(expression) is not None


@lru_cache(maxsize=512)
def compile_path(expression: str) -> CompiledPath:
    """A simple path compiled to a ``SimplePath``, any other expression by jmespath (which raises on invalid ones)."""
    if is_simple_path(expression):
        return SimplePath(expression)
    return jmespath.compile(expression)


def top_level_keys(document: Any) -> list[str]:
    if isinstance(document, Mapping):
        return [str(k) for k in list(document)[:20]]
    if isinstance(document, list):
        inner = top_level_keys(document[0]) if document else []
        return [f"[{len(document)} items]", *(f"[0].{k}" for k in inner)]
    return []


def _as_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return "".join(value)
    return None


def search(expression: str, document: Any) -> Any:
    try:
        return compile_path(expression).search(document)
    except JMESPathError as exc:  # runtime type errors inside functions, e.g. length(`1`)
        raise OutputPathError(
            path=expression, received_keys=top_level_keys(document), reason=f"failed: {exc}"
        ) from None


def extract_text(document: Any, expression: str) -> str:
    """The text selected by ``expression``; ``OutputPathError`` if it selects nothing or no text."""
    value = search(expression, document)
    if value is None:
        raise OutputPathError(path=expression, received_keys=top_level_keys(document))
    text = _as_text(value)
    if text is None:
        raise OutputPathError(
            path=expression,
            received_keys=top_level_keys(document),
            reason=f"selected a {type(value).__name__}, not text",
        )
    return text


def extract_stop_reason(document: Any, expression: str | None) -> str | None:
    """Why generation stopped, as the model says it (a string or a number), else ``None``: a stop reason is
    information, never a reason to fail a call."""
    if expression is None:
        return None
    value = search(expression, document)
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "" else None


def extract_optional_text(document: Any, expression: str) -> str | None:
    """For stream chunks: ``None`` when the chunk carries no text at that path (e.g. a final summary);
    ``""`` when it selects empty text (an empty token is still a match)."""
    value = search(expression, document)
    return _as_text(value) if value is not None and value is not False else None


def extract_reasoning(document: Any, settings: ReasoningSettings | None) -> str | None:
    """The reasoning text at ``settings.output_path``, or ``None`` (no path, or nothing there)."""
    if settings is None or settings.output_path is None:
        return None
    return extract_optional_text(document, settings.output_path) or None


def _count(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


@dataclass(frozen=True)
class UsageCounts:
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_input_tokens: int | None = None  # Converse prompt caching
    cache_write_input_tokens: int | None = None

    def merged(self, newer: UsageCounts) -> UsageCounts:
        def pick(name: str) -> int | None:
            value: int | None = getattr(newer, name)
            return value if value is not None else getattr(self, name)

        return UsageCounts(
            input_tokens=pick("input_tokens"),
            output_tokens=pick("output_tokens"),
            cache_read_input_tokens=pick("cache_read_input_tokens"),
            cache_write_input_tokens=pick("cache_write_input_tokens"),
        )


def extract_usage(document: Any, paths: UsagePaths | None) -> UsageCounts:
    """Token counts reported by the model; missing counts stay ``None`` (the engine then estimates)."""
    if paths is None:
        return UsageCounts()
    return UsageCounts(
        input_tokens=_count(search(paths.input_tokens_path, document)) if paths.input_tokens_path else None,
        output_tokens=_count(search(paths.output_tokens_path, document)) if paths.output_tokens_path else None,
    )


def parse_json_body(raw: bytes, *, what: str = "response") -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        preview = raw[:200].decode("utf-8", errors="replace")
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise ResponseFormatError(f"The model's {what} is not valid JSON ({reason}): {preview!r}") from None
