"""Output extraction with JMESPath: text, token usage and streamed chunks.

A path that selects nothing is an ``OutputPathError`` naming the path and the keys received, never a
silent ``None``. A path that selects a list of strings (``content[*].text``) joins them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.visitor import TreeInterpreter

from inference_engine.errors import OutputPathError, ResponseFormatError
from inference_engine.schema import ReasoningSettings, UsagePaths


class CompiledPath(Protocol):
    def search(self, value: Any) -> Any: ...


# The common output and usage paths run without the JMESPath interpreter, which walks the expression's tree and
# dispatches on each node's type on every call. ``compile_path`` lets jmespath parse the expression (so there is one
# reading of it), then turns a tree made only of chains of fields and indices (``[0].details.tokens``), ``||``,
# ``&&``, ``==``/``!=`` and literals into closures that do what jmespath's ``TreeInterpreter`` does for those nodes.
# Any other node (projections, filters, slices, functions, orderings, ...) leaves the whole expression to jmespath.
Evaluate = Callable[[Any], Any]
Step = tuple[bool, Any]  # (is an index, field name or index)
_CHAINS = frozenset({"subexpression", "index_expression"})
_EQUALITY: dict[str, Callable[[Any, Any], bool]] = {
    kind: TreeInterpreter.COMPARATOR_FUNC[kind] for kind in ("eq", "ne")
}  # jmespath's own: 0 and 1 never equal false and true


class _NotFast(Exception):  # noqa: N818 - a signal: the expression stays with jmespath
    pass


def _walk(steps: tuple[Step, ...], value: Any) -> Any:
    """JMESPath's field and index semantics: a field of a non-object and an index of a non-array or out of
    range are null, and null stays null."""
    for is_index, key in steps:
        if value is None:
            return None
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


def _fields(keys: tuple[Any, ...]) -> Evaluate:
    """A chain of fields only (``details.finish_reason``), the common case: ``_walk`` without its per-step
    dispatch. A field of null is null; a field of a non-object (``.get`` missing) is null."""

    def fields(value: Any) -> Any:
        try:
            for key in keys:
                value = value.get(key)
                if value is None:
                    return None
        except AttributeError:
            return None
        return value

    return fields


def _steps(node: Mapping[str, Any]) -> tuple[Step, ...]:
    kind = node["type"]
    if kind == "field":
        return ((False, node["value"]),)
    if kind == "index":
        return ((True, node["value"]),)
    if kind in ("identity", "current"):
        return ()
    if kind in _CHAINS:  # each child applied to the result of the one before
        return tuple(step for child in node["children"] for step in _steps(child))
    raise _NotFast(kind)


def _closure(node: Mapping[str, Any]) -> Evaluate:
    kind = node["type"]
    if kind == "literal":
        constant = node["value"]
        return lambda _value: constant
    if kind in ("or_expression", "and_expression"):
        left, right = (_closure(child) for child in node["children"])
        # JMESPath falsiness (empty string, array or object, false, null; 0 is true) for JSON values: Python's
        # falsiness minus the numbers, so a non-empty value (text, on every streamed record) is one test
        if kind == "or_expression":
            return lambda value: (
                right(value)
                if not (matched := left(value)) and type(matched) is not int and type(matched) is not float
                else matched
            )
        return lambda value: (
            matched
            if not (matched := left(value)) and type(matched) is not int and type(matched) is not float
            else right(value)
        )
    if kind == "comparator" and node["value"] in _EQUALITY:
        compare = _EQUALITY[node["value"]]
        left_node, right_node = node["children"]
        left = _closure(left_node)
        if right_node["type"] == "literal":  # the common ``a.b == `x` ``: no call for the constant
            constant = right_node["value"]
            if isinstance(constant, bool) or constant is None:
                # Of JSON values only the constant itself equals it, 0 and 1 excepted, which jmespath rules out
                same = node["value"] == "eq"
                return lambda value: (left(value) is constant) is same
            return lambda value: compare(left(value), constant)
        right = _closure(right_node)
        return lambda value: compare(left(value), right(value))
    steps = _steps(node)
    if steps and not any(is_index for is_index, _key in steps):
        return _fields(tuple(key for _is_index, key in steps))
    return lambda value: _walk(steps, value)


class FastPath:
    """An expression of the common shape as closures: the same results as ``jmespath.compile(expression).search``."""

    __slots__ = ("expression", "search")

    def __init__(self, expression: str, evaluate: Evaluate) -> None:
        self.expression = expression
        self.search = evaluate

    def __repr__(self) -> str:
        return f"FastPath({self.expression!r})"


@lru_cache(maxsize=512)
def compile_path(expression: str) -> CompiledPath:
    """A ``FastPath`` when every node of the expression has one, else jmespath's own compiled expression; an invalid
    expression raises jmespath's ``ParseError``/``LexerError`` either way."""
    parsed = jmespath.compile(expression)
    try:
        return FastPath(expression, _closure(parsed.parsed))
    except _NotFast:
        return parsed


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


@lru_cache(maxsize=512)
def searcher(expression: str) -> Evaluate:
    """``document -> value`` for one expression, compiled once; a failure inside jmespath (a function on the wrong
    type, e.g. ``length(`1`)``) is an ``OutputPathError``."""
    compiled = compile_path(expression)
    if isinstance(compiled, FastPath):
        return compiled.search  # raises nothing

    def search_guarded(document: Any) -> Any:
        try:
            return compiled.search(document)
        except JMESPathError as exc:
            raise OutputPathError(
                path=expression, received_keys=top_level_keys(document), reason=f"failed: {exc}"
            ) from None

    return search_guarded


def search(expression: str, document: Any) -> Any:
    return searcher(expression)(document)


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
    return None if expression is None else stop_reason_text(search(expression, document))


def stop_reason_text(value: Any) -> str | None:
    """A selected stop reason as text: a string or a number, else ``None``."""
    return str(value) if isinstance(value, str | int | float) and not isinstance(value, bool) and value != "" else None


def optional_text(value: Any) -> str | None:
    """The text of a stream record's selection: ``None`` when the record carries no text there (e.g. a final
    summary); ``""`` when it selects empty text (an empty token is still a match)."""
    return _as_text(value) if value is not None and value is not False else None


def extract_optional_text(document: Any, expression: str) -> str | None:
    """For stream chunks: ``optional_text`` of what ``expression`` selects."""
    return optional_text(search(expression, document))


def extract_reasoning(document: Any, settings: ReasoningSettings | None) -> str | None:
    """The reasoning text at ``settings.output_path``, or ``None`` (no path, or nothing there)."""
    if settings is None or settings.output_path is None:
        return None
    return extract_optional_text(document, settings.output_path) or None


def token_count(value: Any) -> int | None:
    """A token count as reported, or ``None`` (not a non-negative whole number)."""
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
        input_tokens=token_count(search(paths.input_tokens_path, document)) if paths.input_tokens_path else None,
        output_tokens=token_count(search(paths.output_tokens_path, document)) if paths.output_tokens_path else None,
    )


def parse_json_body(raw: bytes, *, what: str = "response") -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        preview = raw[:200].decode("utf-8", errors="replace")
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
        raise ResponseFormatError(f"The model's {what} is not valid JSON ({reason}): {preview!r}") from None
