"""Request templates: JSON with ``{{name}}`` placeholders, rendered without ever splicing JSON text.

Rules (DESIGN §2.1):
- a string that is exactly ``"{{name}}"`` becomes the variable's value with its JSON type;
- ``{{name}}`` inside a longer string is interpolated as text (non-strings as compact JSON);
- ``{{name?}}`` is optional: a missing variable is ``null`` (whole value) or ``""`` (in a string);
- a whole-value placeholder that resolves to ``null`` removes its key from the enclosing object
  (or its item from the enclosing array), so ``"system": "{{system}}"`` disappears when there is no
  system prompt; a literal ``null`` written in the template stays;
- ``{{a.b}}`` reads key ``b`` of object variable ``a``;
- substitution is one pass over the template's own strings: text that comes from a variable (a
  prompt containing ``{{...}}``, quotes or braces) is never scanned again, so it cannot alter the body.
Object keys are not templated.

A template is compiled once into a tree of small functions (cached by the template object's identity), so a
call only looks variables up and builds the body: no regular expression runs per call.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import JsonValue

from inference_engine.caching import IdentityMemo, Lru
from inference_engine.errors import ErrorDetail, TemplateError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)(\?)?\s*\}\}")
# DESIGN §2.1 and docs/design.md §8.1: what the engine provides; they win over model_kwargs keys of the same name.
BUILTIN_VARIABLES = frozenset({"prompt", "messages", "block_messages", "system", "stop", "model_kwargs", "stream"})
_MISSING = object()
_OMIT = object()

Render = Callable[[Mapping[str, Any]], Any]  # variables -> rendered node (or _OMIT)


def _lookup(variables: Mapping[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


# ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` without building an encoder per call.
_COMPACT_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _text(value: Any) -> str:
    return value if isinstance(value, str) else _COMPACT_JSON.encode(value)


class _UnknownVariableError(Exception):
    """Raised by a compiled node; ``render_request`` turns it into a ``TemplateError`` with the full path."""

    def __init__(self, name: str, suffix: str) -> None:
        super().__init__(name)
        self.name = name
        self.suffix = suffix


def _getter(dotted: str) -> Callable[[Mapping[str, Any]], Any]:
    """``variables -> value or _MISSING``, exactly as ``_lookup`` (a plain name needs no split)."""
    if "." in dotted:
        return lambda variables: _lookup(variables, dotted)

    def get(variables: Mapping[str, Any]) -> Any:
        return variables.get(dotted, _MISSING)

    return get


def _whole(match: re.Match[str], suffix: str) -> Render:
    return _placeholder(match.group(1), bool(match.group(2)), suffix)


def _placeholder(name: str, optional: bool, suffix: str) -> Render:
    """A whole-value placeholder: the value, ``_OMIT`` for null or missing-but-optional, else an error."""
    get = _getter(name)

    def render(variables: Mapping[str, Any]) -> Any:
        value = get(variables)
        if value is _MISSING:
            if not optional:
                raise _UnknownVariableError(name, suffix)
            return _OMIT
        return _OMIT if value is None else value

    return render


def _interpolated(node: str, matches: list[re.Match[str]], suffix: str) -> Render:
    """Literal text and placeholders, left to right, as one ``PLACEHOLDER.sub`` pass would produce them."""
    pieces: list[str | tuple[str, bool, Callable[[Mapping[str, Any]], Any]]] = []
    position = 0
    for match in matches:
        pieces.append(node[position : match.start()])
        pieces.append((match.group(1), bool(match.group(2)), _getter(match.group(1))))
        position = match.end()
    pieces.append(node[position:])
    parts = tuple(piece for piece in pieces if piece != "")

    def render(variables: Mapping[str, Any]) -> str:
        out: list[str] = []
        for part in parts:
            if isinstance(part, str):
                out.append(part)
                continue
            name, optional, get = part
            value = get(variables)
            if value is _MISSING:
                if not optional:
                    raise _UnknownVariableError(name, suffix)
                continue
            if value is not None:
                out.append(_text(value))
        return "".join(out)

    return render


# A compiled node, as its container sees it: (kind, payload, optional, suffix), where the payload is the value of a
# constant, the name of a whole-value placeholder with a plain name, or the render function of anything else.
# Containers handle constants and plain placeholders inline: those are most of a template's leaves.
_CONSTANT, _VARIABLE, _NODE = 0, 1, 2
Part = tuple[int, Any, bool, str]


def _part(node: JsonValue, suffix: str, names: set[str]) -> Part:
    """Compile one node; collects the first segments of the placeholders it holds into ``names``."""
    if isinstance(node, str):
        if "{{" not in node:  # no placeholder can match: skip the regular expressions
            return _CONSTANT, node, False, suffix
        whole = PLACEHOLDER.fullmatch(node)
        if whole:  # the string is this one placeholder (names cannot hold braces, so there is no other)
            name = whole.group(1)
            names.add(name.split(".")[0])
            if "." not in name:
                return _VARIABLE, name, bool(whole.group(2)), suffix
            return _NODE, _whole(whole, suffix), False, suffix
        matches = list(PLACEHOLDER.finditer(node))
        if not matches:
            return _CONSTANT, node, False, suffix
        names.update(m.group(1).split(".")[0] for m in matches)
        return _NODE, _interpolated(node, matches, suffix), False, suffix
    if node is None or isinstance(node, bool | int | float):  # before the (slow) Mapping check
        return _CONSTANT, node, False, suffix
    if isinstance(node, Mapping):
        return (
            _NODE,
            _object([(key, *_part(item, f"{suffix}.{key}", names)) for key, item in node.items()]),
            False,
            suffix,
        )
    if isinstance(node, list):
        return _NODE, _array([_part(item, f"{suffix}[{i}]", names) for i, item in enumerate(node)]), False, suffix
    return _CONSTANT, node, False, suffix


def _object(fields: list[tuple[str, int, Any, bool, str]]) -> Render:
    """Every key in template order; a key whose whole-value placeholder is null or missing-but-optional is left out."""
    compiled = tuple(fields)

    def render(variables: Mapping[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, kind, payload, optional, suffix in compiled:
            if kind == _CONSTANT:
                out[key] = payload
                continue
            value = variables.get(payload, _MISSING) if kind == _VARIABLE else payload(variables)
            if value is _MISSING:
                if not optional:
                    raise _UnknownVariableError(payload, suffix)
            elif value is not None and value is not _OMIT:
                out[key] = value
        return out

    return render


def _array(items: list[Part]) -> Render:
    """Every item in order, without those whose whole-value placeholder is null or missing-but-optional."""
    compiled = tuple(items)

    def render(variables: Mapping[str, Any]) -> list[Any]:
        out: list[Any] = []
        for kind, payload, optional, suffix in compiled:
            if kind == _CONSTANT:
                out.append(payload)
                continue
            value = variables.get(payload, _MISSING) if kind == _VARIABLE else payload(variables)
            if value is _MISSING:
                if not optional:
                    raise _UnknownVariableError(payload, suffix)
            elif value is not None and value is not _OMIT:
                out.append(value)
        return out

    return render


def _root(part: Part) -> Render:
    kind, payload, optional, suffix = part
    if kind == _CONSTANT:
        return lambda _variables: payload
    if kind == _NODE:
        return payload  # type: ignore[no-any-return]
    return _placeholder(payload, optional, suffix)


@dataclass(frozen=True)
class CompiledTemplate:
    """A request template ready to render: its root function and the variables it names (first segments)."""

    render: Render
    names: frozenset[str]


def compile_template(template: JsonValue) -> CompiledTemplate:
    names: set[str] = set()
    render = _root(_part(template, "", names))
    return CompiledTemplate(render=render, names=frozenset(names))


# Compiled once per template: per object (a validated config's template is never changed in place), and per
# content, so the equal template of each config an override builds (a new object every time) is not compiled again.
# The key keeps the template's key order, which the rendered body keeps too.
_by_content: Lru[str, CompiledTemplate] = Lru(64)


def _compile_once(template: JsonValue) -> CompiledTemplate:
    key = json.dumps(template, ensure_ascii=False, separators=(",", ":"))
    return _by_content.recall(key) or _by_content.remember(key, compile_template(template))


_compiled: IdentityMemo[JsonValue, CompiledTemplate] = IdentityMemo(_compile_once, limit=64)


def compiled_template(template: JsonValue) -> CompiledTemplate:
    """The compiled form of ``template``, compiled once per template object (objects and arrays), so a template
    must not be changed in place once rendered (a validated config's never is; build a new one instead)."""
    return _compiled(template) if isinstance(template, dict | list) else compile_template(template)


def referenced_variables(template: JsonValue) -> set[str]:
    """Names (first segment) of every placeholder in the template."""
    return set(compiled_template(template).names)


def _unknown(name: str, path: str, variables: Mapping[str, Any]) -> TemplateError:
    available = ", ".join(sorted(variables))
    message = f"unknown variable {{{{{name}}}}} (available: {available}; add '?' to make it optional)"
    return TemplateError(
        f"Request template at {path}: {message}", details=[ErrorDetail(path, message, "template_variable")]
    )


def render_compiled(
    compiled: CompiledTemplate,
    variables: Mapping[str, Any],
    *,
    path: str = "content_handler.request_template",
    available: Callable[[], Mapping[str, Any]] | None = None,
) -> JsonValue:
    """Render a compiled template. ``available`` gives the variables an unknown-variable error lists, when
    ``variables`` holds only the ones the template names."""
    try:
        result = compiled.render(variables)
    except _UnknownVariableError as exc:
        raise _unknown(exc.name, path + exc.suffix, available() if available else variables) from None
    return None if result is _OMIT else result


def render_request(
    template: JsonValue, variables: Mapping[str, Any], *, path: str = "content_handler.request_template"
) -> JsonValue:
    """Render ``template`` with ``variables``; raise ``TemplateError`` naming the template path on failure."""
    return render_compiled(compiled_template(template), variables, path=path)


def serialize_body(body: JsonValue, content_type: str) -> bytes:
    """JSON bodies are compact UTF-8 JSON; a string body for a non-JSON content type is sent as text."""
    if isinstance(body, str) and "json" not in content_type.lower():
        return body.encode()
    return _COMPACT_JSON.encode(body).encode()
