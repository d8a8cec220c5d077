"""A small typed description of a JSON request body, checked in two real-world dialects.

Containers written in Rust (TGI) deserialize with serde: the first problem in document order wins
and the message names the JSON path and the line/column. Bedrock validates model bodies with a JSON
Schema library (everit): every problem is reported as ``#/path: message`` and the messages are run
together. Both dialects are rendered here from one ``Spec`` so each format declares its body once.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["string", "integer", "number", "boolean", "object", "array", "any"]
PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True)
class Spec:
    """The expected shape of one JSON value."""

    kind: Kind
    fields: Mapping[str, Spec] = field(default_factory=dict)  # object members
    required: tuple[str, ...] = ()
    closed: bool = True  # object: undeclared members are rejected
    items: Spec | None = None  # array items
    alternatives: tuple[Spec, ...] = ()  # "any of" these shapes instead of ``kind``
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_items: int | None = None
    min_length: int | None = None
    enum: tuple[str, ...] = ()
    serde_name: str = ""  # serde's word for the expected type: "u32", "f32", "struct GenerateParameters"


def obj(fields: Mapping[str, Spec], *, required: Sequence[str] = (), closed: bool = True, serde_name: str = "") -> Spec:
    return Spec("object", fields=dict(fields), required=tuple(required), closed=closed, serde_name=serde_name)


# --- everit (Bedrock InvokeModel bodies) -----------------------------------------------------------


def everit_messages(spec: Spec, value: Any) -> list[str]:
    """Every violation as everit words it: ``#/textGenerationConfig/topP: 2 is not less or equal to 1``."""
    messages: list[str] = []
    _everit(spec, value, (), messages)
    return messages


def _everit(spec: Spec, value: Any, path: Path, out: list[str]) -> None:
    where = "#" + "".join(f"/{part}" for part in path)
    if spec.alternatives:
        if not any(not everit_messages(option, value) for option in spec.alternatives):
            out.append(f"{where}: #: no subschema matched out of the total {len(spec.alternatives)} subschemas")
    elif value is None and spec.nullable:
        return
    elif not _is_kind(spec.kind, value):
        out.append(f"{where}: expected type: {_everit_type(spec.kind)}, found: {_everit_found(value)}")
    elif spec.kind == "object":
        _everit_object(spec, value, path, where, out)
    elif spec.kind == "array":
        if spec.min_items is not None and len(value) < spec.min_items:
            out.append(f"{where}: expected minimum item count: {spec.min_items}, found: {len(value)}")
        if spec.items is not None:
            for index, item in enumerate(value):
                _everit(spec.items, item, (*path, index), out)
    else:
        out.extend(f"{where}: {message}" for message in _everit_scalar(spec, value))


def _everit_object(spec: Spec, value: dict[str, Any], path: Path, where: str, out: list[str]) -> None:
    out.extend(f"{where}: required key [{name}] not found" for name in spec.required if name not in value)
    if spec.closed:
        extraneous = sorted(name for name in value if name not in spec.fields)
        out.extend(f"{where}: extraneous key [{name}] is not permitted" for name in extraneous)
    for name, child in spec.fields.items():
        if name in value:
            _everit(child, value[name], (*path, name), out)


def _everit_scalar(spec: Spec, value: Any) -> list[str]:
    messages = []
    if spec.kind in ("integer", "number"):
        if spec.minimum is not None and value < spec.minimum:
            messages.append(f"{value} is not greater or equal to {spec.minimum}")
        if spec.maximum is not None and value > spec.maximum:
            messages.append(f"{value} is not less or equal to {spec.maximum}")
    elif spec.kind == "string":
        if spec.enum and value not in spec.enum:
            messages.append(f"{value} is not a valid enum value")
        if spec.min_length is not None and len(value) < spec.min_length:
            messages.append(f"expected minLength: {spec.min_length}, actual: {len(value)}")
    return messages


def _everit_type(kind: Kind) -> str:
    return {
        "string": "String",
        "integer": "Integer",
        "number": "Number",
        "boolean": "Boolean",
        "object": "JSONObject",
        "array": "JSONArray",
        "any": "Object",
    }[kind]


def _everit_found(value: Any) -> str:
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "BigDecimal"
    if isinstance(value, str):
        return "String"
    return "JSONArray" if isinstance(value, list) else "JSONObject"


# --- serde (TGI, Rust) ------------------------------------------------------------------------------


def serde_error(spec: Spec, value: Any, text: str) -> str | None:
    """The first deserialization error serde_json + serde_path_to_error would report for ``text``, or None."""
    problem = _serde(spec, value, ())
    if problem is None:
        return None
    path, message, anchor = problem
    spans = _Spans(text)
    index = spans.locate(anchor)
    line, column = _line_column(text, index)
    prefix = _serde_path(path)
    return f"{prefix + ': ' if prefix else ''}{message} at line {line} column {column}"


# An anchor says where serde_json stands when it fails: ("value", path) at the end of a scalar or the
# start of a container, ("key", path) after a member name, ("close", path) at an object's "}".
Anchor = tuple[Literal["value", "key", "close"], Path]


