"""Overrides are RFC 7396 JSON Merge Patches applied to a base model's config.

Objects merge recursively, ``null`` deletes a key, anything else (arrays included) replaces. The
merged document is then validated as a whole, so an error names the JSON path of the bad field.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from inference_engine.caching import IdentityMemo
from inference_engine.errors import ConfigValidationError, ErrorDetail
from inference_engine.schema import ModelConfig, parse_model_config

MAX_PATCH_BYTES = 128 * 1024


def merge_patch(target: Any, patch: Any) -> Any:
    """Apply ``patch`` to ``target`` per RFC 7396 and return the result (inputs are not modified)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result: dict[str, Any] = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def diff_patch(source: Any, target: Any) -> Any:
    """The smallest merge patch that turns ``source`` into ``target`` (inverse of ``merge_patch``).

    Note: a ``null`` *value* in ``target`` cannot be expressed by a merge patch (it means "delete").
    """
    if not isinstance(source, Mapping) or not isinstance(target, Mapping):
        return copy.deepcopy(target)
    patch: dict[str, Any] = {}
    for key in source:
        if key not in target:
            patch[key] = None
    for key, value in target.items():
        if key not in source:
            patch[key] = copy.deepcopy(value)
        elif source[key] != value:
            patch[key] = diff_patch(source[key], value)
    return patch


def check_patch(patch: Any, *, path: str = "override") -> Mapping[str, Any]:
    """An override must be a JSON object of bounded size (a JSON *string* holding an object is refused)."""
    if not isinstance(patch, Mapping):
        kind = "a JSON string" if isinstance(patch, str) else type(patch).__name__
        raise ConfigValidationError(
            f"The override must be a JSON object (a merge patch), not {kind}.",
            details=[ErrorDetail(path, f"expected an object, got {kind}", "model_type")],
        )
    try:
        size = len(json.dumps(patch, ensure_ascii=False).encode())
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the request JSON) cannot become UTF-8
        raise ConfigValidationError(
            "The override contains text that is not valid Unicode (a lone surrogate).",
            details=[ErrorDetail(path, "contains a lone surrogate", "string_unicode")],
        ) from None
    if size > MAX_PATCH_BYTES:
        raise ConfigValidationError(
            f"The override is {size} bytes; the limit is {MAX_PATCH_BYTES}.",
            details=[ErrorDetail(path, "too large", "too_long")],
        )
    return patch


# A base's JSON form, dumped once per (frozen) config object: ``merge_patch`` and validation only read it.
_base_document: IdentityMemo[ModelConfig, dict[str, Any]] = IdentityMemo(ModelConfig.to_json_dict, limit=64)


def apply_override(base: ModelConfig | None, patch: Any) -> ModelConfig:
    """Merge ``patch`` into ``base`` (or into nothing: "from scratch") and validate the result."""
    check_patch(patch)
    document = _base_document(base) if base is not None else {}
    return parse_model_config(merge_patch(document, patch))
