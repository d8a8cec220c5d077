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
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import JsonValue

from inference_engine.errors import ErrorDetail, TemplateError

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*)(\?)?\s*\}\}")
BUILTIN_VARIABLES = ("prompt", "messages", "block_messages", "system", "stop", "model_kwargs")
_MISSING = object()
_OMIT = object()


def _lookup(variables: Mapping[str, Any], dotted: str) -> Any:
    value: Any = variables
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _referenced(template: JsonValue) -> set[str]:
    found: set[str] = set()
    if isinstance(template, str):
        found.update(m.group(1).split(".")[0] for m in PLACEHOLDER.finditer(template))
    elif isinstance(template, list):
        for item in template:
            found |= _referenced(item)
    elif isinstance(template, dict | Mapping):  # dict first: the ABC check is slow
        for item in template.values():
            found |= _referenced(item)
    return found


# Per-call cache keyed on the template object itself (a validated config's template is never mutated):
# the entry holds the template, so its id cannot be reused by another object while it is cached.
_REFERENCED_CACHE: dict[int, tuple[JsonValue, frozenset[str]]] = {}
_REFERENCED_CACHE_SIZE = 64


def referenced_variables(template: JsonValue) -> set[str]:
    """Names (first segment) of every placeholder in the template."""
    cached = _REFERENCED_CACHE.get(id(template))
    if cached is not None and cached[0] is template:
        return set(cached[1])
    found = _referenced(template)
    if isinstance(template, dict | list):
        if len(_REFERENCED_CACHE) >= _REFERENCED_CACHE_SIZE:
            _REFERENCED_CACHE.clear()
        _REFERENCED_CACHE[id(template)] = (template, frozenset(found))
    return found


def _unknown(name: str, path: str, variables: Mapping[str, Any]) -> TemplateError:
    available = ", ".join(sorted(variables))
    message = f"unknown variable {{{{{name}}}}} (available: {available}; add '?' to make it optional)"
    return TemplateError(
        f"Request template at {path}: {message}", details=[ErrorDetail(path, message, "template_variable")]
    )


def _render(node: JsonValue, variables: Mapping[str, Any], path: str) -> Any:
    if isinstance(node, str):
        whole = PLACEHOLDER.fullmatch(node)
        if whole:
            value = _lookup(variables, whole.group(1))
            if value is _MISSING:
                if not whole.group(2):
                    raise _unknown(whole.group(1), path, variables)
                value = None
            return _OMIT if value is None else value

        def substitute(match: re.Match[str]) -> str:
            value = _lookup(variables, match.group(1))
            if value is _MISSING:
                if not match.group(2):
                    raise _unknown(match.group(1), path, variables)
                return ""
            return "" if value is None else _text(value)

        return PLACEHOLDER.sub(substitute, node)
    if node is None or isinstance(node, bool | int | float):  # leaves first: the ABC check below is slow
        return node
    if isinstance(node, list):
        items = [_render(item, variables, f"{path}[{i}]") for i, item in enumerate(node)]
        return [item for item in items if item is not _OMIT]
    if isinstance(node, dict | Mapping):
        rendered = {key: _render(item, variables, f"{path}.{key}") for key, item in node.items()}
        return {key: item for key, item in rendered.items() if item is not _OMIT}
    return node


def render_request(
    template: JsonValue, variables: Mapping[str, Any], *, path: str = "content_handler.request_template"
) -> JsonValue:
    """Render ``template`` with ``variables``; raise ``TemplateError`` naming the template path on failure."""
    result = _render(template, variables, path)
    return None if result is _OMIT else result


def serialize_body(body: JsonValue, content_type: str) -> bytes:
    """JSON bodies are compact UTF-8 JSON; a string body for a non-JSON content type is sent as text."""
    if isinstance(body, str) and "json" not in content_type.lower():
        return body.encode()
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