def _serde(spec: Spec, value: Any, path: Path) -> tuple[Path, str, Anchor] | None:
    if value is None:
        if spec.nullable or spec.kind == "any":
            return None
        return path, f"invalid type: null, expected {_serde_expected(spec)}", ("value", path)
    if spec.kind == "any":
        return None
    if not _is_kind(spec.kind, value):
        return path, f"invalid type: {_serde_unexpected(value)}, expected {_serde_expected(spec)}", ("value", path)
    if spec.kind == "integer" and spec.serde_name.startswith("u") and value < 0:
        return path, f"invalid value: integer `{value}`, expected {spec.serde_name}", ("value", path)
    if spec.kind == "object":
        return _serde_object(spec, value, path)
    if spec.kind == "array" and spec.items is not None:
        for index, item in enumerate(value):
            problem = _serde(spec.items, item, (*path, index))
            if problem is not None:
                return problem
    return None


def _serde_object(spec: Spec, value: dict[str, Any], path: Path) -> tuple[Path, str, Anchor] | None:
    for name, item in value.items():
        child = spec.fields.get(name)
        if child is None:
            if spec.closed:
                return path, f"unknown field `{name}`, {_serde_one_of(list(spec.fields))}", ("key", (*path, name))
            continue
        problem = _serde(child, item, (*path, name))
        if problem is not None:
            return problem
    for name in spec.required:
        if name not in value:
            return path, f"missing field `{name}`", ("close", path)
    return None


def _serde_expected(spec: Spec) -> str:
    if spec.serde_name:
        return spec.serde_name
    return {
        "string": "a string",
        "integer": "i64",
        "number": "f64",
        "boolean": "a boolean",
        "object": "a map",
        "array": "a sequence",
        "any": "any value",
    }[spec.kind]


def _serde_unexpected(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean `{str(value).lower()}`"
    if isinstance(value, int):
        return f"integer `{value}`"
    if isinstance(value, float):
        return f"floating point `{value!r}`"
    if isinstance(value, str):
        return f'string "{value}"'
    return "sequence" if isinstance(value, list) else "map"


def _serde_one_of(names: Sequence[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    if not quoted:
        return "there are no fields"
    if len(quoted) == 1:
        return f"expected {quoted[0]}"
    if len(quoted) == 2:
        return f"expected {quoted[0]} or {quoted[1]}"
    return "expected one of " + ", ".join(quoted)


def _serde_path(path: Path) -> str:
    rendered = ""
    for part in path:
        if isinstance(part, int):
            rendered += f"[{part}]"
        else:
            rendered += ("." if rendered else "") + part
    return rendered


def serde_syntax_error(error: json.JSONDecodeError) -> str:
    """A Python JSON syntax error in serde_json's words (``expected value at line 1 column 1``)."""
    words = {
        "Expecting value": "expected value",
        "Expecting property name enclosed in double quotes": "key must be a string",
        "Expecting ',' delimiter": "expected `,` or `}`",
        "Expecting ':' delimiter": "expected `:`",
        "Extra data": "trailing characters",
        "Unterminated string starting at": "EOF while parsing a string",
    }.get(error.msg, error.msg[:1].lower() + error.msg[1:])
    return f"{words} at line {error.lineno} column {error.colno}"


# --- positions in the raw JSON text ---------------------------------------------------------------

_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
_WHITESPACE = re.compile(r"[ \t\r\n]*")


class _Spans:
    """Character positions of every value, member name and closing brace in a (valid) JSON text."""

    def __init__(self, text: str) -> None:
        self._text = text
        self.value_span: dict[Path, tuple[int, int]] = {}
        self.key_end: dict[Path, int] = {}
        with contextlib.suppress(IndexError, ValueError):  # the text is valid JSON; stay total anyway
            self._value(self._skip(0), ())

    def locate(self, anchor: Anchor) -> int:
        kind, path = anchor
        if kind == "key":
            return self.key_end.get(path, 0)
        start, end = self.value_span.get(path, (0, 0))
        if kind == "close":
            return end
        return start if self._text[start : start + 1] in ("{", "[") else end

    def _skip(self, index: int) -> int:
        match = _WHITESPACE.match(self._text, index)
        return match.end() if match else index

    def _string_end(self, index: int) -> int:
        position = index + 1
        while self._text[position] != '"':
            position += 2 if self._text[position] == "\\" else 1
        return position

    def _value(self, index: int, path: Path) -> int:
        char = self._text[index]
        if char == "{":
            return self._container(index, path, "}")
        if char == "[":
            return self._container(index, path, "]")
        if char == '"':
            end = self._string_end(index)
        else:
            match = _SCALAR.match(self._text, index)
            if match is None:
                raise ValueError(index)
            end = match.end() - 1
        self.value_span[path] = (index, end)
        return end + 1

    def _container(self, start: int, path: Path, closer: str) -> int:
        position = self._skip(start + 1)
        item = 0
        while self._text[position] != closer:
            if closer == "}":
                key_end = self._string_end(position)
                name = json.loads(self._text[position : key_end + 1])
                self.key_end[(*path, name)] = key_end
                position = self._skip(self._skip(key_end + 1) + 1)  # past ':'
                child: Path = (*path, name)
            else:
                child = (*path, item)
                item += 1
            position = self._skip(self._value(position, child))
            if self._text[position] == ",":
                position = self._skip(position + 1)
        self.value_span[path] = (start, position)
        return position + 1


def _line_column(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


# --- shared ---------------------------------------------------------------------------------------


def _is_kind(kind: Kind, value: Any) -> bool:
    if kind == "any":
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    return isinstance(value, list)
